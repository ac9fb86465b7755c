"""Apps stage, web: a roster uploaded to the page, checked and made into print runs in memory through
the library (api.roster, api.print_runs): the good rows go ahead, and the bad rows are listed with their
line numbers in words for the desk. Nothing is written to disk; the problems come back as values
(errors.Problem), so no message is ever read back for its line number."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...api import LIMITS, PrintRuns, Request, RosterFile, RosterRows
from ...api import print_runs as make_runs
from ...api import roster as check_roster
from ...errors import ContentError, Problem
from .search import search

MAX_ROWS = 300  # patients in one upload; a bigger day is a batch (the command line)
_XLSX = b"PK\x03\x04"


@dataclass(frozen=True)
class Upload:
    """A roster as uploaded, with the options it is printed with and who hands it out (staff initials,
    for the record)."""

    data: bytes
    layout: str
    mono: bool
    content: Path | None
    clinic: Path | None
    by: str | None = None
    allow_draft: bool = False  # rows may name a draft translation (the page was started with --allow-draft)

    @property
    def file_name(self) -> str:
        return "roster.xlsx" if self.data.startswith(_XLSX) else "roster.csv"

    def source(self) -> RosterFile:
        return RosterFile(self.data, self.file_name, self.layout, 1, self.mono, self.content, self.clinic,
                          allow_draft=self.allow_draft)


def check(upload: Upload) -> RosterRows:
    """The good rows and the problems of the others; ContentError (in the desk's words) when the
    roster is over the page's size."""
    checked = check_roster(upload.source())
    rows = len(checked.rows) + len({p.line for p in checked.problems if p.line is not None})
    if rows > MAX_ROWS:
        raise ContentError([(f"This roster has {rows} patients; the page takes at most {MAX_ROWS} at a time. Split "
                            "it into smaller files and check each one.")])
    return checked


def print_runs(upload: Upload) -> PrintRuns:
    """Each layout's print run of the good rows, in memory, with the rows each holds."""
    return make_runs(upload.source(), check(upload))


def in_run(made: PrintRuns, layout: str | None = None) -> list[tuple[Request, int]]:
    """The requests and copies of the rows the print run of ``layout`` holds (None: of every run)."""
    return [(request, copies) for lay, rows in made.rows.items() if layout in (None, lay)
            for _row, request, copies in rows]


def said(problem: Problem, content: Path | None, layouts: list[str]) -> str:
    """A roster problem in the desk's words: ``Line 4: 'zzz' is not a handout we have. Did you mean
    'Myasthenia gravis (MG)'?`` (no options, no file names). Worded from the problem's field and cell."""
    at = f"Line {problem.line}: " if problem.line is not None else ""
    value = " ".join(problem.value.split())
    if problem.field == "disorder":
        return at + (_handout(value, content) if value else
                     "the disorder is empty. Write the disorder, for example “CIDP”.")
    if problem.field == "layout":
        return f"{at}“{value}” is not a layout we have. The layouts are {', '.join(layouts)}."
    if problem.field == "copies":
        return f"{at}the number of copies, “{value}”, is not a whole number from 1 to 1000."
    if problem.field in ("name", "date"):
        return at + _value(problem.field, value)
    if problem.text.startswith(("is ", "has ", "holds ", "cannot ")):  # about the file, not one row
        where = f" at line {problem.line}" if problem.line is not None else ""
        return f"The file{where} {problem.text}."
    if problem.line is None and not problem.text.startswith("and "):
        return f"The file cannot be read as a roster: {problem.text}."
    return f"{at}{problem.text[:1].upper()}{problem.text[1:]}."


def _handout(value: str, content: Path | None) -> str:
    found = search(content, value)
    head = f"“{value}” is not a handout we have."
    if len(found.results) > 1:
        names = " or ".join(f"“{c.label}”" for c in found.results[:3])
        return f"“{value}” could be more than one handout: {names}. Write which one."
    close = found.results[0] if found.results else found.suggestion
    return f"{head} Did you mean “{close.label}”?" if close else f"{head} Write the disorder, for example “CIDP”."


def _value(field: str, value: str) -> str:
    what = "the patient’s name" if field == "name" else "the date"
    if not value:
        return "the patient’s name is empty. Every row needs the patient’s name."
    limit = LIMITS["patient_name" if field == "name" else "date"]
    if len(value) > limit:
        return f"{what} is {len(value)} characters long; at most {limit} fit on the handout. Shorten it."
    return f"{what} has a character the handout cannot print. Remove it, or write it with plain letters."
