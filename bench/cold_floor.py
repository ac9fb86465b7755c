"""Benchmark (a script, not a test): where the cold batch's CPU goes, and the floor ReportLab sets.

In one warm process (every import done, fonts registered, the content loaded, one pass over all page
designs already made so each later pass is alike), the 52 page designs of the cold batch (13 documents
on letter, a4, large-print and booklet's half-letter pages; 2up shares booklet's) are rendered and
imposed as the batch's workers do (render_pages then impose per layout), and the CPU time (process_time,
one process, no profiler) is split into:

- ReportLab's page layout and PDF writing (``BaseDocTemplate.build``: wrapping, splitting and drawing
  the flowables, then the canvas's save, which formats and compresses the PDF), counted apart for the
  attempts fitting discards and for the canvas save;
- the story (render/story.py: the plan's blocks as flowables, markup parsed into Paragraphs);
- the rest of rendering (the plan, fitting's bookkeeping), tagging (export/tagging.py: pikepdf) and
  imposition (export/impose.py: pikepdf).

Then the serial start: the CPU time of a new process that imports the CLI and the render pipeline and
loads the content, as the batch does before its workers fork (median of several).

Run with the Python that has ivig-handout installed: `python bench/cold_floor.py` (BENCH_RUNS=N passes,
median per pass reported).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DISCARDED = "discarded attempts (all parts)"
DESIGNS = ("letter", "a4", "large-print", "booklet")  # 2up draws booklet's pages
IMPOSED = {"booklet": ("booklet", "2up")}


class Clock:
    """CPU seconds spent in named parts; nested parts are counted in the innermost only."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.stack: list[str] = []
        self.mark = time.process_time()

    def _switch(self) -> None:
        now = time.process_time()
        if self.stack:
            self.spent[self.stack[-1]] = self.spent.get(self.stack[-1], 0.0) + now - self.mark
        self.mark = now

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        self._switch()
        self.stack.append(name)
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            yield
        finally:
            self._switch()
            self.stack.pop()

    def wrap(self, owner: Any, attr: str, name: str | Callable[..., str]) -> None:
        inner = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.part(name(*args, **kwargs) if callable(name) else name):
                return inner(*args, **kwargs)

        setattr(owner, attr, timed)


def instrument(clock: Clock) -> None:
    """Wrap the parts to be timed (this process only)."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate

    from ivig_handout import api
    from ivig_handout.export import tagging
    from ivig_handout.render import document, fit

    clock.wrap(api, "_render", "other render")
    clock.wrap(document, "tagged_story", "story")
    clock.wrap(BaseDocTemplate, "build", "reportlab build (layout, draw)")
    clock.wrap(Canvas, "save", "reportlab canvas save")
    clock.wrap(tagging, "tag", "tagging (pikepdf)")
    clock.wrap(api, "impose_for", "imposition (pikepdf)")
    original = fit._render

    def attempt(plan: Any, theme: Any, wanted: Any = None) -> Any:
        before = dict(clock.spent)
        with clock.part("fitting"):
            rendered = original(plan, theme, wanted)
        if not rendered.data:  # discarded: its time (every part) counted apart
            clock.calls["discarded"] = clock.calls.get("discarded", 0) + 1
            moved = sum(spent - before.get(name, 0.0) for name, spent in clock.spent.items())
            clock.spent = {name: before.get(name, 0.0) for name in clock.spent}
            clock.spent[DISCARDED] = before.get(DISCARDED, 0.0) + moved
        return rendered

    fit._render = attempt


def one_pass(clock: Clock) -> float:
    """The batch's work after its start: each page design rendered and imposed for its layouts, then
    each layout's print run of its documents (as batch/workers.py render_group and combine_run)."""
    from ivig_handout import api

    start = time.process_time()
    runs: dict[str, list[bytes]] = {}
    for doc in api.documents():
        for design in DESIGNS:
            pages = api.render_pages(api.Request(doc, design))
            for name in IMPOSED.get(design, (design,)):
                runs.setdefault(name, []).append(api.impose(replace(pages, layout=api.layouts()[name])).data)
    with clock.part("print runs (pikepdf)"):
        for name, members in runs.items():
            api.print_run([(member, 1) for member in members], api.run_title(name, len(members)))
    return time.process_time() - start


START = ("import time; import ivig_handout.apps.cli, ivig_handout.batch.runner; from ivig_handout import api; "
         "api.warm_up(api.Request()); print(time.process_time())")


def serial_start() -> float:
    """CPU seconds a new process takes (its interpreter's start counted, its exit not) to import and
    load what the batch loads before its workers fork."""
    run = subprocess.run([sys.executable, "-c", START], check=True, capture_output=True, text=True)
    return float(run.stdout.split()[-1])


def main() -> None:
    from ivig_handout import api

    api.warm_up(api.Request())
    one_pass(Clock())  # the fallback faces, lazily built tables, bytecode: as a worker has them after a while
    passes: list[dict[str, float]] = []
    totals, builds, discards = [], 0, 0
    for _ in range(RUNS):
        clock = Clock()
        instrument(clock)
        totals.append(one_pass(clock))
        passes.append(dict(clock.spent))
        builds = clock.calls.get("reportlab build (layout, draw)", 0)
        discards = clock.calls.get("discarded", 0)
        _restore()
    names = sorted({n for p in passes for n in p}, key=lambda n: -statistics.median(p.get(n, 0.0) for p in passes))
    print(f"one warm process, {len(api.documents()) * len(DESIGNS)} page designs, {builds} ReportLab builds "
          f"({discards} discarded attempts); CPU s per pass, median of {RUNS} (min-max)")
    print(f"  total                          {statistics.median(totals):.3f} ({min(totals):.3f}-{max(totals):.3f})")
    for name in names:
        values = [p.get(name, 0.0) for p in passes]
        print(f"  {name:<30} {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})")
    starts = [serial_start() for _ in range(RUNS)]
    print(f"  serial start (new process: imports, fonts, content): {statistics.median(starts):.3f} "
          f"({min(starts):.3f}-{max(starts):.3f})")


def _restore() -> None:
    """Undo instrument() by reloading nothing: the wrappers are re-wrapped per pass, so peel them off."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate

    from ivig_handout import api
    from ivig_handout.export import tagging
    from ivig_handout.render import document, fit

    for owner, attr in ((api, "_render"), (document, "tagged_story"), (BaseDocTemplate, "build"),
                        (Canvas, "save"), (tagging, "tag"), (api, "impose_for"), (fit, "_render")):
        setattr(owner, attr, ORIGINAL[owner, attr])


ORIGINAL: dict[tuple[Any, str], Any] = {}


def _remember() -> None:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate

    from ivig_handout import api
    from ivig_handout.export import tagging
    from ivig_handout.render import document, fit

    for owner, attr in ((api, "_render"), (document, "tagged_story"), (BaseDocTemplate, "build"),
                        (Canvas, "save"), (tagging, "tag"), (api, "impose_for"), (fit, "_render")):
        ORIGINAL[owner, attr] = getattr(owner, attr)


if __name__ == "__main__":
    _remember()
    main()
