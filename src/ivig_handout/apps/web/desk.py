"""Apps stage, web: where a handout goes once it is made: the printer the server was given (a CUPS
queue, export/sinks/printer.py) and the education record (export/sinks/record.py). Each download of
a handout made for a named patient, and each print, is one row of the record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...api import Request, Result, build, given
from ...design.layouts import get_layout
from ...export.pdfinfo import page_count
from ...export.sinks import Artifact
from ...export.sinks.printer import ONE_SIDED, PrinterSink, two_sided
from ...export.sinks.record import Entry, Record, chart_note


@dataclass(frozen=True)
class Printed:
    """One job sent: the queue, the CUPS job id, what it was, and what to tell the person at the printer."""

    queue: str
    job: str
    what: str
    warnings: tuple[str, ...] = ()
    layout: str = ""


@dataclass(frozen=True)
class Line:
    """A row of "Today's handouts": when (local time), the patient (only when the record keeps names),
    and the chart note."""

    id: int
    time: str
    patient: str
    note: str


class Desk:
    """The printer (``printer``: a queue name, or None for no printing) and the record at ``record_db``
    (None: the default, in the user's data folder); the record is checked when the server starts (a
    printer's state is the page's warning: see printers.py)."""

    def __init__(self, printer: str | None, record_db: Path | None) -> None:
        self.printer = printer
        self.record = Record(record_db)

    def downloaded(self, result: Result, copies: int, by: str | None) -> Entry | None:
        """Record a download made for a named patient (others are not recorded)."""
        if not result.personal:
            return None
        return self.record.add(given(result, copies=copies, by=by))

    def print(self, result: Result, copies: int, by: str | None, queue: str | None = None) -> Printed:
        """Print ``result`` (on ``queue``, default the desk's printer) and record it."""
        sink = PrinterSink(queue or self.printer, copies)
        job = sink.send(result.artifact())
        self.record.add(given(result, copies=copies, printer=sink.queue_used, job_id=job, by=by))
        what = f"{result.about.title or result.document}, {result.layout.name}, {_copies(copies)}"
        return Printed(sink.queue_used, job, what, one_sided(sink, result.layout.name, result.pages))

    def print_runs(self, runs: dict[str, bytes], queue: str | None = None) -> list[Printed]:
        """Send each layout's print run of a roster as one job on ``queue`` (default: the desk's printer);
        its rows are recorded by the caller."""
        sink, done = PrinterSink(queue or self.printer), []
        for layout, data in runs.items():
            pages = page_count(data)
            file = f"roster-{layout}.pdf"
            job = sink.send(Artifact(data, "print-run", "print-run", layout, pages, file, True))
            said = one_sided(sink, layout, pages)
            done.append(Printed(sink.queue_used, job, f"The {layout} print run ({pages} pages)", said, layout))
        return done

    def rows_given(self, wanted: Sequence[tuple[Request, int]], printed: Sequence[Printed] = ()) -> None:
        """Record each roster row handed out (made again through the library to know what was given)."""
        jobs = {p.layout: p for p in printed}
        for request, copies in wanted:
            result = build(request)
            job = jobs.get(result.layout.name)
            self.record.add(given(result, copies=copies, printer=job.queue if job else None,
                                  job_id=job.job if job else None))

    def today(self) -> list[Line]:
        """Today's rows, oldest first."""
        return [Line(e.id, e.when.astimezone().strftime("%H:%M"), e.patient or "", chart_note(e))
                for e in self.record.entries(since=date.today())]

    def entries_today(self) -> list[Entry]:
        """Today's entries, for the exports."""
        return self.record.entries(since=date.today())


def one_sided(sink: PrinterSink, layout: str, pages: int) -> tuple[str, ...]:
    """A two-sided job the printer printed on one side (it cannot print on both): what to tell the desk
    (the command line's words name a command)."""
    if sink.options.get("sides") != ONE_SIDED or not two_sided(get_layout(layout), pages):
        return ()
    said = (f"The printer {sink.queue_used} prints on one side only, so the {pages} pages came out on {pages} "
            "sheets. For two-sided copies, print on a printer that prints on both sides.")
    return (said,)


def _copies(n: int) -> str:
    return f"{n} {'copy' if n == 1 else 'copies'}"
