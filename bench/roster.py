"""Benchmark (a script, not a test): rosters (issue 12, point 7), each figure paired in the same run
with the plain way (every patient's handout rendered in full: ``Roster(stamp=False)``,
``api.build(request, stamp=False)``).

1. a 1,000-row roster (every one-pager disorder and the full sheet in turn, every 10th name
   non-ASCII), letter, one print file: `ivig-handout batch --roster` as a subprocess (what a clinic
   runs) and load_roster + run_roster in a process (the same minus startup), and the print file's bytes;
2. the same with `--files` (1,000 row files as well);
3. warm, one personalised one-pager (what a web request costs): p50 and p95;
4. a print run of every document for one patient each, copies 1 and 16: time and bytes;
5. peak memory (the largest process: the batch or one of its workers) for 100 and 10,000 rows;
6. the render cache (the lead adds it: see render_cache()).

Stamped runs are the best of BENCH_RUNS (default 3), with the median; plain runs of 100 rows and more
run once (1,000 plain rows take about 30 s), in the middle of the stamped ones. Every output is
checked (page count, every row's name in roster order, with pdftotext) outside the timed part.
Run: `python bench/roster.py` (BENCH_FULL=1 also runs the plain 10,000-row roster, about 5 minutes).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
FULL = os.environ.get("BENCH_FULL") == "1"
DATE = "1 December 2026"
NON_ASCII = "Nguyễn Thị Minh"
LAYOUT = "letter"

# One roster run in a fresh process: stdout gets the seconds spent importing and in load_roster +
# run_roster. argv: roster file, output folder, stamp (1/0), files (1/0), copies.
DRIVER = """
import json, sys, time
t0 = time.perf_counter()
from dataclasses import replace
from pathlib import Path
from ivig_handout.personalise.disk import RenderCache  # light: keeps the import figure as before
from ivig_handout.batch.roster import load_roster, run_roster
t1 = time.perf_counter()
roster = load_roster(Path(sys.argv[1]), Path(sys.argv[2]), files=sys.argv[4] == "1", copies=int(sys.argv[5]))
stamp = sys.argv[3] == "1"  # stamped: with the render cache, as the command runs; plain: neither
outcome = run_roster(replace(roster, stamp=stamp), cache=RenderCache.default() if stamp else None)
t2 = time.perf_counter()
assert not outcome.failed and not outcome.interrupted, outcome.failed
print(json.dumps({"import": t1 - t0, "run": t2 - t1}))
"""

# Runs argv and prints the peak resident memory (KB) of its largest process: the command or any of
# its workers (RUSAGE_CHILDREN covers every descendant waited for, and only those of this process);
# then the CPU seconds (user + system) of them all.
PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(used.ru_maxrss, used.ru_utime + used.ru_stime)
"""


def command() -> list[str]:
    """The installed console script next to this Python, else the module."""
    exe = shutil.which("ivig-handout", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ivig_handout"]


def say(text: str) -> None:
    """Progress on stderr; the table goes to stdout."""
    print(text, file=sys.stderr, flush=True)


# -- the table -------------------------------------------------------------------------------------

@dataclass
class Table:
    """Rows of: what, stamped (the way main does it), plain (a full render per row), plain/stamped, target."""

    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, what: str, stamped: str, plain: str = "", ratio: str = "", target: str = "") -> None:
        self.rows.append((what, stamped, plain, ratio, target))

    def print(self) -> None:
        head = ("what", "stamped (main)", "plain (full render per row)", "plain / stamped", "target")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(len(head))]
        for n, row in enumerate([head, *self.rows]):
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
            if n == 0:
                print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def secs(times: list[float]) -> str:
    """Best of the runs, with the median (one run: the time)."""
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"{min(times):.3f} s (median {statistics.median(times):.3f}, {len(times)} runs)"


def ratio(plain: float, stamped: float) -> str:
    return f"{plain / stamped:.1f}x"


def verdict(value: float, target: float, unit: str) -> str:
    return f"under {target:g} {unit}: {'meets' if value < target else 'MISSES'}"


# -- rosters and their checks ----------------------------------------------------------------------

