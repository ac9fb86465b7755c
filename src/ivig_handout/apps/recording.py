"""Apps stage, the education record on the command line: ``record list``, ``record export`` and ``record
note``, and the options (``--by``, ``--record-db``) with which a command that makes handouts records each
one made for a named patient (export/sinks/record.py keeps the rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..api import Result
    from ..export.sinks.record import Entry, Record

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(func: F) -> F:
    """cli.friendly (one ``error:`` line, exit 1), looked up when the command runs: cli imports this module."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .cli import friendly

        return friendly(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


if TYPE_CHECKING:  # generic in the Click that mypy checks against; plain in older ones at run time
    _DateType = click.ParamType[date]
else:
    _DateType = click.ParamType


class Since(_DateType):
    """A day: ``YYYY-MM-DD`` or ``today`` (local time)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip().lower()
        if text == "today":
            return date.today()
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"'{value}' is not a date; give YYYY-MM-DD (such as 2026-12-01) or today", param, ctx)


db_option = click.option("--record-db", type=click.Path(path_type=Path), default=None,
                         help="The education record's file (default: record.sqlite3 in your data folder).")
since_option = click.option("--since", type=Since(), default=None,
                            help="Only handouts given on or after this day (YYYY-MM-DD or today).")


def record_options(func: F) -> F:
    """``--by INITIALS`` and ``--record-db PATH``: for every command that makes handouts a patient is given."""
    by = click.option("--by", default=None, metavar="INITIALS",
                      help="Your initials, for the education record (with --patient-name).")
    return by(db_option(func))


def open_record(patient_name: str | None, by: str | None, record_db: Path | None) -> Record | None:
    """The record, checked before any work, when the handouts are for a named patient (None otherwise:
    nothing is recorded); ``--by`` is a usage error without a name."""
    from ..export.sinks.record import Record, initials

    if not (patient_name or "").strip():
        if by is not None:
            raise click.UsageError("--by goes with --patient-name: only handouts made for a named patient are "
                                   "recorded")
        return None
    initials(by)
    return Record(record_db)


def record_made(record: Record | None, made: Sequence[Result], by: str | None, err: bool = False) -> None:
    """Add a row for each handout made for a named patient (call it once they are all written); say so on
    stdout, beside the ``wrote`` lines (on stderr with ``err``: the PDF is on stdout)."""
    from ..api import given
    from ..export.sinks.record import initials

    if record is None:
        return
    ids = [record.add(given(result, by=initials(by))).id for result in made if result.personal]
    if ids:
        which = f"handout {ids[0]}" if len(ids) == 1 else f"handouts {_numbers(ids)}"
        click.echo(f"recorded as {which} in {record.path} (`ivig-handout record note {ids[0]}` prints the line "
                   "for the chart)", err=err)


def _numbers(ids: list[int]) -> str:
    """``2 to 13`` for a run of numbers, ``2, 3, 5`` otherwise (another process recorded in between)."""
    if ids == list(range(ids[0], ids[-1] + 1)):
        return f"{ids[0]} to {ids[-1]}"
    return ", ".join(map(str, ids))


@click.group("record")
def record() -> None:
    """The education record: every handout printed or made for a named patient."""


@record.command("list")
@since_option
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON (for scripts).")
@db_option
@_friendly
def list_entries(since: date | None, as_json: bool, record_db: Path | None) -> None:
    """List the handouts given, oldest first: a table, or JSON with --json."""
    import json

    from ..export.sinks.record import as_dict

    entries = read(record_db, since)
    if as_json:
        click.echo(json.dumps([as_dict(e) for e in entries], indent=2, ensure_ascii=False))
    elif not entries:
        click.echo("no handouts recorded" + (f" since {since.isoformat()}" if since else ""))
    else:
        for line in table(entries):
            click.echo(line)


def read(record_db: Path | None, since: date | None) -> list[Entry]:
    """The entries of the record (since a day), or none if there is no record yet (reading never makes one)."""
    from ..export.sinks.record import Record, default_path

    path = record_db if record_db is not None else default_path()
    return Record(path).entries(since) if path.exists() else []


def table(entries: Sequence[Entry]) -> list[str]:
    """The entries as aligned columns for people (local times; the patient column only when a name is kept)."""
    head = ["ID", "WHEN", "DOCUMENT", "LAYOUT", "COPIES", "EDITION", "PRINTED ON", "BY"]
    named = any(e.patient for e in entries)
    rows = [[str(e.id), e.when.astimezone().strftime("%Y-%m-%d %H:%M"), e.document, e.layout, str(e.copies),
             f"{e.source_year} {e.edition}", _printed(e), e.by or "-"] + ([e.patient or "-"] if named else [])
            for e in entries]
    head += ["PATIENT"] if named else []
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows]]


def _printed(entry: Entry) -> str:
    if not entry.printer:
        return "-"
    return f"{entry.printer} ({entry.job_id})" if entry.job_id else entry.printer


@record.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "fhir"]), required=True,
              help="csv: one row per handout; fhir: a FHIR R4 Bundle of Communication resources (JSON).")
@since_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default: standard output); readable by you only when it holds names.")
@db_option
@_friendly
def export(fmt: str, since: date | None, output: Path | None, record_db: Path | None) -> None:
    """Export the record (or the handouts given since a day) as CSV or FHIR."""
    import json

    from ..export.sinks import Artifact
    from ..export.sinks.file import FileSink
    from ..export.sinks.record import as_csv, as_fhir

    sink = FileSink(output) if output is not None and str(output) != "-" else None
    if sink is not None:
        sink.check()
    entries = read(record_db, since)
    text = as_csv(entries) if fmt == "csv" else json.dumps(as_fhir(entries), indent=2, ensure_ascii=False) + "\n"
    if sink is None:
        click.echo(text, nl=False)
        return
    named = any(e.patient for e in entries)
    ext = "csv" if fmt == "csv" else "json"
    where = sink.send(Artifact(text.encode("utf-8"), "record", "record", fmt, 0, f"record.{ext}", named))
    click.echo(f"wrote {where} ({len(entries)} handout{'s' if len(entries) != 1 else ''}, {fmt})", err=True)


@record.command("note")
@click.argument("entry_id", metavar="ID", type=click.IntRange(min=1))
@db_option
@_friendly
def note(entry_id: int, record_db: Path | None) -> None:
    """Print the one line for the patient's chart about handout ID (see `record list`)."""
    from ..errors import NotFoundError
    from ..export.sinks.record import Record, chart_note, default_path

    path = record_db if record_db is not None else default_path()
    if not path.exists():
        raise NotFoundError(f"no handout number {entry_id}: there is no record at {path} yet")
    click.echo(chart_note(Record(path).get(entry_id)))
