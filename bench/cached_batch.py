"""Benchmark (a script, not a test): the cached batch into a new folder, paired with Typst and the plain way.

`batch --all --layouts letter,a4,large-print,booklet,2up --out-dir NEW` with the render cache warm and the
inputs unchanged, timed in rounds with (a) Typst setting the same text of the same 65 handouts in one
process (bench/typst_pair.py; skipped when the `typst` package is missing: `pip install ".[bench]"`) and
(b) the plain way of making the same folder: a copy of the 70 files plus hashing the inputs (the content
pack and the program), in one process. Each round runs the programs back to back, so all see the same
load; the script prints the median of the rounds and their spread, and the ratio per round.

Run with the Python that has ivig-handout installed: `make bench` (or `python bench/cached_batch.py`).
BENCH_BEFORE=DIR (a checkout of an older commit, e.g. `git archive 2328406 | tar -x -C DIR`) adds that
program's time to each round (before/after).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import typst_pair

PAIRS = int(os.environ.get("BENCH_RUNS", "5"))
LAYOUTS = ",".join(typst_pair.LAYOUTS)


def command() -> list[str]:
    exe = shutil.which("ivig-handout", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ivig_handout"]


def batch(out: Path, env: dict[str, str], program: list[str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([*(program or command()), "batch", "--all", "--layouts", LAYOUTS, "--out-dir", str(out)], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


PLAIN = """
import hashlib, shutil, sys
from pathlib import Path
for folder in sys.argv[3:]:
    for p in sorted(Path(folder).rglob('*')):
        if p.is_file():
            hashlib.sha256(p.read_bytes()).digest()
shutil.copytree(sys.argv[1], sys.argv[2])
"""


def plain(source: Path, out: Path, inputs: list[Path], env: dict[str, str] | None = None) -> float:
    """A copy of the folder's files plus hashing the inputs, in one Python process (its start counted)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", PLAIN, str(source), str(out), *map(str, inputs)], check=True, env=env)
    return time.perf_counter() - start


def before() -> tuple[str, dict[str, str], list[str]] | None:
    """BENCH_BEFORE's checkout: (its folder, the environment that runs it, its command), or None."""
    folder = os.environ.get("BENCH_BEFORE")
    if not folder:
        return None
    return folder, {"PYTHONPATH": str(Path(folder) / "src")}, [sys.executable, "-m", "ivig_handout"]


def spread(times: list[float]) -> str:
    return typst_pair.spread(times)


def report(rows: dict[str, list[float]], against: tuple[str, ...] = ("typst", "plain copy")) -> None:
    """Each program's median (min-max), and its ratio to each of ``against`` per round: median (min-max)."""
    width = max(map(len, rows))
    for name, times in rows.items():
        line = f"  {name:<{width}} : {spread(times)}"
        for other in against:
            if other != name and other in rows and name not in against:
                ratios = [a / b for a, b in zip(times, rows[other], strict=True)]
                line += f"; {statistics.median(ratios):.2f}x {other} ({min(ratios):.2f}-{max(ratios):.2f})"
        print(line)


def rounds(programs: dict[str, Callable[[int], float]], count: int = PAIRS) -> dict[str, list[float]]:
    """``count`` rounds, each running every program once, back to back, in the order given."""
    times: dict[str, list[float]] = {name: [] for name in programs}
    for i in range(count):
        for name, program in programs.items():
            times[name].append(program(i))
    return times


def main() -> None:
    import ivig_handout
    from ivig_handout.resources import default_content_dir

    inputs = [default_content_dir(), Path(ivig_handout.__file__).parent]
    old = before()
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as tmp:
        work = Path(tmp)
        env = {**typst_pair.program_env(work), "IVIG_HANDOUT_CACHE_DIR": str(work / "cache")}
        batch(work / "first", env)  # fills the render cache
        programs: dict[str, Callable[[int], float]] = {}
        if old:
            old_env = {**env, **old[1], "IVIG_HANDOUT_CACHE_DIR": str(work / "old")}
            batch(work / "old-first", old_env, old[2])  # its own cache (its key may differ)
            programs["before"] = lambda i: batch(work / f"old{i}", old_env, old[2])
        programs["ivig-handout"] = lambda i: batch(work / f"ours{i}", env)
        if typst_pair.available():
            sources = typst_pair.write_sources(work / "typst")
            typst_pair.compile_all(sources, work / "typst-first", env)
            programs["typst"] = lambda i: typst_pair.compile_all(sources, work / f"typst{i}", env)
        programs["plain copy"] = lambda i: plain(work / "first", work / f"plain{i}", inputs, env)
        times = rounds(programs)
        files = len(list((work / "first").glob("*.pdf")))
        size = sum(p.stat().st_size for p in (work / "first").iterdir()) / 1e6
        hashed = hashlib.sha256(b"".join(p.name.encode() for p in sorted((work / "first").iterdir()))).hexdigest()
    print(f"cached batch into a new folder ({files} PDFs, {size:.1f} MB; {PAIRS} rounds; file list {hashed[:8]}; "
          f"load {os.getloadavg()[0]:.1f})" + (f"; before = {old[0]}" if old else ""))
    report(times)


if __name__ == "__main__":
    main()