def roster_rows(n: int, docs: list[str]) -> list[tuple[str, str]]:
    """``n`` (name, document): "Patient 0001", every 10th "Nguyễn Thị Minh 0010"; documents in turn."""
    width = max(4, len(str(n)))
    return [(f"{NON_ASCII} {i:0{width}d}" if i % 10 == 0 else f"Patient {i:0{width}d}", docs[(i - 1) % len(docs)])
            for i in range(1, n + 1)]


def write_roster(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "disorder", "date"])
        out.writerows([name, doc, DATE] for name, doc in rows)
    return path


def text_of(pdf: Path) -> str:
    """pdftotext's text (NFC), pages separated by form feeds."""
    got = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True)
    return unicodedata.normalize("NFC", got.stdout)


def check_print_file(pdf: Path, names: list[str], pages: int) -> str:
    """Raise unless the print file has ``pages`` pages and every name, in roster order; its text."""
    text = text_of(pdf)
    got = text.count("\f")
    if got != pages:
        raise SystemExit(f"{pdf.name}: {got} pages, expected {pages}")
    at = 0
    for name in names:
        found = text.find(name, at)
        if found < 0:
            raise SystemExit(f"{pdf.name}: {name!r} missing or out of roster order")
        at = found + len(name)
    return text


def check_row_files(out: Path, rows: list[tuple[str, str]], pages: dict[str, int]) -> None:
    """Every row's file exists (named by row number, document and layout); 150 of them (every non-ASCII
    name and every 20th other) have their name and page count; no name in the manifest."""
    files = sorted(out.glob("row-*.pdf"))
    if len(files) != len(rows):
        raise SystemExit(f"{out}: {len(files)} row files, expected {len(rows)}")
    for i, (name, doc) in enumerate(rows):
        if i % 10 == 9 or i % 20 == 0:
            path = out / f"row-{i + 2:04d}-{doc}-{LAYOUT}.pdf"  # the header is row 1
            text = text_of(path)
            if name not in text or text.count("\f") != pages[doc]:
                raise SystemExit(f"{path.name}: name missing or {text.count(chr(12))} pages")
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    if "Patient" in manifest or NON_ASCII in manifest:
        raise SystemExit("a name in manifest.json")


def front_sided(pages: int) -> int:
    return pages + pages % 2


# -- running ---------------------------------------------------------------------------------------

def cli(roster: Path, out: Path, *extra: str) -> float:
    """Wall time of `ivig-handout batch --roster` into a fresh folder."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(command() + ["batch", "--roster", str(roster), "--out-dir", str(out), *extra], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def driver(roster: Path, out: Path, stamp: bool, files: bool = False, copies: int = 1) -> tuple[float, float]:
    """A fresh process running load_roster + run_roster: (wall time, time in load_roster + run_roster)."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    got = subprocess.run([sys.executable, "-c", DRIVER, str(roster), str(out), str(int(stamp)), str(int(files)),
                          str(copies)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, json.loads(got.stdout)["run"]


def peak_kb(args: list[str]) -> tuple[int, float]:
    """(peak memory of the largest process in KB, wall time) of ``args`` run in a fresh process."""
    start = time.perf_counter()
    got = subprocess.run([sys.executable, "-c", PEAK, *args], check=True, capture_output=True, text=True)
    return int(got.stdout.split()[0]), time.perf_counter() - start


def size(out: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in out.glob(pattern))


