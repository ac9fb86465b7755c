"""Benchmark (a script, not a test): the online copy from a cold process.

`ivig-handout site` (every page of the AAN pack, its index and stylesheet, and each document's PDFs in
letter, a4 and large print) and, paired in the same run and alternating, the plain `batch --all
--layouts letter,a4,large-print` of the same PDFs, each in a new process (imports included), with a
warm render cache (one first run of each fills it; its time is printed too). Three cases each: the
folder empty, and a re-run with nothing changed (which writes nothing). Times are the best of several
runs (the fairest figure on a shared machine, as in bench.py), in ms. Run: `python bench/site.py`
(BENCH_RUNS=N for more runs). Target (issue 22): the whole site under 1 s from a cold process.
"""

from __future__ import annotations

import os
import shutil
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


def once(way: str, out: Path, env: dict[str, str]) -> float:
    """Seconds for one cold process of ``way`` into ``out``."""
    start = time.perf_counter()
    subprocess.run([*COMMAND, *WAYS[way], str(out)], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "IVIG_HANDOUT_CACHE_DIR": str(root / "cache")}
        fill = {way: once(way, root / f"fill-{way}", env) for way in WAYS}  # the render cache, filled
        best: dict[tuple[str, str], float] = {}
        for _ in range(RUNS):
            for way in WAYS:  # alternating: the same machine load for both
                out = root / way
                shutil.rmtree(out, ignore_errors=True)
                for case in ("empty folder", "nothing changed"):
                    took = once(way, out, env)
                    best[way, case] = min(best.get((way, case), took), took)
    print(f"online copy, cold process, warm render cache; best of {RUNS} (ms)")
    print(f"{'':16} {'site':>8} {'batch':>8}")
    for case in ("empty folder", "nothing changed"):
        print(f"{case:16} {best['site', case] * 1000:8.0f} {best['batch', case] * 1000:8.0f}")
    print(f"{'cache empty':16} {fill['site'] * 1000:8.0f} {fill['batch'] * 1000:8.0f}  (one run each)")
    verdict = "ok" if best["site", "empty folder"] * 1000 < TARGET_MS else "OVER"
    print(f"target: the whole site under {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
