"""Batch stage, workers: the process pool of a batch; render one document's page design, impose it, combine
print runs. Every rendering goes through the library API."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api import Request
    from ..design.layouts import Layout
    from .cache import RenderCache


@dataclass(frozen=True)
class Made:
    """One finished PDF (or the one-line reason it could not be made)."""

    layout: str
    data: bytes = b""
    pages: int = 0
    sha256: str = ""
    error: str = ""
    notices: tuple[str, ...] = ()  # one-line notes for the user (e.g. a notes box left out)


def preload(request: Request) -> None:
    """Import the render pipeline, register fonts and load the content and clinic profile (cached), so
    forked workers start ready to render."""
    from ..api import warm_up

    warm_up(request)


def _init_worker(request: Request, parent: int, inherited: tuple[int, ...]) -> None:
    """Pool initializer: the worker dies with its parent; stopping is the parent's business.

    Ctrl-C and a hang-up reach the whole process group: the parent stops the run between files and
    ends the workers, so they ignore both. SIGTERM keeps its default (a forked worker would otherwise
    run the parent's handler and live on). ``inherited`` are the parent's descriptors a forked worker
    must not keep open (the lock on the output folder).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    for fd in inherited:
        with suppress(OSError):
            os.close(fd)
    preload(request)  # forked: already done, nothing to do; spawned: imports, fonts, content


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (kill -9 too).

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG; strictly, when the
    thread that forked this process ends: the pool forks from the batch's main thread, which lasts as
    long as the process). Elsewhere, a thread checks every half second whether the process was handed
    to another parent. Either way, a parent that died before this call ends the process at once.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:  # pragma: no cover - not Linux
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _watch_parent(parent: int) -> None:  # pragma: no cover - not Linux
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def render_group(request: Request, layouts: Sequence[Layout], cache: RenderCache | None = None) -> list[Made]:
    """Render the request once on the page design the layouts share (or take it from ``cache``), then
    impose it for each layout."""
    from ..api import render_pages
    from ..export.impose import impose_for
    from .cache import cached

    try:
        pages = cached(cache, replace(request, layout=layouts[0].name), render_pages)
    except Exception as exc:  # noqa: BLE001 - one failing document must not stop the batch
        if len(layouts) > 1:  # let each layout report its own failure (messages name the layout)
            return [m for layout in layouts for m in render_group(request, [layout], cache)]
        return [Made(layouts[0].name, error=failure_reason(exc))]
    notices = pages.notes
    out = []
    for layout in layouts:
        try:
            out.append(_made(layout.name, impose_for(layout, pages.data), notices))
        except Exception as exc:  # noqa: BLE001
            out.append(Made(layout.name, error=failure_reason(exc)))
        notices = ()  # shared pages: said once
    return out


def combine_run(layout: str, members: Sequence[bytes], copies: int) -> Made:
    """One print-ready file: every member ``copies`` times, each copy starting on a front side."""
    from ..export.impose import combine

    try:
        data, _starts = combine([m for m in members for _ in range(copies)], pad_to_even=True)
    except Exception as exc:  # noqa: BLE001
        return Made(layout, error=failure_reason(exc))
    return _made(layout, data)


def _made(layout: str, data: bytes, notices: tuple[str, ...] = ()) -> Made:
    from ..export.pdfinfo import page_count

    return Made(layout, data, page_count(data), hashlib.sha256(data).hexdigest(), notices=notices)


def failure_reason(exc: Exception) -> str:
    from ..errors import IvigError

    if isinstance(exc, IvigError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"unexpected {type(exc).__name__}: {exc} (please report this)"


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class InlineExecutor(Executor):
    """Runs each task at submit time, in this process (one core, or a single task)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def make_executor(request: Request, tasks: int, inherited: Sequence[int] = ()) -> tuple[Executor, int]:
    """A pool of up to one worker per core (fork start method: workers inherit imports, fonts and the
    loaded content and profile of ``request``). Forked workers close the descriptors ``inherited``."""
    preload(request)
    # Everything so far (modules, content, fonts) lives as long as the process: freezing it keeps the
    # collector from walking it again, in the workers too, where that walk would also un-share
    # (copy) the memory pages they inherit from this process.
    gc.freeze()
    gc.enable()  # batch.run turned it off for the imports
    workers = min(cpu_count(), tasks)
    if workers <= 1:
        return InlineExecutor(), 1
    try:
        context: multiprocessing.context.BaseContext = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork on this platform
        context = multiprocessing.get_context()
    close = tuple(inherited) if context.get_start_method() == "fork" else ()  # spawned: nothing inherited
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                               initargs=(request, os.getpid(), close))
    return pool, workers


def shut_down(executor: Executor, now: bool) -> None:
    """Close the pool; ``now`` (a stop signal) drops queued tasks and stops the workers at once.

    Workers only compute (the parent writes every file; a render-cache entry is written atomically), so
    stopping one mid-task loses nothing. With ``now``, the pool's task queue is told not to wait for
    its feeder thread: a task still being written to a worker that is stopped would otherwise block
    that thread on the pipe, and with it the pool's shutdown and the interpreter's exit (seen once in
    CI: a batch stopped by SIGTERM said "interrupted" and did not exit).
    """
    procs = list((getattr(executor, "_processes", None) or {}).values())  # ProcessPoolExecutor's workers
    queue = getattr(executor, "_call_queue", None)  # ProcessPoolExecutor's (a multiprocessing Queue)
    if now and queue is not None:
        queue.cancel_join_thread()  # before shutdown, so nothing joins a feeder stuck on a dead worker's pipe
    executor.shutdown(wait=not now, cancel_futures=True)
    gc.unfreeze()  # make_executor froze what was there: collectable again (a long-lived caller)
    if now:
        for process in procs:
            process.terminate()
        deadline = time.monotonic() + 5
        for process in procs:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():  # pragma: no cover - a worker stuck in C code
                process.kill()
                process.join(timeout=1)
