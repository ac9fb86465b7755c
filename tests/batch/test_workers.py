"""The batch's own worker processes (batch/workers.py Pool): results come back per task, a task's error
comes back as that task's, a worker that dies (even in the middle of sending a result, which once left a
ProcessPoolExecutor's manager thread reading forever) is reported at once, and shutting down always ends
and reaps every worker."""

from __future__ import annotations

import json
import os
import signal
from multiprocessing.connection import wait

import pytest

from ivig_handout.batch.workers import TRACE, Pool, Trace, WorkerLostError

WAIT = 120.0


def square(n: int) -> int:
    return n * n


def fail(n: int) -> int:
    raise ValueError(f"no {n}")


def big() -> bytes:
    return b"x" * (64 << 20)  # far more than a socket buffer: the worker blocks while sending it


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_results_and_errors_come_back_per_task() -> None:
    pool = Pool(2)
    pids = [w.pid for w in pool._workers]
    try:
        assert pool.map(square, range(20)) == [n * n for n in range(20)]
        bad = pool.submit(fail, 3)
        good = pool.submit(square, 4)
        while not (bad.done() and good.done()):  # wait returns at once while any it is given is done
            pool.wait([f for f in (bad, good) if not f.done()], WAIT)
        assert good.result() == 16
        with pytest.raises(ValueError, match="no 3"):
            bad.result()
    finally:
        pool.shut_down(now=False)
    assert all(gone(pid) for pid in pids)  # ended and reaped


def test_a_worker_killed_while_sending_a_result_is_reported_not_waited_for() -> None:
    pool = Pool(1)
    worker = pool._workers[0]
    try:
        future = pool.submit(big)
        assert wait([worker.conn], WAIT), "the worker never started sending"  # it is blocked mid-message now
        os.kill(worker.pid, signal.SIGKILL)
        with pytest.raises(WorkerLostError):
            while not future.done():
                pool.wait([future], WAIT)
    finally:
        pool.shut_down(now=True)
    assert gone(worker.pid)


def test_shutting_down_now_ends_busy_workers() -> None:
    pool = Pool(2)
    pids = [w.pid for w in pool._workers]
    for _ in range(4):
        pool.submit(big)
    pool.shut_down(now=True)
    assert all(gone(pid) for pid in pids)


def test_a_trace_names_each_tasks_worker_and_times(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """IVIG_BATCH_TRACE (bench/cold_batch.py's idle tail): one line per task, with the worker that ran it."""
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv(TRACE, str(trace))
    pool = Pool(2)
    try:
        assert pool.map(square, range(6)) == [n * n for n in range(6)]
    finally:
        pool.shut_down(now=False)
    Trace.phase("done")
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    tasks, phases = lines[:-1], lines[-1:]
    assert len(tasks) == 6 and {t["task"] for t in tasks} == {"square"}
    assert {t["worker"] for t in tasks} <= {"worker 1", "worker 2"}
    assert all(t["start"] <= t["end"] <= phases[0]["at"] for t in tasks)
    assert phases[0]["phase"] == "done"
