"""Benchmark (a script, not a test): reading hostile XLSX rosters (issue 19, defects 1 and 2), beside
plain ones. Each file is read by ``inputs.roster.read_roster`` in a fresh process; the table gives the
seconds the read took, the process's peak memory (VmHWM, which includes Python and the imports:
the first line, a process that only imports, shows that base) and how the read ended.

Files (built at run time with tests/inputs/xlsxfiles.py and openpyxl, in a temporary folder):
  plain-20        a 20-row roster as Excel saves one (shared strings, a date cell per row), by openpyxl
  plain-10000     10,000 rows (the most patients a roster may have), inline strings
  dimension       the issue's file: <dimension ref="A1:XFD1048576"/>, a header, one patient, one cell at XFD1048576
  zip-bomb        one 400 MB inline string (about 400 KB packed)
  lying-bomb      the same 400 MB, its directory entry saying 4 MB
  empty-cells     as many empty styled cells as 8 MB of sheet XML holds (the element budget's worst case)
  long-attribute  one 8.3 MB attribute (a single tag as long as a sheet may be; refused at 256 KB)
  many-strings    the most shared strings a workbook may hold (100,000 of 65 characters: 8 MB)
  many-parts      5,000 parts whose directory is 1 MB of extra fields (zipfile's own parse is the cost)
  many-attributes 32 rows of 25,000 attributes each (expat builds each tag whole, with all its attributes)
  many-namespaces 32 rows declaring 14,000 XML namespaces each
  deep            elements nested a million deep (expat keeps every open element)
  long-comment    an 8 MB comment full of '<' (held whole by expat, never by Python)

Run: ``python bench/xlsx.py``; ``BENCH_SRC=/path/to/old/src`` reads with another checkout's code (the
"before" figures); ``BENCH_TIMEOUT`` (seconds, default 120) stops a read that runs on.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.inputs.xlsxfiles import HEADER, bomb, inline, row, sheet, workbook  # noqa: E402

SRC = os.environ.get("BENCH_SRC", str(ROOT / "src"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "120"))

DRIVER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from ivig_handout.batch.roster import document_finder, layout_finder
from ivig_handout.errors import IvigError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.roster import read_roster
find, lay = document_finder(load_handout(None)), layout_finder(False)
def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
if sys.argv[2] == "-":
    print(json.dumps({"seconds": 0, "result": "imports only", "peak": peak()}))
    raise SystemExit
start = time.perf_counter()
try:
    rows = read_roster(sys.argv[2], find, lay, "gbs", label="roster.xlsx")
    result = f"{len(rows)} rows"
except IvigError as exc:
    result = "error: " + str(exc).splitlines()[0]
except Exception as exc:
    result = f"unexpected {type(exc).__name__}: " + (str(exc).splitlines() or [""])[0]
print(json.dumps({"seconds": time.perf_counter() - start, "result": result, "peak": peak()}))
"""


