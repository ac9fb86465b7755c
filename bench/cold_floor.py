"""Benchmark (a script, not a test): where the cold batch's CPU goes, and the floor ReportLab sets.

In one warm process (every import done, fonts registered, the content loaded, one pass over all page
designs already made, so each later pass is alike), the work of the cold batch after its start: the 52
page designs (13 documents on letter, a4, large-print and booklet's half-letter pages; 2up shares
booklet's) rendered and imposed as the batch's workers do (render_pages, then impose per layout), and
each layout's print run of them. Its CPU time (process_time, one process, no profiler) is split into:

- ReportLab's build of each kept rendering (``BaseDocTemplate.build``: wrapping, splitting and drawing
  the flowables, the project's own flowables and marks among them), and its canvas save (formatting
  and compressing the PDF);
- the attempts fitting lays out and then discards (one-pagers tried at the full 12 pt first), all parts;
- the story (render/story.py: the plan's blocks as flowables, the markup parsed into Paragraphs), the
  rest of rendering (the plan, fitting's bookkeeping);
- pikepdf: tagging (export/tagging.py: about a third of it the project's code making the structure
  tree's objects, the rest pikepdf opening and saving), imposition and print runs (export/impose.py).

Then the serial start: the CPU time of a new process that imports the CLI and the render pipeline and
loads the content, as the batch does before its workers fork (its interpreter's start counted).

Run with the Python that has ivig-handout installed: `python bench/cold_floor.py` (BENCH_RUNS=N passes,
the median per pass reported; PYTHONPATH=DIR/src measures another checkout).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DESIGNS = ("letter", "a4", "large-print", "booklet")  # 2up draws booklet's pages
IMPOSED = {"booklet": ("booklet", "2up")}
BUILD, SAVE, DISCARDED = "ReportLab build", "ReportLab canvas save", "discarded attempts"
STORY, FITTING, OTHER = "story", "fitting", "other rendering"
TAGGING, IMPOSITION, RUNS_PART = "tagging (pikepdf)", "imposition (pikepdf)", "print runs (pikepdf)"
GROUPS = {"ReportLab, the kept renderings (build and save)": (BUILD, SAVE),
          "discarded fitting attempts (all parts)": (DISCARDED,),
          "pikepdf (tagging, imposition, print runs)": (TAGGING, IMPOSITION, RUNS_PART),
          "the project's Python around them (story, fitting, rest)": (STORY, FITTING, OTHER)}


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


def _targets() -> list[tuple[Any, str, str]]:
    """(owner, attribute, part) for each function timed."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate

    from ivig_handout import api
    from ivig_handout.export import tagging
    from ivig_handout.render import document

    return [(api, "_render", OTHER), (document, "tagged_story", STORY), (BaseDocTemplate, "build", BUILD),
            (Canvas, "save", SAVE), (tagging, "tag", TAGGING), (api, "impose_for", IMPOSITION)]


@contextmanager
def instrumented(clock: Clock) -> Iterator[None]:
    """The timed functions wrapped (this process only) while inside; fitting's discarded attempts
    counted apart."""
    from ivig_handout.render import fit

    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in _targets()]
    attempt_of = fit._render
    for owner, attr, name in _targets():
        setattr(owner, attr, _timed(clock, getattr(owner, attr), name))

    def attempt(*args: Any, **kwargs: Any) -> Any:
        before = dict(clock.spent)
        with clock.part(FITTING):
            rendered = attempt_of(*args, **kwargs)
        if not rendered.data:  # discarded: its time (every part) counted apart
            clock.calls["discarded"] = clock.calls.get("discarded", 0) + 1
            moved = sum(spent - before.get(name, 0.0) for name, spent in clock.spent.items())
            clock.spent = {name: before.get(name, 0.0) for name in clock.spent}
            clock.spent[DISCARDED] = before.get(DISCARDED, 0.0) + moved
        return rendered

    fit._render = attempt
    try:
        yield
    finally:
        fit._render = attempt_of
        for owner, attr, original in originals:
            setattr(owner, attr, original)


def _timed(clock: Clock, inner: Any, name: str) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        with clock.part(name):
            return inner(*args, **kwargs)

    return timed


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
    with clock.part(RUNS_PART):
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


def _line(name: str, values: list[float], width: int = 56) -> str:
    return f"  {name:<{width}} {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    from ivig_handout import api

    api.warm_up(api.Request())
    one_pass(Clock())  # the fallback faces, lazily built tables, what each process keeps: as a worker has them
    passes: list[dict[str, float]] = []
    totals: list[float] = []
    calls: dict[str, int] = {}
    for _ in range(RUNS):
        clock = Clock()
        with instrumented(clock):
            totals.append(one_pass(clock))
        passes.append(dict(clock.spent))
        calls = clock.calls
    print(f"one warm process, {len(api.documents()) * len(DESIGNS)} page designs, {calls.get(BUILD, 0)} ReportLab "
          f"builds ({calls.get('discarded', 0)} discarded attempts); CPU s per pass, median of {RUNS} (min-max)")
    print(_line("total", totals))
    for group, parts in GROUPS.items():
        print(_line(group, [sum(p.get(n, 0.0) for n in parts) for p in passes]))
        for name in parts if len(parts) > 1 else ():
            print(_line(f"  {name}", [p.get(name, 0.0) for p in passes]))
    starts = [serial_start() for _ in range(RUNS)]
    print(_line("serial start (new process: imports, fonts, content)", starts))


if __name__ == "__main__":
    main()
