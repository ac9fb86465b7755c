"""Benchmark (a script, not a test): where the time of issue 25's 1,000 personalised GBS one-pagers goes
(`ivig-handout batch --roster gbs.csv --out-dir NEW`, warm render cache), component by component, to
show the floor with ReportLab, pikepdf and pydantic.

1. startup: the interpreter alone, and each library the run imports, each in a fresh process;
2. the run's parts, timed inside one `batch --roster` process (the functions wrapped with timers, no
   profiler): imports, reading the roster, the templates from the cache, the stamp-or-render
   decisions, drawing the names (split into ReportLab's import, its font registration and the
   drawing when a name is not ASCII), the print run's combine and pikepdf's save, the record, the rest;
3. what leaving pikepdf would save: pikepdf's import and the print run's combine + save, against the
   same number of PDF objects written by plain Python (an estimate of a hand-written writer).

Medians (min-max) of BENCH_RUNS fresh processes (default 5) for the ASCII roster and the one with every
10th name non-ASCII. Run: `python bench/roster_floor.py`; with PYTHONPATH=DIR/src (a checkout of an
older commit), the same parts of that one.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from roster import NON_ASCII, roster_rows, write_roster

RUNS = int(os.environ.get("BENCH_RUNS", "5"))

# One `batch --roster` run with its parts timed: argv roster, out dir; prints {part: seconds}.
PARTS = r"""
import sys, time, json, collections
T0 = time.perf_counter()
got = collections.Counter()
def timed(owner, name, label):
    f = getattr(owner, name)
    def run(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            got[label] += time.perf_counter() - t
    setattr(owner, name, run)
import ivig_handout.apps.cli as cli
import ivig_handout.batch.roster as roster
import ivig_handout.export.impose as impose
import ivig_handout.export.sinks.record as record
import ivig_handout.inputs.roster as rows
import ivig_handout.render.stamp as stamp
import ivig_handout.render.fonts as fonts
got["imports"] = time.perf_counter() - T0
timed(roster, "load_roster", "load_roster")
timed(rows, "_check", "rows")
timed(roster._Writer, "_templates", "templates")
timed(roster._Writer, "_rows", "decisions")
timed(stamp, "draw_stamps", "draw")
timed(fonts, "register_family", "register")
timed(stamp, "_draw_others", "others")
timed(impose, "combine", "combine")
timed(impose, "_save", "save")
timed(record.SQLiteRecord, "add_all", "record")
sys.argv = ["ivig-handout", "batch", "--roster", sys.argv[1], "--out-dir", sys.argv[2]]
try:
    cli.main()
except SystemExit:
    pass
got["total"] = time.perf_counter() - T0
got["rest"] = got["total"] - sum(got[k] for k in ("imports", "load_roster", "templates", "decisions", "draw", "combine",
                                                  "record"))
print(json.dumps({"parts": got}))
"""

# One library's import, alone in a fresh process (ReportLab's: the modules render.markup brings in).
IMPORT = "{before}import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
THIRD = "import click, pydantic, pikepdf, yaml, platformdirs; "  # the libraries, imported before
# Each alone, with the standard library modules it pulls in (shared in the command: the sum is more).
LIBRARIES = (("click", "click"), ("pydantic", "pydantic"), ("pikepdf", "pikepdf"), ("PyYAML", "yaml"),
             ("ReportLab's paragraphs (render.markup)", "ivig_handout.render.markup"),
             ("the api (everything batch.roster needs)", "ivig_handout.api"),
             ("the api's own modules, with the libraries already imported (pydantic's models built: most)",
              THIRD + "ivig_handout.api"),
             ("the CLI + batch.roster + api", "ivig_handout.apps.cli, ivig_handout.batch.roster"))


ROWS = (("imports", "imports: the CLI, batch.roster and the api (pydantic, pikepdf, click, PyYAML, the models)"),
        ("load_roster", "load_roster: the content pack, the layouts, the rows"),
        ("rows", "  of which: reading and checking the 1,000 rows"),
        ("templates", "the template from the render cache (hashing the program's 4 MB of sources and fonts: most)"),
        ("decisions", "stamp-or-render decisions (render/stamp.fits, 2,000 values)"),
        ("draw", "drawing the values (render/stamp.draw_stamps)"),
        ("others", "  of which: the 100 values that are not ASCII (ReportLab's import, fonts, paragraphs)"),
        ("register", "  of which: registering 8 faces with ReportLab (and its font modules' import)"),
        ("combine", "the print run: export/impose.combine, with pikepdf's save"),
        ("save", "  of which: pikepdf's save (hashed, to disk)"),
        ("record", "the education record: 1,000 rows in one SQLite transaction"),
        ("rest", "the rest: folder lock, manifest, report, exit"),
        ("total", "total after the interpreter started"))


def env() -> dict[str, str]:
    """As an installed program runs: its bytecode compiled (once, by the first run)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def spread(values: list[float], unit: str = "ms", scale: float = 1000) -> str:
    scaled = [v * scale for v in values]
    return f"{statistics.median(scaled):.1f} {unit} ({min(scaled):.1f}-{max(scaled):.1f})"


def startup() -> list[tuple[str, str]]:
    """Section 1: the interpreter and each library's import, fresh processes."""
    rows = []
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env())
        times.append(time.perf_counter() - start)
    rows.append(("interpreter start and exit (`python -c pass`)", spread(times)))
    for label, modules in LIBRARIES:
        before, _, module = modules.rpartition("; ")
        code = IMPORT.format(before=f"{before}; " if before else "", module=module)
        got = [float(subprocess.run([sys.executable, "-c", code], check=True, env=env(), capture_output=True,
                                    text=True).stdout) for _ in range(RUNS)]
        rows.append((f"import {label}", spread(got)))
    return rows