def high_water(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, kB; since its exec, unlike ru_maxrss of a
    forked child, which starts from the parent's); 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def plain(rows: int) -> bytes:
    from datetime import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet_ = book.active
    sheet_.append(["Name", "Disorder", "Date", "Copies"])
    for n in range(rows):
        sheet_.append([f"Patient {n:05d} Nguyễn", ("gbs", "mg", "cidp")[n % 3], datetime(2026, 12, 1), 1 + n % 2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_inline(rows: int) -> bytes:
    body = HEADER + "".join(row(n, inline(f"A{n}", f"Patient {n:05d}"), inline(f"B{n}", "mg"))
                            for n in range(2, rows + 2))
    return workbook(sheet(body))


def dimension() -> bytes:
    return workbook(sheet(HEADER + row(2, inline("A2", "Ann Lee"), inline("B2", "gbs"))
                          + row(1048576, '<c r="XFD1048576"><v>1</v></c>'), head='<dimension ref="A1:XFD1048576"/>'))


def lying_bomb() -> bytes:
    data = bomb(400_000_000)
    end = data.rindex(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(count):
        name, extra, comment = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46:at + 46 + name] == b"xl/worksheets/sheet1.xml":
            return data[:at + 24] + struct.pack("<L", 4_000_000) + data[at + 28:]
        at += 46 + name + extra + comment
    raise AssertionError("no sheet")


def empty_cells() -> bytes:
    cells, size, n = [], 0, 0
    while size < 8_000_000:
        n += 1
        piece = f'<row r="{n + 2}"><c r="C{n + 2}" s="1"/></row>'
        cells.append(piece)
        size += len(piece)
    return workbook(sheet(HEADER + "".join(cells)))


def long_attribute() -> bytes:
    return workbook(sheet(HEADER + f'<row r="2" x="{"A" * 8_300_000}"/>'))


def many_strings() -> bytes:
    strings = [f"{n:06d}" + "x" * 59 for n in range(100_000)]
    return workbook(sheet(HEADER + row(2, '<c r="A2" t="s"><v>99999</v></c>', inline("B2", "gbs"))), strings=strings)


def many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook(sheet(HEADER)))) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for n in range(13):
            info = zipfile.ZipInfo(f"x{n}")
            info.extra = struct.pack("<HH", 0x9999, 0) * 16_383  # 64 KB of 4-byte extra fields
            archive.writestr(info, b"")
    return out.getvalue()


def rows_with(attributes: str) -> bytes:
    return workbook(sheet(HEADER + "".join(f'<row r="{n}"{attributes}/>' for n in range(2, 34))))


FILES: dict[str, Callable[[], bytes]] = {
    "plain-20": lambda: plain(20), "plain-10000": lambda: plain_inline(10_000), "dimension": dimension,
    "zip-bomb": lambda: bomb(400_000_000), "lying-bomb": lying_bomb, "empty-cells": empty_cells,
    "long-attribute": long_attribute, "many-strings": many_strings, "many-parts": many_parts,
    "many-attributes": lambda: rows_with("".join(f' a{n}=""' for n in range(25_000))),
    "many-namespaces": lambda: rows_with("".join(f' xmlns:a{n}="u"' for n in range(14_000))),
    "deep": lambda: workbook(sheet(HEADER + "<x>" * 1_000_000 + "</x>" * 1_000_000)),
    "long-comment": lambda: workbook(sheet(HEADER + "<!--" + "<a " * 2_700_000 + "-->"))}


def measure(path: str) -> tuple[str, str, str]:
    """(seconds, peak MB, result) of one read in a fresh process."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", DRIVER, SRC, path], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    peak = 0
    while child.poll() is None:
        peak = max(peak, high_water(child.pid))
        if time.monotonic() - started > TIMEOUT:
            child.kill()
            child.wait()
            break
        time.sleep(0.02)
    out = child.stdout.read() if child.stdout else ""
    if out:
        peak = max(peak, json.loads(out)["peak"])
    if not out:
        return f"> {TIMEOUT:.0f} (stopped)", f"> {peak / 1024:.0f}", "still running: killed"
    found = json.loads(out)
    return f"{found['seconds']:.3f}", f"{peak / 1024:.0f}", found["result"]


def main() -> None:
    print(f"reading with {SRC}")
    print(f"{'file':15} {'bytes':>11} {'seconds':>16} {'peak MB':>8}  result")
    with tempfile.TemporaryDirectory() as folder:
        seconds, peak, result = measure("-")
        print(f"{'(imports only)':15} {'':>11} {'':>16} {peak:>8}  {result}")
        for name, make in FILES.items():
            path = Path(folder) / f"{name}.xlsx"
            path.write_bytes(make())
            seconds, peak, result = measure(str(path))
            print(f"{name:15} {path.stat().st_size:>11,} {seconds:>16} {peak:>8}  {result[:110]}", flush=True)


if __name__ == "__main__":
    main()
