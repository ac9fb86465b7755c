"""Batches in real processes for the tests: started (and always ended), and paused at a named point of
the run (batch/pauses.py) so a test acts exactly there, never after a guessed delay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import ivig_handout
from ivig_handout.batch.pauses import PAUSE

# The command in a fresh process, from wherever ivig_handout is imported (checkout or installed).
COMMAND = [sys.executable, "-m", "ivig_handout"]
ENV = {**os.environ, "PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}
WAIT = 120  # seconds: the bound on every wait for a batch process


def start(*args: str, pause: str = "", env: dict[str, str] | None = None,
          **popen: object) -> subprocess.Popen[str]:
    """The batch in a new process; with ``pause`` it stops itself at that point (see ``paused``). It starts
    with the stop signals at their defaults, as from a terminal, however the tests were started (a
    batch keeps a signal ignored when it was started so: under `nohup`, SIGHUP), unless ``preexec_fn``
    says otherwise."""
    env = {**(env or ENV), **({PAUSE: pause} if pause else {})}
    popen.setdefault("preexec_fn", _default_stops)
    return subprocess.Popen(COMMAND + ["batch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, **popen)  # type: ignore[call-overload]


def _default_stops() -> None:
    """In the child, before it runs the batch: Ctrl-C, SIGTERM and SIGHUP as a terminal's shell leaves them."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


@contextmanager
def started(*args: str, pause: str = "", env: dict[str, str] | None = None,
            **popen: object) -> Iterator[subprocess.Popen[str]]:
    """``start``, and the process ended (and reaped) whatever the test does."""
    proc = start(*args, pause=pause, env=env, **popen)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def paused(proc: subprocess.Popen[str], what: str) -> None:
    """Wait until the batch has stopped itself at its pause (bounded: WAIT seconds, then it is killed);
    fail if it ended first. The stop is left for the test to act on; ``resume`` continues it."""
    seen: list[os.waitid_result | None] = []
    flags = os.WSTOPPED | os.WEXITED | os.WNOWAIT  # WNOWAIT: an exit stays for Popen to collect
    waiter = threading.Thread(target=lambda: seen.append(os.waitid(os.P_PID, proc.pid, flags)), daemon=True)
    waiter.start()
    waiter.join(WAIT)
    if waiter.is_alive():
        proc.kill()  # which ends the wait too
        waiter.join()
        pytest.fail(f"the batch did not reach {what} within {WAIT} s")
    assert seen[0] is not None and seen[0].si_code == os.CLD_STOPPED, \
        f"the batch ended before {what}: {proc.communicate()}"


def resume(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGCONT)
