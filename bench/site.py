"""Benchmark (a script, not a test): the online copy from a cold process.

`ivig-handout site` (every page of the AAN pack, its index and stylesheet, and each document's PDFs in
letter, a4 and large print) and, paired in the same run and alternating, the plain `batch --all
--layouts letter,a4,large-print` of the same PDFs, each in a new process (imports included). Three
cases each: the render cache empty (a new cache folder) and the output folder empty; the render cache
warm and the folder empty; and a re-run with nothing changed (which writes nothing). Then serve's
/online/ page: the first request and a repeat one (in one process, the Flask test client). Figures are
medians with the spread (lowest-highest) of RUNS runs, in ms: wall time, and the CPU time (user + system,
the workers included) that a shared machine does not stretch. Run: `python bench/site.py`
(BENCH_RUNS=N for more runs). Target (issue 22): the whole site under 1 s from a cold process.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET_MS = 1000.0
COMMAND = [sys.executable, "-m", "ivig_handout"]
WAYS = {
    "site": ["site", "--out-dir"],
    "batch": ["batch", "--all", "--layouts", "letter,a4,large-print", "--out-dir"],
}
CASES = ("cache empty", "cache warm", "nothing changed")


def cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def once(way: str, out: Path, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds for one cold process of ``way`` into ``out`` with the render cache in ``cache``."""
    env = {**os.environ, "IVIG_HANDOUT_CACHE_DIR": str(cache)}
    start, used = time.perf_counter(), cpu()
    subprocess.run([*COMMAND, *WAYS[way], str(out)], check=True, env=env, capture_output=True)
    return time.perf_counter() - start, cpu() - used


def cold(root: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    took: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for run in range(RUNS):
        for way in WAYS:  # alternating: the same machine load for both
            cache, out = root / f"cache-{way}-{run}", root / f"{way}-{run}"
            for case in CASES:  # a new cache, then warm, then the same folder again
                if case == "cache warm":
                    shutil.rmtree(out)
                took.setdefault((way, case), []).append(once(way, out, cache))
    return took


def online(root: Path) -> tuple[list[float], list[float]]:
    """serve's /online/gbs.html: the first request of a process (each run a new clinic profile, as a
    new process would meet it) and the repeat of it."""
    from ivig_handout.apps.web.app import create_app
    from ivig_handout.apps.web.config import WebConfig

    first: list[float] = []
    repeat: list[float] = []
    for run in range(RUNS):
        clinic = root / f"clinic-{run}.yaml"
        clinic.write_text(f"name: Clinic {run}\n", encoding="utf-8")
        client = create_app(WebConfig(port=80, clinics={"main": clinic})).test_client()
        for times in (first, repeat):
            start = time.perf_counter()
            assert client.get("/online/gbs.html").status_code == 200
            times.append(time.perf_counter() - start)
    return first, repeat


def show(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"{statistics.median(ms):.0f} ({min(ms):.0f}-{max(ms):.0f})"


def both(times: list[tuple[float, float]]) -> str:
    return f"{show([wall for wall, _ in times])}, cpu {show([used for _, used in times])}"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        took = cold(root)
        first, repeat = online(root)
    print(f"online copy, cold process; median (lowest-highest) of {RUNS} runs, ms; load {os.getloadavg()[0]:.1f}")
    for case in CASES:
        print(f"{case:16} site {both(took['site', case]):34} batch {both(took['batch', case])}")
    print(f"serve /online/gbs.html: first {show(first)}, repeat {show(repeat)}")
    worst = max(statistics.median(wall for wall, _ in took["site", case]) for case in CASES[:2]) * 1000
    print(f"target: the whole site under {TARGET_MS:.0f} ms: {'ok' if worst < TARGET_MS else 'OVER'}")


if __name__ == "__main__":
    main()
