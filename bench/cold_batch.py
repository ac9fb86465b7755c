"""Benchmark (a script, not a test): the cold batch (empty render cache) into a new folder, paired with Typst.

`batch --all --layouts letter,a4,large-print,booklet,2up --out-dir NEW` from a new process with a new,
empty render cache (so every page design is drawn, and the cache is filled as a first run fills it),
timed in rounds with Typst setting the same text of the same 65 handouts in one process
(bench/typst_pair.py). Each round runs the programs back to back, so all see the same load; the script
prints the median of the rounds, their spread and the ratio per round.

One more run, outside the rounds, with IVIG_BATCH_TRACE=FILE: the batch writes there when each worker
took and finished each task, and the script prints how long each core stood idle at the end of the run
(the idle tail: the time from one worker's last task to the end of the other's).

Run with the Python that has ivig-handout installed: `make bench` (or `python bench/cold_batch.py`).
BENCH_BEFORE=DIR (a checkout of an older commit) adds that program's time to each round (before/after).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import typst_pair
from cached_batch import PAIRS, batch, before, report, rounds


def idle_tail(trace: Path, launched: float) -> str:
    """What the batch's trace says: when the parent had loaded everything and when its workers were ready,
    each worker's busy time and last finish, and the idle tail (from one worker's last task to the
    other's), in seconds from the command's start. A task ends when the parent takes its result in."""
    if not trace.is_file():
        return "no trace (this program does not write IVIG_BATCH_TRACE)"
    lines = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
    phases = ", ".join(f"{e['phase']} at {e['at'] - launched:.3f} s" for e in lines if "phase" in e)
    events = [e for e in lines if "worker" in e]
    start = launched
    ends: dict[str, float] = {}
    busy: dict[str, float] = {}
    for e in events:
        ends[e["worker"]] = max(ends.get(e["worker"], 0.0), e["end"] - start)
        busy[e["worker"]] = busy.get(e["worker"], 0.0) + e["end"] - e["start"]
    last = max(ends.values())
    parts = [f"{w}: busy {busy[w]:.3f} s, last task done at {ends[w]:.3f} s" for w in sorted(ends)]
    tail = last - min(ends.values()) if len(ends) > 1 else 0.0
    return f"{phases}; {len(events)} tasks; " + "; ".join(parts) + f"; idle tail {tail:.3f} s"


def cpu_timed(programs: dict[str, Callable[[int], float]]) -> tuple[dict[str, Callable[[int], float]],
                                                                   dict[str, list[float]]]:
    """``programs``, each also recording the CPU time (user and system, over both cores) its processes
    took: the wall time depends on what else the 2 cores run, the CPU time far less."""
    cpu: dict[str, list[float]] = {name: [] for name in programs}

    def timed(name: str, program: Callable[[int], float]) -> Callable[[int], float]:
        def run(i: int) -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = program(i)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            return wall
        return run

    return {name: timed(name, program) for name, program in programs.items()}, cpu


def main() -> None:
    old = before()
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as tmp:
        work = Path(tmp)

        def ours(i: int, env: dict[str, str] | None = None, program: list[str] | None = None,
                 name: str = "ours") -> float:
            return batch(work / f"{name}{i}", {**typst_pair.program_env(work), **(env or {}),
                                               "IVIG_HANDOUT_CACHE_DIR": str(work / f"{name}-cache{i}")}, program)

        programs: dict[str, Callable[[int], float]] = {}
        if old:
            programs["before"] = lambda i: ours(i, old[1], old[2], "old")
        programs["ivig-handout"] = ours
        if typst_pair.available():
            sources = typst_pair.write_sources(work / "typst")
            env = typst_pair.program_env(work)
            typst_pair.compile_all(sources, work / "typst-first", env)
            programs["typst"] = lambda i: typst_pair.compile_all(sources, work / f"typst{i}", env)
        ours(0, name="warm-up")  # the bytecode is compiled, and the page cache holds the program and fonts
        if old:
            ours(0, old[1], old[2], "old-warm-up")
        timed, cpu = cpu_timed(programs)
        times = rounds(timed)
        trace = work / "trace.jsonl"
        launched = time.time()
        ours(0, {"IVIG_BATCH_TRACE": str(trace)}, name="traced")
        tail = idle_tail(trace, launched)
    print(f"cold batch into a new folder, empty render cache ({PAIRS} rounds; load {os.getloadavg()[0]:.1f})"
          + (f"; before = {old[0]}" if old else ""))
    report(times)
    print("  CPU time (both cores): " + "; ".join(
        f"{name} {statistics.median(t):.3f} s ({min(t):.3f}-{max(t):.3f})" for name, t in cpu.items()))
    print(f"  one traced run: {tail}")


if __name__ == "__main__":
    main()
