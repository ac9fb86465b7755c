"""Batch stage, workers: the worker processes of a batch (forked and owned here: started, fed, ended and
reaped by this module, with nothing left for the interpreter's exit to wait on); render one document's
page design, impose it, combine print runs. Every rendering goes through the library API."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, Pipe, wait
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

if TYPE_CHECKING:
    from ..api import Layout, RenderCache, Request

T = TypeVar("T")


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
    from ..api import cached, impose, render_pages

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
            out.append(_made(layout.name, impose(replace(pages, layout=layout)).data, notices))
        except Exception as exc:  # noqa: BLE001
            out.append(Made(layout.name, error=failure_reason(exc)))
        notices = ()  # shared pages: said once
    return out


def combine_run(layout: str, members: Sequence[bytes], copies: int) -> Made:
    """One print-ready file: every member ``copies`` times, each copy starting on a front side."""
    from ..api import print_run, run_title

    try:
        data = print_run([(m, copies) for m in members], run_title(layout, len(members) * copies))
    except Exception as exc:  # noqa: BLE001
        return Made(layout, error=failure_reason(exc))
    return _made(layout, data)


def _made(layout: str, data: bytes, notices: tuple[str, ...] = ()) -> Made:
    from ..api import page_count

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


class WorkerLostError(Exception):
    """A worker process ended in the middle of the run (killed, out of memory, a signal to the group)."""


TRACE = "IVIG_BATCH_TRACE"  # a file: each task's worker, start and end (wall-clock) are added to it (bench/)


class Trace:
    """When IVIG_BATCH_TRACE names a file: what ran where and when, added to it as JSON lines at the end
    (bench/cold_batch.py reads it for the idle tail). Otherwise nothing is kept."""

    def __init__(self) -> None:
        self.path = os.environ.get(TRACE)
        self.events: list[dict[str, Any]] = []

    def task(self, worker: str, fn: Callable[..., Any], start: float) -> None:
        if self.path:
            self.events.append({"worker": worker, "task": fn.__name__, "start": start, "end": time.time()})

    @staticmethod
    def phase(name: str) -> None:
        """A moment of the run (the parent's), written at once."""
        path = os.environ.get(TRACE)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"phase": name, "at": time.time()}) + "\n")

    def save(self) -> None:
        if self.path and self.events:
            with open(self.path, "a", encoding="utf-8") as out:
                out.writelines(json.dumps(e) + "\n" for e in self.events)
            self.events = []


class Workers:
    """The batch's tasks run at submit time, in this process (one core, or a single task). The pool below
    has the same four calls."""

    def __init__(self) -> None:
        self.trace = Trace()

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        future: Future[T] = Future()
        start = time.time()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        self.trace.task("parent", fn, start)
        return future

    def wait(self, futures: Iterable[Future[Any]], timeout: float) -> set[Future[Any]]:
        """Those of ``futures`` that are done, waiting up to ``timeout`` seconds for one."""
        return {f for f in futures if f.done()}

    def map(self, fn: Callable[..., T], items: Iterable[Any]) -> list[T]:
        """``fn(item)`` of every item, in order."""
        futures = [self.submit(fn, item) for item in items]
        while not all(f.done() for f in futures):
            self.wait([f for f in futures if not f.done()], 1.0)
        return [f.result() for f in futures]

    def shut_down(self, now: bool) -> None:
        """Nothing to end."""
        self.trace.save()


@dataclass
class _Worker:
    pid: int
    conn: Connection  # this end of the worker's socket pair: tasks out, results in


class Pool(Workers):
    """Worker processes forked from this one (after the imports, so they start ready to render), each fed
    one task at a time over its own socket pair, from the caller's thread: no feeder or manager threads,
    no queues that must drain, no exit hook. ``shut_down`` ends every worker (asked, then SIGTERM, then
    SIGKILL) and reaps it, each step bounded in time, so a batch that stops always exits."""

    def __init__(self, size: int, inherited: Sequence[int] = ()) -> None:
        super().__init__()
        self._queue: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._started: dict[Connection, tuple[Callable[..., Any], float]] = {}  # for the trace
        self._workers: list[_Worker] = []
        self._idle: list[_Worker] = []
        self._busy: dict[Connection, tuple[_Worker, Future[Any]]] = {}
        try:
            for _ in range(size):
                self._workers.append(_fork(inherited, [w.conn for w in self._workers]))
        except BaseException:
            self.shut_down(now=True)
            raise
        self._idle = list(reversed(self._workers))

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.append((future, fn, args))
        self._dispatch()
        return future

    def wait(self, futures: Iterable[Future[Any]], timeout: float) -> set[Future[Any]]:
        """Take in results (up to ``timeout`` seconds) until one of ``futures`` is done; WorkerLostError if a
        worker ended."""
        futures = list(futures)
        deadline = time.monotonic() + timeout
        while True:
            done = {f for f in futures if f.done()}
            left = deadline - time.monotonic()
            if done or not self._busy or left <= 0:
                return done
            self._collect(left)

    def _dispatch(self) -> None:
        """Hand queued tasks to idle workers (an idle worker is reading: the send does not wait long)."""
        while self._queue and self._idle:
            future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            worker = self._idle.pop()
            try:
                worker.conn.send((fn, args))
            except (OSError, EOFError) as exc:  # the worker is gone (a signal to the process group)
                future.set_exception(WorkerLostError(str(exc)))
                raise WorkerLostError(f"worker process {worker.pid} ended") from None
            self._busy[worker.conn] = (worker, future)
            self._started[worker.conn] = (fn, time.time())

    def _collect(self, timeout: float) -> None:
        for ready in wait(list(self._busy), timeout):
            worker, future = self._busy.pop(cast(Connection, ready))
            self.trace.task(f"worker {self._workers.index(worker) + 1}", *self._started.pop(worker.conn))
            try:
                ok, value = worker.conn.recv()
            except (OSError, EOFError, pickle.UnpicklingError):
                future.set_exception(WorkerLostError(f"worker process {worker.pid} ended"))
                raise WorkerLostError(f"worker process {worker.pid} ended") from None
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
            self._idle.append(worker)
        self._dispatch()

    def shut_down(self, now: bool) -> None:
        """End every worker and reap it. Not ``now``: each is asked to finish (it is idle when the run is
        done); still there after a while, or ``now`` (a stop signal, an error): SIGTERM, then SIGKILL."""
        for future, _fn, _args in self._queue:
            future.cancel()
        self._queue.clear()
        running = {w.pid for w in self._workers}
        if not now:
            for worker in self._workers:
                with suppress(OSError):
                    worker.conn.send(None)
            running = _reap(running, time.monotonic() + 5)
        for signum, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 1.0)):
            if not running:
                break
            for pid in running:
                with suppress(OSError):
                    os.kill(pid, signum)
            running = _reap(running, time.monotonic() + grace)
        for worker in self._workers:
            worker.conn.close()
        self._workers, self._idle, self._busy = [], [], {}
        self.trace.save()