def parts(roster: Path, work: Path) -> tuple[dict[str, list[float]], list[float]]:
    """Section 2: the run's parts, RUNS fresh processes (after one to warm the cache); and their walls."""
    found: dict[str, list[float]] = {}
    walls = []
    for i in range(RUNS + 1):
        start = time.perf_counter()
        got = subprocess.run([sys.executable, "-c", PARTS, str(roster), str(work / f"out-{i}")], check=True,
                             env=env(), capture_output=True, text=True)
        wall = time.perf_counter() - start
        if i == 0:
            continue
        walls.append(wall)
        for part, seconds in json.loads(got.stdout.splitlines()[-1])["parts"].items():
            found.setdefault(part, []).append(seconds)
    return found, walls


def plain_writer(objects: int, streams: int) -> float:
    """Seconds for plain Python to write ``objects`` small PDF objects, ``streams`` of them compressed
    content streams, with a cross-reference table: what a hand-written print-run writer would spend."""
    start = time.perf_counter()
    out, offsets, at = [], [], 0
    for n in range(1, objects + 1):
        if n <= streams:
            data = zlib.compress(b"q 1 0 0 1 0 0 cm BT /F1 11 Tf 12.98 TL (Patient 0001 ) Tj T* ET Q")
            text = f"{n} 0 obj\n<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data + \
                b"\nendstream\nendobj\n"
        else:
            text = (f"{n} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [{n} 0 R "
                    f"{n + 1} 0 R] /Resources 4 0 R >>\nendobj\n").encode()
        offsets.append(at)
        out.append(text)
        at += len(text)
    xref = "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out.append(xref.encode())
    _ = b"".join(out)
    return time.perf_counter() - start


def main() -> None:
    print(f"ivig-handout: where 1,000 personalised GBS one-pagers go (warm cache), {RUNS} fresh processes each; "
          f"median (min-max)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["IVIG_HANDOUT_CACHE_DIR"] = str(work / "cache")
        os.environ["XDG_DATA_HOME"] = str(work / "data")
        os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        rows = roster_rows(1000, ["gbs"])
        cases = {"GBS 1,000 (every 10th name non-ASCII)": write_roster(work / "gbs.csv", rows),
                 "GBS 1,000 ASCII": write_roster(work / "ascii.csv", [(n.replace(NON_ASCII, "Patient X"), d)
                                                                     for n, d in rows])}
        print("\n| startup | time |\n|---|---|")
        for label, value in startup():
            print(f"| {label} | {value} |")
        for case, roster in cases.items():
            found, walls = parts(roster, work / case.split()[-1])
            print(f"\n| {case}: part of the run | time |\n|---|---|")
            print(f"| the whole command (wall, from outside) | {spread(walls)} |")
            for part, label in ROWS:
                if any(found.get(part, [])):
                    print(f"| {label} | {spread(found[part])} |")
        pieces = [plain_writer(5060, 2040) for _ in range(RUNS)]
        print("\n| leaving pikepdf | time |\n|---|---|")
        print(f"| plain Python writing 5,060 PDF objects (2,040 compressed streams: the print file has as many) "
              f"+ xref | {spread(pieces)} |")


if __name__ == "__main__":
    main()
