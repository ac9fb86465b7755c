"""Benchmark (a script, not a test): print runs with copies 1 and 16, shared objects against the plain append.

For the full sheet and a one-pager (gbs) in letter, and for the batch's letter print run (every
default document), the time and the bytes of a print run of 1 and of 16 copies of each member:
`combine` (export/impose.py: each distinct input copied once, further copies pointing at the same
content, resources and font files) and, paired in the same run and alternating, the plain append
this replaced (every copy opened and appended again with all its fonts: `plain_append` below).
Times are the best of several runs (the fairest figure on a shared machine, as in bench.py), in ms.
Run: `python bench/print_run.py` (BENCH_RUNS=N for more runs).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from io import BytesIO

import pikepdf
from pikepdf import Array, Matrix, Name

from ivig_handout.api import Request, build, documents
from ivig_handout.export import impose
from ivig_handout.export.impose import combine

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TARGET = 1.2  # issue 12: 16 copies within 1.2x the bytes of 1


def plain_append(pdfs: list[bytes], pad_to_even: bool = True) -> tuple[bytes, list[int]]:
    """The print run as combine() made it before shared objects: every document opened and its pages
    appended, so each copy embeds its fonts and content again (same padding, info and bookmarks)."""
    out = pikepdf.new()
    sources: list[pikepdf.Pdf] = []
    starts: list[int] = []
    marks = []
    copies, seen = Counter(pdfs), Counter[bytes]()
    try:
        for data in pdfs:
            src = pikepdf.open(BytesIO(data))
            sources.append(src)
            if len(sources) == 1:
                impose._copy_document_info(src, out)
            starts.append(len(out.pages))
            seen[data] += 1
            info = src.trailer.get(Name.Info)
            title = (str(info.get(Name.Title, "")) if info is not None else "") or f"Document {len(sources)}"
            if copies[data] > 1:
                title += f" (copy {seen[data]} of {copies[data]})"
            start = starts[-1]

            def shift(m: impose._Mark, start: int = start) -> impose._Mark:
                page = None if m.page is None else m.page + start
                return impose._Mark(m.title, page, m.view, m.closed, tuple(shift(c) for c in m.children))

            marks.append(impose._Mark(title, start, None, True, tuple(shift(m) for m in impose._read_outline(src))))
            out.pages.extend(src.pages)
            if pad_to_even and len(src.pages) % 2:
                last = out.pages[-1]
                blank = out.add_blank_page()
                blank.obj.MediaBox = Array([float(v) for v in last.mediabox])
                if Name.Rotate in last.obj:
                    blank.obj.Rotate = last.obj.Rotate
        impose._write_outline(out, marks, lambda page: (page, Matrix()))
        return impose._save(out), starts
    finally:
        for src in sources:
            src.close()


Combine = Callable[[list[bytes]], tuple[bytes, list[int]]]


def measure(members: list[bytes], copies: int) -> dict[str, tuple[float, int]]:
    """Best time (ms) and bytes of each way for a run of every member ``copies`` times."""
    docs = [m for m in members for _ in range(copies)]
    ways: dict[str, Combine] = {"plain": plain_append, "shared": combine}
    times: dict[str, list[float]] = {name: [] for name in ways}
    sizes: dict[str, int] = {}
    for _ in range(RUNS):
        for name, way in ways.items():  # alternating: both see the machine in the same state
            start = time.perf_counter()
            data, _starts = way(docs)
            times[name].append(time.perf_counter() - start)
            sizes[name] = len(data)
    return {name: (min(times[name]) * 1000, sizes[name]) for name in ways}


def main() -> None:
    cases = [("full sheet, letter", ["full"]), ("one-pager (gbs), letter", ["gbs"]),
             ("letter print run, every document", documents())]
    print(f"print runs, copies 1 and 16 (best of {RUNS} runs): plain append -> shared objects")
    print(f"{'run':<38}{'copies':>7}{'plain ms':>10}{'shared ms':>11}{'plain bytes':>13}{'shared bytes':>14}")
    for label, docs in cases:
        members = [build(Request(document=d, layout="letter")).data for d in docs]
        results = {copies: measure(members, copies) for copies in (1, 16)}
        for copies, got in results.items():
            (pt, pb), (st, sb) = got["plain"], got["shared"]
            print(f"{label:<38}{copies:>7}{pt:>10.1f}{st:>11.1f}{pb:>13,}{sb:>14,}")
        plain, shared = (results[16][w][1] / results[1][w][1] for w in ("plain", "shared"))
        verdict = "meets" if shared <= TARGET else "MISSES"
        print(f"{'':<38}{'16/1':>7}{'':>21}{plain:>12.2f}x{shared:>13.2f}x  ({verdict} the {TARGET}x target)")


if __name__ == "__main__":
    main()
