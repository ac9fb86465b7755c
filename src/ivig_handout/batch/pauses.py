"""Batch stage, test pauses: a batch stops itself (SIGSTOP) at a named point when the environment variable
IVIG_HANDOUT_TEST_PAUSE lists it, so a test acts (a signal, a kill) exactly there: it waits for the stop
(waitid), acts, and continues the batch with SIGCONT. Unset (always, outside tests), nothing happens.

Points: ``folder-wait`` (another process holds the output folder: the batch is about to wait for it) and
``file-written`` (the first output file is on disk; in a plain batch, listed in manifest.json on disk too),
``print-run-writing`` (a roster's print run is part written, under its temporary name).
Each pauses once per process."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

PAUSE = "IVIG_HANDOUT_TEST_PAUSE"
_passed: set[str] = set()


def wanted(point: str) -> bool:
    """True when the batch is to pause at ``point`` (and has not yet)."""
    return point not in _passed and point in os.environ.get(PAUSE, "").split(",")


def reached(point: str, before: Callable[[], object] | None = None) -> None:
    """Stop this process at ``point`` if a test asked for it, after ``before()`` (what the test relies on)."""
    if not wanted(point):
        return
    _passed.add(point)
    if before is not None:
        before()
    os.kill(os.getpid(), signal.SIGSTOP)
