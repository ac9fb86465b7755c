"""Benchmark (a script, not a test): the cached batch into a new folder, paired with the plain way.

`batch --all --layouts letter,a4,large-print,booklet,2up --out-dir NEW` with the render cache warm and the
inputs unchanged, timed in pairs with the plain way of making the same folder: a copy of the 70 files
plus hashing the inputs (the content pack and the program), in one process. Each pair runs back to
back, so both see the same load; the script prints the median of the pairs and their spread.
Typst is not used: its `typst` package installs, but there is no Typst source of the 65 handouts yet.

Run with the Python that has ivig-handout installed: `make bench` (or `python bench/cached_batch.py`).
BENCH_BEFORE=DIR (a checkout of an older commit) adds that program's time to each pair (before/after).
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
from pathlib import Path

PAIRS = int(os.environ.get("BENCH_RUNS", "5"))
LAYOUTS = "letter,a4,large-print,booklet,2up"


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


def plain(source: Path, out: Path, inputs: list[Path]) -> float:
    """A copy of the folder's files plus hashing the inputs, in one Python process (its start counted)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", PLAIN, str(source), str(out), *map(str, inputs)], check=True)
    return time.perf_counter() - start


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> None:
    import ivig_handout
    from ivig_handout.resources import default_content_dir

    inputs = [default_content_dir(), Path(ivig_handout.__file__).parent]
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "IVIG_HANDOUT_CACHE_DIR": str(work / "cache")}
        batch(work / "first", env)  # fills the render cache
        before = os.environ.get("BENCH_BEFORE")
        old_env = {**env, "PYTHONPATH": str(Path(before) / "src"), "IVIG_HANDOUT_CACHE_DIR": str(work / "old")}
        old_program = [sys.executable, "-m", "ivig_handout"]
        if before:
            batch(work / "old-first", old_env, old_program)  # its own cache (its key may differ)
        ours, theirs, olds = [], [], []
        for i in range(PAIRS):
            if before:
                olds.append(batch(work / f"old{i}", old_env, old_program))
            ours.append(batch(work / f"ours{i}", env))
            theirs.append(plain(work / "first", work / f"plain{i}", inputs))
        files = len(list((work / "first").glob("*.pdf")))
        size = sum(p.stat().st_size for p in (work / "first").iterdir()) / 1e6
        hashed = hashlib.sha256(b"".join(p.name.encode() for p in sorted((work / "first").iterdir()))).hexdigest()
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(f"cached batch into a new folder ({files} PDFs, {size:.1f} MB; {PAIRS} pairs; file list {hashed[:8]})")
    if olds:
        print(f"  before       : {spread(olds)} (BENCH_BEFORE={os.environ['BENCH_BEFORE']})")
        ratios_old = [a / b for a, b in zip(olds, theirs, strict=True)]
        print(f"  before ratio : median {statistics.median(ratios_old):.2f}x")
    print(f"  ivig-handout : {spread(ours)}")
    print(f"  plain copy   : {spread(theirs)}")
    print(f"  ratio        : median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
