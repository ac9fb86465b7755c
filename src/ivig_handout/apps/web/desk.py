"""Apps stage, web: where a handout goes once it is made: the printer the server was given (a CUPS
queue, export/sinks/printer.py) and the education record (export/sinks/record.py). Each download of
a handout made for a named patient, and each print, is one row of the record; the same document made
again (a re-download, "Download again", "Print again", a roster's print run downloaded twice) is a
reprint of its first row, and "Undo" voids a row (kept, marked with who and when).

To make a row's handout again, the desk holds the request of each first handout it recorded today, in
memory only (the record never keeps what the name was unless the clinic says so), until the day ends
(local time), the server stops or HELD is reached."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from ...api import Request, Result, build, get_layout, given, page_count
from ...errors import ContentError, NotFoundError, OutputError
from ...export.sinks import Artifact
from ...export.sinks.printer import ONE_SIDED, PrinterSink, two_sided
from ...export.sinks.record import Entry, Given, chart_note, open_record
from ...export.sinks.record_held import hold

HELD = 2000  # first handouts whose request the desk holds, for "Download again" and "Print again"


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
    the chart note, the first row it is a reprint of, whether it was undone (and by whom, when), and
    whether the desk can make it again."""

    id: int
    time: str
    patient: str
    note: str
    reprint_of: int | None = None
    void: str = ""  # "by AB at 14:02" when undone
    again: bool = False


class Desk:
    """The printer (``printer``: a queue name, or None for no printing) and the record at ``record_db``
    (None: the default, in the user's data folder); the record is checked when the server starts (a
    printer's state is the page's warning: see printers.py)."""

    def __init__(self, printer: str | None, record_db: Path | str | None) -> None:
        self.printer = printer
        self.record = open_record(record_db, pool=True)  # a database: a pool of connections for the threads
        self._held: OrderedDict[int, tuple[Request, int]] = OrderedDict()
        self._day = date.today()  # the day the requests held are from
        self._lock = threading.Lock()

    def downloaded(self, result: Result, copies: int, by: str | None, request: Request | None = None) -> Entry | None:
        """Record a download made for a named patient (others are not recorded); the same document
        downloaded again is a reprint of the first."""
        if not result.personal:
            return None
        return self._add(given(result, copies=copies, by=by), request, copies)

    def print(self, result: Result, copies: int, by: str | None, request: Request | None = None,
              reprint_of: int | None = None, queue: str | None = None) -> Printed:
        """Print ``result`` (on ``queue``, default the desk's printer) and record it."""
        sink = PrinterSink(queue or self.printer, copies)
        job = sink.send(result.artifact())
        row = given(result, copies=copies, printer=sink.queue_used, job_id=job, by=by)
        what = f"{result.about.title or result.document}, {result.layout.name}, {_copies(copies)}"
        said = one_sided(sink, result.layout.name, result.pages)
        try:
            self._add(row if reprint_of is None else _reprint(row, reprint_of), request, copies)
        except OutputError:  # it was printed: say so, and keep the row for `record pending` (issue 24)
            try:
                hold([row], self.record.where)
                later = "the handout will be recorded later."
            except OutputError:  # (a full disk, say): never claim it waits
                later = "this handout could not be kept to record later either, so note it by hand."
            said += ((f"Printed on {sink.queue_used} as job {job}, but NOT recorded: the education record cannot be "
                      f"reached. Tell the person who looks after it; {later}"),)
        return Printed(sink.queue_used, job, what, said)

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

    def rows_given(self, wanted: Sequence[tuple[Request, int]], printed: Sequence[Printed] = (),
                   by: str | None = None) -> list[Entry]:
        """Record each roster row handed out (made again through the library to know what was given), in
        one transaction; a row given before (the same print run downloaded again) is a reprint."""
        jobs = {p.layout: p for p in printed}
        rows = []
        for request, copies in wanted:
            result = build(request)
            job = jobs.get(result.layout.name)
            rows.append(given(result, copies=copies, printer=job.queue if job else None,
                              job_id=job.job if job else None, by=by))
        added = self.record.add_all(rows) if rows else []
        for entry, (request, copies) in zip(added, wanted, strict=True):
            self._hold(entry, request, copies)
        return added

    def again(self, entry_id: int) -> tuple[Request, int, int]:
        """The request and copies of handout ``entry_id`` (or of the first handout it reprints), and
        that first row's id; ContentError when the desk no longer holds it."""
        entry = self._entry(entry_id)
        first = entry.reprint_of or entry.id
        with self._lock:
            self._forget_yesterday()
            held = self._held.get(first)
        if held is None or entry.void:
            why = "it was undone" if entry.void else "it was made before the page was last started"
            raise ContentError([f"Handout {entry_id}: it cannot be made again here ({why}); make it with the form"])
        return held[0], held[1], first

    def downloaded_again(self, result: Result, copies: int, first: int, by: str | None) -> Entry:
        """Record "Download again" of the handout ``first``: a reprint of it."""
        return self._add(_reprint(given(result, copies=copies, by=by), first), None, copies)

    def void(self, entry_id: int, by: str | None) -> Entry:
        """Undo handout ``entry_id``: it stays in the record, marked void by ``by``, now."""
        self._entry(entry_id)
        return self.record.void(entry_id, by)

    def _entry(self, entry_id: int) -> Entry:
        """The row ``entry_id``; ContentError in the page's words when there is none (not the file's path)."""
        try:
            return self.record.get(entry_id)
        except NotFoundError:
            raise ContentError([f"Handout {entry_id}: there is no such handout in the record"]) from None

    def today(self) -> list[Line]:
        """Today's rows, oldest first."""
        with self._lock:
            self._forget_yesterday()
            held = set(self._held)
        return [Line(e.id, e.when.astimezone().strftime("%H:%M"), e.patient or "", chart_note(e), e.reprint_of,
                     _void(e), not e.void and (e.reprint_of or e.id) in held)
                for e in self.record.entries(since=date.today())]

    def entries_today(self) -> list[Entry]:
        """Today's entries, for the exports."""
        return self.record.entries(since=date.today())

    def _add(self, row: Given, request: Request | None, copies: int) -> Entry:
        entry = self.record.add(row)
        if request is not None:
            self._hold(entry, request, copies)
        return entry

    def _hold(self, entry: Entry, request: Request, copies: int) -> None:
        """Hold the request of a first handout (a reprint's first is held already, or was made elsewhere)."""
        if entry.reprint_of is not None:
            return
        with self._lock:
            self._forget_yesterday()
            self._held[entry.id] = (request, copies)
            while len(self._held) > HELD:
                self._held.popitem(last=False)

    def _forget_yesterday(self) -> None:
        """Drop the requests (and the names in them) of an earlier day: "Today's handouts" shows today's
        rows only (call with the lock held)."""
        if date.today() != self._day:
            self._held.clear()
            self._day = date.today()


def _reprint(row: Given, first: int) -> Given:
    return replace(row, reprint_of=first)


def _void(entry: Entry) -> str:
    if entry.void_at is None:
        return ""
    who = f"by {entry.void_by} " if entry.void_by else ""
    return f"{who}at {entry.void_at.astimezone().strftime('%H:%M')}"


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