def roster_case(table: Table, work: Path, roster: Path, rows: list[tuple[str, str]], pages: dict[str, int],
                files: bool) -> None:
    """Sections 1 and 2: the CLI and the in-process run, best of RUNS, against one plain run."""
    extra = ("--files",) if files else ()
    label = f"{len(rows):,} rows" + (" + --files (1,000 row files + print file)" if files else ", 1 print file")
    names = [name for name, _ in rows]
    total = sum(front_sided(pages[doc]) for _, doc in rows)
    out, plain_out = work / "out", work / "plain"
    cli(roster, out, *extra)  # checked before timing (and the disk cache warm)
    text = check_print_file(out / f"roster-{LAYOUT}.pdf", names, total)
    if files:
        check_row_files(out, rows, pages)
    walls, runs = [], []
    plain_wall = plain_run = 0.0
    for i in range(RUNS):
        walls.append(cli(roster, out, *extra))
        runs.append(driver(roster, out, True, files)[1])
        if i == RUNS // 2:  # the plain run once, in the middle of the stamped ones
            say(f"  {label}: the plain way (once, about 30 s)")
            plain_wall, plain_run = driver(roster, plain_out, False, files)
    plain_text = check_print_file(plain_out / f"roster-{LAYOUT}.pdf", names, total)
    if files:
        check_row_files(plain_out, rows, pages)
    target = 3.0 if files else 1.0
    same = "same text as plain" if text == plain_text else "TEXT DIFFERS from plain"
    table.add(f"{label}: `ivig-handout batch --roster` (subprocess wall)", secs(walls),
              f"{plain_wall:.2f} s (a fresh process, load_roster + run_roster)", ratio(plain_wall, min(walls)),
              verdict(min(walls), target, "s"))
    table.add("  the same in one process: load_roster + run_roster (no startup)", secs(runs), f"{plain_run:.2f} s",
              ratio(plain_run, min(runs)))
    table.add("  startup: CLI wall - in-process (best of each)", f"{min(walls) - min(runs):.3f} s")
    table.add(f"  print file `roster-{LAYOUT}.pdf` ({total:,} pages; {same})",
              f"{size(out, 'roster-*.pdf'):,} bytes", f"{size(plain_out, 'roster-*.pdf'):,} bytes",
              ratio(size(plain_out, "roster-*.pdf"), size(out, "roster-*.pdf")))
    if files:
        stamped, plain = size(out, "row-*.pdf"), size(plain_out, "row-*.pdf")
        table.add(f"  the {len(rows):,} row files, all together", f"{stamped:,} bytes", f"{plain:,} bytes",
                  ratio(plain, stamped))


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95 in ms."""
    return statistics.median(times) * 1000, statistics.quantiles(times, n=100)[94] * 1000


def requests(table: Table, work: Path) -> None:
    """Section 3: one personalised one-pager in a warm process, 500 ASCII and 500 non-ASCII names
    stamped, 50 plain, interleaved in 10 rounds."""
    from ivig_handout.api import Patient, Request, build, warm_up

    def one(name: str, stamp: bool = True) -> tuple[float, bytes]:
        request = Request("gbs", LAYOUT, patient=Patient(name, DATE))
        start = time.perf_counter()
        data = build(request, stamp).data
        return time.perf_counter() - start, data

    warm_up(Request("gbs", LAYOUT))
    for name, stamp in (("Warm Up", True), (f"{NON_ASCII} Warm", True), ("Warm Plain", False)):
        _, data = one(name, stamp)  # warm-up, and each way's output checked
        (work / "one.pdf").write_bytes(data)
        text = text_of(work / "one.pdf")
        if name not in text or text.count("\f") != 1:
            raise SystemExit(f"one-pager for {name!r}: name missing or not one page")
    ascii_, other, plain = [], [], []
    for r in range(10):
        ascii_ += [one(f"Patient {r * 50 + i:04d}")[0] for i in range(50)]
        other += [one(f"{NON_ASCII} {r * 50 + i:04d}")[0] for i in range(50)]
        plain += [one(f"Plain Patient {r * 5 + i:04d}", False)[0] for i in range(5)]
    p50, p95 = percentiles(plain)
    plain_text = f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(plain)} requests)"
    for label, times in (("ASCII names", ascii_), (f"non-ASCII names ('{NON_ASCII} 0001')", other)):
        s50, s95 = percentiles(times)
        table.add(f"warm one-pager (gbs, letter) with a name, {label}: `api.build`",
                  f"p50 {s50:.2f} ms, p95 {s95:.2f} ms ({len(times)} requests)", plain_text,
                  f"{p50 / s50:.0f}x (p50)", verdict(s95, 5, "ms (p95)"))


def print_runs(table: Table, work: Path, pages: dict[str, int]) -> None:
    """Section 4: every document once, one patient each, as a roster with copies 1 and 16; in this
    process (warm), stamped and plain alternating, best of RUNS each."""
    from ivig_handout.batch.roster import load_roster, run_roster

    docs = list(pages)
    rows = [(f"Patient {i + 1:04d}", doc) for i, doc in enumerate(docs)]
    roster_file = write_roster(work / "every-doc.csv", rows)
    got: dict[tuple[bool, int], tuple[list[float], int]] = {}
    for copies in (1, 16):
        for stamp in (True, False):
            out = work / f"pr-{int(stamp)}-{copies}"
            roster = replace(load_roster(roster_file, out, copies=copies), stamp=stamp)
            run_roster(roster)  # warm-up and check
            total = copies * sum(front_sided(pages[d]) for d in docs)
            check_print_file(out / f"roster-{LAYOUT}.pdf", [n for n, _ in rows for _ in range(copies)], total)
            got[stamp, copies] = ([], size(out, "roster-*.pdf"))
    for _ in range(RUNS):
        for (stamp, copies), (times, _) in got.items():
            out = work / f"pr-{int(stamp)}-{copies}"
            shutil.rmtree(out)
            roster = replace(load_roster(roster_file, out, copies=copies), stamp=stamp)
            start = time.perf_counter()
            run_roster(roster)
            times.append(time.perf_counter() - start)
    for copies in (1, 16):
        (st, sb), (pt, pb) = got[True, copies], got[False, copies]
        table.add(f"print run, every document ({len(docs)}) for one patient each, copies {copies} (in-process)",
                  f"{min(st):.3f} s, {sb:,} bytes", f"{min(pt):.3f} s, {pb:,} bytes", ratio(min(pt), min(st)))
    s16, p16 = (got[s, 16][1] / got[s, 1][1] for s in (True, False))
    table.add("  bytes of 16 copies / bytes of 1", f"{s16:.2f}x", f"{p16:.2f}x", "",
              f"within 1.2x: {'meets' if s16 <= 1.2 else 'MISSES'}")


def memory(table: Table, work: Path, pages: dict[str, int]) -> None:
    """Section 5: peak memory of the largest process, 100 and 10,000 rows, in fresh processes."""
    docs = list(pages)
    for n in (100, 10_000):
        rows = roster_rows(n, docs)
        roster = write_roster(work / f"mem-{n}.csv", rows)
        out = work / f"mem-{n}"
        shutil.rmtree(out, ignore_errors=True)
        say(f"  peak memory, {n:,} rows")
        kb, wall = peak_kb(command() + ["batch", "--roster", str(roster), "--out-dir", str(out)])
        check_print_file(out / f"roster-{LAYOUT}.pdf", [name for name, _ in rows],
                         sum(front_sided(pages[doc]) for _, doc in rows))
        stamped = f"{kb / 1024:.0f} MB (`batch --roster`, {wall:.2f} s)"
        if n <= 1000 or FULL:
            args = [sys.executable, "-c", DRIVER, str(roster), str(work / f"mem-{n}-plain"), "0", "0", "1"]
            same = [sys.executable, "-c", DRIVER, str(roster), str(work / f"mem-{n}-same"), "1", "0", "1"]
            skb, swall = peak_kb(same)
            pkb, pwall = peak_kb(args)
            table.add(f"peak memory, {n:,} rows, 1 print file (largest process)", stamped,
                      f"{pkb / 1024:.0f} MB (load_roster + run_roster, {pwall:.2f} s)",
                      f"{pkb / skb:.2f}x against {skb / 1024:.0f} MB stamped the same way ({swall:.2f} s)")
        else:
            table.add(f"peak memory, {n:,} rows, 1 print file (largest process)", stamped,
                      "not run: about 5 minutes (BENCH_FULL=1 runs it)")


def render_cache(table: Table, work: Path) -> None:
    """Section 6: the default batch (`make handouts`: every document in letter, a4, large-print,
    booklet and 2up) into a fresh folder with a warm render cache, and with --no-cache, alternating."""
    args = ["batch", "--all", "--layouts", "letter,a4,large-print,booklet,2up"]

    def once(extra: tuple[str, ...]) -> float:
        out = work / "default"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(command() + [*args, "--out-dir", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    once(())  # the cache warm, and the output checked
    made = sorted(p.name for p in (work / "default").glob("*.pdf"))
    assert len(made) == 70, len(made)
    warm, cold = [], []
    for _ in range(RUNS):
        warm.append(once(()))
        cold.append(once(("--no-cache",)))
    table.add("default batch (70 files) into a fresh folder: warm render cache (stamped column) / --no-cache "
              "(plain column)", secs(warm), secs(cold), ratio(min(cold), min(warm)))


# -- issue 25: the mixed 10,000-row roster and the 1,000 one-pagers, before and now in one run -----------

MIXED_DOCS = ("gbs", "full", "mg", "cidp")
MIXED_LAYOUTS = ("letter", "a4", "large-print", "booklet")


def mixed_rows(n: int) -> list[tuple[str, str, str]]:
    """``n`` (name, document, layout): four documents and four layouts in turn, every 10th name non-ASCII."""
    return [(f"{NON_ASCII} {i:05d}" if i % 10 == 0 else f"Patient {i:05d}", MIXED_DOCS[i % 4],
             MIXED_LAYOUTS[(i // 4) % 4]) for i in range(1, n + 1)]


def write_mixed(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "disorder", "date", "layout"])
        out.writerows([name, doc, DATE, layout] for name, doc, layout in rows)
    return path


def programs() -> dict[str, dict[str, str]]:
    """The programs paired in one run: ``now`` (this checkout) and, with BENCH_BEFORE=DIR (a checkout of
    main before the change), ``before``: each an environment for `python -m ivig_handout`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as an installed program
    env["PYTHONPYCACHEPREFIX"] = str(Path(os.environ["IVIG_HANDOUT_CACHE_DIR"]).parent / "pycache")  # runs:
    found = {"now": env}  # its bytecode compiled once, by the first run (pip compiles it at install)
    before = os.environ.get("BENCH_BEFORE")
    if before:
        found["before"] = {**env, "PYTHONPATH": str(Path(before) / "src")}
    return found


