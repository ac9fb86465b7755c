"""Benchmark (a script, not a test): storing a cold batch's 52 renderings in a render cache that is about
full (3,000 entries, as a clinic's cache is after a few weeks), paired in the same run with the way before
(the folder counted, a stat of every entry, after each entry stored: ``put`` then ``evict``).

Run: `python bench/cache_cap.py` (in `make bench`). BENCH_RUNS rounds (default 7), medians (min-max).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from ivig_handout.personalise import disk
from ivig_handout.personalise.disk import Asked, RenderCache

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ENTRIES, STORED, SIZE = 3000, 52, 40_000  # entries there, entries a cold batch stores, bytes of a rendering


def store_all(folder: Path, every_time: bool) -> float:
    """Seconds to store STORED entries in ``folder`` (a fresh process's count of it included)."""
    disk._TALLY.clear()  # as a new process
    store = RenderCache(folder)
    start = time.perf_counter()
    for i in range(STORED):
        store.put(Asked(f"new{i}", {"document": str(i)}), {}, b"x" * SIZE)
        if every_time:
            store.evict()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as tmp:
        folder = Path(tmp) / "renders"
        folder.mkdir()
        for i in range(ENTRIES):
            (folder / f"{i:064x}.render").write_bytes(b"z" * 1000)
        got: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(RUNS):
            for every_time in (True, False):
                got[every_time].append(store_all(folder, every_time))
        for every_time, label in ((True, "counted after each entry (before)"), (False, "counted once (now)")):
            times = got[every_time]
            print(f"{STORED} entries into a cache of {ENTRIES:,}, {label}: {statistics.median(times) * 1000:.1f} ms "
                  f"({min(times) * 1000:.1f}-{max(times) * 1000:.1f}), {RUNS} rounds")


if __name__ == "__main__":
    main()