def _reap(pids: set[int], until: float) -> set[int]:
    """Wait (until the monotonic time ``until``) for the child processes ``pids`` to end and reap them; the
    pids still running then (a process stuck in the kernel: left as it is, never waited on forever)."""
    left = set(pids)
    while True:
        for pid in list(left):
            try:
                ended, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped already
                ended = pid
            if ended:
                left.discard(pid)
        if not left or time.monotonic() >= until:
            return left
        time.sleep(0.005)


_STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _fork(inherited: Sequence[int], siblings: Sequence[Connection]) -> _Worker:
    """One worker process. Stop signals are blocked across the fork, so none reaches the child before it
    has set its own handling (it would otherwise run the parent's handler and live on)."""
    ours, theirs = Pipe(duplex=True)
    parent = os.getpid()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
            _child(theirs, [ours, *siblings], inherited, parent, mask)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    theirs.close()
    return _Worker(pid, ours)


def _child(conn: Connection, close: Sequence[Connection], inherited: Sequence[int], parent: int,
           mask: Iterable[int]) -> NoReturn:  # pragma: no cover - runs in the child
    """A worker: dies with its parent; stopping is the parent's business.

    Ctrl-C and a hang-up reach the whole process group: the parent stops the run between files and ends
    the workers, so they ignore both. SIGTERM keeps its default. ``inherited`` are the parent's descriptors
    a worker must not keep open (the lock on the output folder). It ends with os._exit: no exit handlers,
    no output buffers of the parent flushed twice."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        die_with_parent(parent)
        for other in close:
            other.close()
        for fd in inherited:
            with suppress(OSError):
                os.close(fd)
        _serve(conn)
        code = 0
    finally:
        os._exit(code)


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child
    """Run tasks until told to stop (None) or the parent is gone; every task gets a reply."""
    while True:
        try:
            task = conn.recv()
        except (OSError, EOFError):
            return
        if task is None:
            return
        fn, args = task
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent
            reply = (False, _portable(exc))
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # nothing was sent yet
            conn.send((False, RuntimeError(f"a worker's result could not be sent back: {exc}")))
        except OSError:
            return


def _portable(exc: BaseException) -> BaseException:
    """``exc``, or a RuntimeError saying what it was when it cannot be pickled."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to round-trip
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def make_executor(request: Request, tasks: int, inherited: Sequence[int] = (),
                  inline: bool = False) -> tuple[Workers, int]:
    """Up to one worker per core, forked after loading everything ``request`` needs (imports, fonts,
    content and profile), so workers start ready to render. Forked workers close the descriptors
    ``inherited``. One core, one task, no fork on this system, or ``inline`` (nothing to render: every
    page design is in the render cache): the tasks run in this process, with nothing preloaded."""
    if inline:
        gc.enable()  # batch.run turned it off for the imports
        return Workers(), 1
    preload(request)
    # Everything so far (modules, content, fonts) lives as long as the process: freezing it keeps the
    # collector from walking it again, in the workers too, where that walk would also un-share
    # (copy) the memory pages they inherit from this process.
    gc.freeze()
    gc.enable()  # batch.run turned it off for the imports
    workers = min(cpu_count(), tasks)
    if workers <= 1 or not hasattr(os, "fork"):
        return Workers(), 1
    return Pool(workers, inherited), workers


def shut_down(executor: Workers, now: bool) -> None:
    """End the workers; ``now`` (a stop signal, an error) drops queued tasks and stops them at once.

    Workers only compute (the parent writes every file; a render-cache entry is written atomically), so
    stopping one mid-task loses nothing."""
    try:
        executor.shut_down(now)
    finally:
        gc.unfreeze()  # make_executor froze what was there: collectable again (a long-lived caller)