def peak_run(env: dict[str, str], roster: Path, out: Path, *extra: str) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KB of the largest process, CPU seconds: user + system of every process)
    of `batch --roster` in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "ivig_handout", "batch", "--roster", str(roster), "--out-dir", str(out), *extra]
    start = time.perf_counter()
    got = subprocess.run([sys.executable, "-c", PEAK, *args], check=True, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    kb, cpu = got.stdout.split()
    return wall, int(kb), float(cpu)


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    """Median (min-max) of ``values``."""
    return (f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f}, "
            f"{len(values)} runs)")


def issue25(table: Table, work: Path) -> None:
    """Issue 25's roster figures, each program's runs alternating (BENCH_RUNS each): a mixed roster of 1,000
    and of 10,000 rows (four documents x four layouts; wall time and peak RSS of `batch --roster`), and
    1,000 personalised GBS one-pagers as one print file. Paired with the plain way (a full render per
    row, in a fresh process) for the 1,000 rows; the plain 10,000 rows only with BENCH_FULL=1."""
    cases = {"mixed 1,000": (write_mixed(work / "mixed-1000.csv", mixed_rows(1000)), ()),
             "mixed 10,000": (write_mixed(work / "mixed-10000.csv", mixed_rows(10_000)), ()),
             "GBS 1,000": (write_roster(work / "gbs-1000.csv", roster_rows(1000, ["gbs"])), ()),
             "GBS 1,000 ASCII": (write_roster(work / "gbs-1000-ascii.csv", [(name.replace(NON_ASCII, "Patient X"), doc)
                                  for name, doc in roster_rows(1000, ["gbs"])]), ())}
    chosen = os.environ.get("BENCH_CASES")  # e.g. "GBS 1,000;GBS 1,000 ASCII": only those (default: all)
    if chosen:
        cases = {case: cases[case] for case in chosen.split(";")}
    got: dict[tuple[str, str], list[tuple[float, int, float]]] = {}
    for name, env in programs().items():  # warm each program's render cache, and check its output
        for case, (roster, extra) in cases.items():
            say(f"  {name}: {case} (warm-up)")
            peak_run(env, roster, work / "i25", *extra)
            check_mixed(work / "i25", roster)
    for i in range(RUNS):
        for case, (roster, extra) in cases.items():
            for name, env in programs().items():
                say(f"  run {i + 1}/{RUNS}: {name}, {case}")
                got.setdefault((name, case), []).append(peak_run(env, roster, work / "i25", *extra))
    plain = {case: driver(roster, work / "plain", False)[0] for case, (roster, _) in cases.items()
             if (FULL or case != "mixed 10,000") and os.environ.get("BENCH_PLAIN") != "0"}  # (0: before/now only)
    for case in cases:
        for name in programs():
            runs = got[name, case]
            table.add(f"{case} rows, `batch --roster`: {name}", spread([t for t, _, _ in runs], "s"),
                      f"{plain[case]:.1f} s" if case in plain and name == "now" else "",
                      f"{plain[case] / statistics.median([t for t, _, _ in runs]):.1f}x"
                      if case in plain and name == "now" else "",
                      f"peak RSS {spread([kb / 1024 for _, kb, _ in runs], 'MB', 0)}; "
                      f"CPU {spread([cpu for _, _, cpu in runs], 's')}")
    for name in programs() if {"mixed 1,000", "mixed 10,000"} <= cases.keys() else ():
        small, big = (statistics.median(t for t, _, _ in got[name, c]) for c in ("mixed 1,000", "mixed 10,000"))
        table.add(f"10,000 / 1,000 mixed rows, time: {name}", f"{big / small:.1f}x", "", "",
                  f"within 11x: {'meets' if big / small <= 11 else 'MISSES'}")


