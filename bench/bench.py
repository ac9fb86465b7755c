"""Benchmark (a script, not a test): the default batch cold and warm, the unchanged re-run, --help, memory.

Run with the Python that has ivig-handout installed: `make bench` (or `python bench/bench.py`).
Every timing is the best of several runs (the fairest figure on a shared machine), with the median.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
LAYOUTS = ("letter", "a4", "large-print", "booklet", "2up")


def command() -> list[str]:
    """The installed console script next to this Python, else the module."""
    exe = shutil.which("ivig-handout", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ivig_handout"]


CPU: list[float] = []  # CPU seconds (user + system, the process and its workers) of each timed run


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    installed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as an installed
    installed["PYTHONPYCACHEPREFIX"] = str(cwd / "pycache")  # program runs: its bytecode compiled once
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**installed, **(env or {})})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall


def best(times: list[float]) -> str:
    return f"{min(times):.3f} s (median {statistics.median(times):.3f} s, {len(times)} runs)"


def cold_batches(work: Path) -> tuple[list[float], list[float], int]:
    """A fresh default batch into an empty folder from a new process with a new, empty render cache (so
    every page is drawn: a warm cache would copy a kept run's files), then its unchanged re-run."""
    batch = command() + ["batch", "--all", "--layouts", ",".join(LAYOUTS), "--out-dir", "out"]
    fresh, rerun = [], []
    files = 0
    for i in range(RUNS):
        shutil.rmtree(work / "out", ignore_errors=True)
        fresh.append(timed(batch, work, {"IVIG_HANDOUT_CACHE_DIR": str(work / f"cache{i}")}))
        FRESH_CPU.append(CPU[-1])
        files = len(list((work / "out").glob("ivig-*.pdf")))
        rerun.append(timed(batch, work))
    return fresh, rerun, files


FRESH_CPU: list[float] = []


def warm_per_document() -> tuple[float, int, dict[str, float]]:
    """Every document in every layout, one after another in one warm process (after a first pass)."""
    from ivig_handout import Request, build, documents
    from ivig_handout.api import warm_up

    warm_up(Request())
    docs = documents()
    for layout in LAYOUTS:  # first pass: caches, lazily loaded glyph tables
        for doc in docs:
            build(Request(doc, layout))
    per_layout = {}
    start = time.perf_counter()
    for layout in LAYOUTS:
        t = time.perf_counter()
        for doc in docs:
            build(Request(doc, layout))
        per_layout[layout] = (time.perf_counter() - t) / len(docs)
    return time.perf_counter() - start, len(docs) * len(LAYOUTS), per_layout


def main() -> None:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"ivig-handout benchmark: Python {platform.python_version()}, {cpus} cores, {' '.join(command())}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        fresh, rerun, files = cold_batches(work)
        helps = [timed(command() + ["--help"], work) for _ in range(RUNS)]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    serial, builds, per_layout = warm_per_document()
    print(f"fresh default batch, cold process ({files} PDFs + {len(LAYOUTS)} print runs): {best(fresh)}")
    print(f"    CPU time of that run (all processes): {min(FRESH_CPU):.3f} s "
          f"(median {statistics.median(FRESH_CPU):.3f} s)")
    print(f"unchanged re-run, cold process:  {best(rerun)}")
    print(f"ivig-handout --help:             {best(helps)}")
    print(f"warm, one process, serial:       {serial:.3f} s for {builds} documents "
          f"({serial / builds * 1000:.1f} ms per document)")
    for name, seconds in per_layout.items():
        print(f"    {name:<12} {seconds * 1000:6.1f} ms per document")
    print(f"peak memory (largest process):   {peak:.0f} MB")


if __name__ == "__main__":
    main()