def check_mixed(out: Path, roster: Path) -> None:
    """Every print run's pages hold its rows' names in roster order (pdftotext), 0600."""
    with open(roster, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for layout in dict.fromkeys(row.get("layout") or LAYOUT for row in rows):
        path = out / f"roster-{layout}.pdf"
        if path.stat().st_mode & 0o077:
            raise SystemExit(f"{path.name} is readable by others")
        names = [row["name"] for row in rows if (row.get("layout") or LAYOUT) == layout]
        text, at = text_of(path), 0
        for name in names:
            found = text.find(name, at)
            if found < 0:
                raise SystemExit(f"{path.name}: {name!r} missing or out of roster order")
            at = found + len(name)


def main() -> None:
    from ivig_handout.api import Request, build, documents

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    stamp_time = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"ivig-handout roster benchmark, {stamp_time}: Python {platform.python_version()}, {cpus} cores "
          f"(shared), {' '.join(command())}; stamped best of {RUNS} (median), plain runs of 100+ rows once")
    docs = documents(None, "one-pager") + ["full"]
    pages = {doc: build(Request(doc, LAYOUT)).pages for doc in docs}
    table = Table()
    sections: list[tuple[str, Callable[[Table, Path], None]]] = [
        ("1,000 rows, one print file", lambda t, w: roster_case(t, w, roster, rows, pages, files=False)),
        ("1,000 rows with --files", lambda t, w: roster_case(t, w, roster, rows, pages, files=True)),
        ("warm one-pager requests", requests),
        ("print runs, copies 1 and 16", lambda t, w: print_runs(t, w, pages)),
        ("peak memory", lambda t, w: memory(t, w, pages)),
        ("render cache", render_cache),
    ]
    only = os.environ.get("BENCH_ONLY")  # issue25: only that section
    if only == "issue25":
        sections = [("issue 25: mixed rosters and 1,000 one-pagers, before and now", issue25)]
    else:
        sections.append(("issue 25: mixed rosters and 1,000 one-pagers, before and now", issue25))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IVIG_HANDOUT_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's own cache,
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")  # nor education record (rosters are recorded)
        work = Path(tmp)
        rows = roster_rows(1000, docs)
        roster = write_roster(work / "roster.csv", rows)
        for title, run in sections:
            say(f"{title} ...")
            run(table, work)
    table.print()


if __name__ == "__main__":
    main()
