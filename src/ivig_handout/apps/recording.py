"""Apps stage, the education record on the command line: ``record list``, ``record export`` and ``record
note``, and the options (``--by``, ``--record-db``) with which a command that makes handouts records each
one given: made for a named patient, or printed (export/sinks/record.py keeps the rows). A batch's rows
come from its manifest (which documents and rows each print run holds, and their hashes) and, for a
roster, from its rows (the patients' names, kept only when the clinic's profile says so).

The record is a file or a PostgreSQL database (``--record-db postgresql://...`` or IVIG_HANDOUT_RECORD_DB);
``record migrate`` brings a database's tables up to date as their owner, ``record copy`` moves a desk's
history in. A handout that went out but could not be recorded is said as such ("printed on Q as job N, but
NOT recorded: ..."), exit 1."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import OutputError

if TYPE_CHECKING:
    from ..api import Provenance, Result
    from ..batch.roster import Roster
    from ..export.sinks.record import Entry, Given, RecordStore

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
    """A day: ``YYYY-MM-DD`` (from FIRST_DAY to the last day of 9999) or ``today`` (local time)."""

    name = "date"
    FIRST_DAY = date(1970, 1, 1)  # the record holds nothing older (and 0001-01-01 has no UTC time east of UTC)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            day = value
        elif (text := str(value).strip().lower()) == "today":
            day = date.today()
        else:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                self.fail(f"'{value}' is not a date; give YYYY-MM-DD (such as 2026-12-01) or today", param, ctx)
        if day < self.FIRST_DAY:
            self.fail(f"'{value}' is too early; give a day from {self.FIRST_DAY.isoformat()} on, or today", param, ctx)
        return day


MAX_ID = 2**63 - 1  # export/sinks/record.py's MAX_ID, SQLite's largest INTEGER (not imported: no SQLite at start)

if TYPE_CHECKING:
    _TargetType = click.ParamType[Path | str]
else:
    _TargetType = click.ParamType


class RecordTarget(_TargetType):
    """The record: a file (a Path), or a PostgreSQL database (its ``postgresql://`` URL, a str). A URL that
    holds a password is refused: the command line is seen by others (ps) and a URL is shown in messages;
    libpq's password file (PGPASSFILE), a service file or PGPASSWORD keep it instead."""

    name = "file or postgresql:// URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        if not text.lower().startswith(("postgresql://", "postgres://")):
            if not text:
                self.fail("the record's file name is empty", param, ctx)
            return Path(text)
        from ..export.sinks.record_pg import has_password, shown

        try:
            if has_password(text):
                self.fail(f"{shown(text)}: the URL holds a password, which others could see; put it in your "
                          "password file (PGPASSFILE, else ~/.pgpass) or a service file, and give the URL without it",
                          param, ctx)
        except OutputError as exc:
            self.fail(str(exc), param, ctx)
        return text


RECORD_HELP = ("The education record: a file (default: record.sqlite3 in your data folder), or a PostgreSQL "
               "database's postgresql:// URL (its password in PGPASSFILE); or set IVIG_HANDOUT_RECORD_DB.")
db_option = click.option("--record-db", type=RecordTarget(), default=None, help=RECORD_HELP)
since_option = click.option("--since", type=Since(), default=None,
                            help="Only handouts given on or after this day (YYYY-MM-DD or today).")


def record_options(func: F) -> F:
    """``--by INITIALS`` and ``--record-db PATH``: for every command that makes handouts a patient is given."""
    by = click.option("--by", default=None, metavar="INITIALS",
                      help="Your initials, for the education record (which keeps every handout printed, and "
                           "every one made for a named patient).")
    return by(db_option(func))


def open_record(patient_name: str | None, by: str | None, record_db: Path | str | None) -> RecordStore | None:
    """The record, checked before any work, when the handouts are for a named patient (None otherwise:
    nothing is recorded); ``--by`` is a usage error without a name."""
    from ..export.sinks.record import initials
    from ..export.sinks.record import open_record as open_store

    if not (patient_name or "").strip():
        if by is not None:
            raise click.UsageError("--by goes with --patient-name: only handouts made for a named patient are "
                                   "recorded")
        return None
    initials(by)
    return open_store(record_db)


def open_printed(by: str | None, record_db: Path | str | None) -> RecordStore:
    """The record for handouts about to be printed (each is recorded, named patient or not), checked
    before any work: the file opened (created if new), or the database reached, and ``--by`` checked."""
    from ..export.sinks.record import initials
    from ..export.sinks.record import open_record as open_store

    initials(by)
    return open_store(record_db)


def record_made(record: RecordStore | None, made: Sequence[Result], by: str | None, err: bool = False) -> None:
    """Add a row for each handout made for a named patient (call it once they are all written); say so on
    stdout, beside the ``wrote`` lines (on stderr with ``err``: the PDF is on stdout)."""
    from ..api import given
    from ..export.sinks.record import initials

    if record is None:
        return
    rows = [given(result, by=initials(by)) for result in made if result.personal]
    recorded_after(record, rows, f"made {len(rows)} handout{'s' if len(rows) != 1 else ''}", err)


def record_given(record: RecordStore, rows: Sequence[Given], err: bool = False) -> None:
    """Add ``rows`` to the record, in order, and say which numbers they got (nothing when there are none)
    and which are reprints of a handout recorded before."""
    added = record.add_all(rows) if rows else []
    ids = [entry.id for entry in added]
    if ids:
        which = f"handout {ids[0]}" if len(ids) == 1 else f"handouts {_numbers(ids)}"
        reprints = [e for e in added if e.reprint_of is not None]
        again = ""
        if len(added) == 1 and reprints:
            again = f", a reprint of handout {reprints[0].reprint_of}"
        elif reprints:
            again = f", {len(reprints)} of them reprints"
        click.echo(f"recorded as {which}{again} in {record.where} (`ivig-handout record note {ids[0]}` prints the "
                   "line for the chart)", err=err)


def recorded_after(record: RecordStore, rows: Sequence[Given], done: str, err: bool = False) -> None:
    """record_given for handouts already out of the door (``done``: ``printed on clinic as job 12``): a
    record that fails now is one line saying exactly that, ``... but NOT recorded: why`` (exit 1); the rows
    wait in the data folder for ``record pending``, or the line says that they could not be kept either."""
    from ..export.sinks.record_held import hold

    try:
        record_given(record, rows, err)
    except OutputError as exc:
        try:
            hold(rows, record.where)
        except OutputError as held:  # (both on a full disk): say so, never that they wait
            raise OutputError(f"{done}, but NOT recorded: {exc}; nor kept to record later: {held}; record "
                              f"{'it' if len(rows) == 1 else 'them'} by hand") from None
        raise OutputError(f"{done}, but NOT recorded: {exc}; `ivig-handout record pending` records "
                               f"{'it' if len(rows) == 1 else 'them'} once the record is back") from None


def open_batch(by: str | None, record_db: Path | str | None, printed: bool, content_dir: Path | None,
               roster: Roster | None = None) -> BatchRecord | None:
    """The record for a batch, checked before any work: a roster's handouts name patients and a printed
    batch is handed out, so both are recorded; a plain batch only written is not (``--by``: a usage error)."""
    if roster is None and not printed:
        if by is not None:
            raise click.UsageError("--by goes with --printer or --roster: a batch that is only written names no "
                                   "patient and is not recorded")
        return None
    return BatchRecord(open_printed(by, record_db), by, roster.content_dir if roster else content_dir, roster)


class BatchRecord:
    """The rows a batch adds to the record: for each print run printed, one per document in it (a plain
    batch) or one per roster row in it; for a roster that is not printed, one per roster row once every
    file is written. Documents, layouts, copies and hashes come from the batch's manifest (which never
    holds names); a roster row's patient from the roster, only when the clinic's profile records names."""

    def __init__(self, record: RecordStore, by: str | None, content_dir: Path | None,
                 roster: Roster | None = None) -> None:
        from ..export.sinks.record import initials

        self.record, self.by, self.content_dir, self.roster = record, initials(by), content_dir, roster
        self._about: dict[tuple[str, Path | None], tuple[str, Provenance]] = {}  # (document, pack) -> kind, about

    def printed(self, files: Sequence[dict[str, Any]], run: dict[str, Any], printer: str, job: str) -> None:
        """Record the handouts of the print run ``run`` (its manifest record), printed as ``job``."""
        recorded_after(self.record, self._rows(files, run, printer, job), f"printed on {printer} as job {job}")

    def made(self, files: Sequence[dict[str, Any]]) -> None:
        """Record a roster's handouts, made but not printed (a plain batch names no one: nothing to record)."""
        if self.roster is None:
            return
        from ..batch.roster import PRINT_RUN

        runs = [f for f in files if f.get("file") == f"{PRINT_RUN}-{f.get('layout')}.pdf"]
        rows = [row for run in runs for row in self._rows(files, run, None, None)]
        recorded_after(self.record, rows, f"made {len(rows)} handout{'s' if len(rows) != 1 else ''}")

    def _rows(self, files: Sequence[dict[str, Any]], run: dict[str, Any], printer: str | None,
              job: str | None) -> list[Given]:
        layout = str(run["layout"])
        if self.roster is None:  # a plain batch: each document x the run's copies
            own = {(f.get("document"), f.get("layout")): f["sha256"] for f in files}
            return [self._given(doc, layout, int(run["copies"]), own[doc, layout], printer, job)
                    for doc in run["documents"]]
        from ..export.sinks.record import made_id

        named = self._names()
        rows = {row.row: row for row in self.roster.rows}
        own = {(f.get("row"), f.get("layout")): f["sha256"] for f in files if "row" in f}
        # a row's own file (--files) is its document: the same again is a reprint; a print run's hash is not
        return [self._given(doc, layout, int(copies), own.get((number, layout), run["sha256"]), printer, job,
                            rows[number].patient.name if named else None,
                            made_id(own[number, layout], int(copies)) if (number, layout) in own else None,
                            (rows[number].language, rows[number].also))
                for number, doc, copies in zip(run["rows"], run["documents"], run["copies"], strict=True)]

    def _given(self, document: str, layout: str, copies: int, sha256: str, printer: str | None, job: str | None,
               patient: str | None = None, made: str | None = None,
               languages: tuple[str | None, str | None] = (None, None)) -> Given:
        """The record's row; ``languages``: a roster row's ``language`` and ``also`` cells."""
        from ..api import about, also_pack
        from ..export.sinks.record import Given

        packs = [self.content_dir if languages[0] is None else also_pack(languages[0]),
                 *([also_pack(languages[1])] if languages[1] is not None else [])]
        for pack in packs:
            if (document, pack) not in self._about:  # as the record of a handout built alone has them
                self._about[document, pack] = about(document, pack)
        kind, known = self._about[document, packs[0]]
        language = "+".join(self._about[document, pack][1].language for pack in packs)
        edition = "+".join(self._about[document, pack][1].pack_edition for pack in packs)
        return Given(document, kind, layout, copies, sha256, known.edition, known.source_year, printer,
                     job, self.by, patient or None, known.title, made, language=language or None,
                     pack_edition=edition or None)

    def _names(self) -> bool:
        """Whether the roster's clinic profile says ``record_names: yes``."""
        if self.roster is None or self.roster.clinic is None:
            return False
        from ..api import load_clinic

        return load_clinic(self.roster.clinic).profile.record_names


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
def list_entries(since: date | None, as_json: bool, record_db: Path | str | None) -> None:
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


def read(record_db: Path | str | None, since: date | None) -> list[Entry]:
    """The entries of the record (since a day), or none if there is no record yet (reading never makes,
    migrates or writes one: a read-only record can be read)."""
    from ..export.sinks.record import exists, open_record

    if not exists(record_db):
        return []
    store = open_record(record_db, read_only=True)
    try:
        return store.entries(since)
    finally:
        store.close()


def table(entries: Sequence[Entry]) -> list[str]:
    """The entries as aligned columns for people (local times; the patient column only when a name is kept;
    the status column only when a row is a reprint or void)."""
    head = ["ID", "WHEN", "DOCUMENT", "LAYOUT", "COPIES", "EDITION", "PRINTED ON", "BY"]
    named = any(e.patient for e in entries)
    status = any(e.reprint_of is not None or e.void for e in entries)
    rows = [[str(e.id), e.when.astimezone().strftime("%Y-%m-%d %H:%M"), e.document, e.layout, str(e.copies),
             f"{e.source_year} {e.edition}", _printed(e), e.by or "-"] + ([e.patient or "-"] if named else [])
            + ([_status(e)] if status else []) for e in entries]
    head += (["PATIENT"] if named else []) + (["STATUS"] if status else [])
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows]]


def _status(entry: Entry) -> str:
    """``reprint of 3``, ``VOID (AB 2026-12-01 14:02)``, both, or ``-``."""
    said = [f"reprint of {entry.reprint_of}"] if entry.reprint_of is not None else []
    if entry.void_at is not None:
        said.append(f"VOID ({entry.void_by or '-'} {entry.void_at.astimezone().strftime('%Y-%m-%d %H:%M')})")
    return ", ".join(said) or "-"


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
def export(fmt: str, since: date | None, output: Path | None, record_db: Path | str | None) -> None:
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
@click.argument("entry_id", metavar="ID", type=click.IntRange(1, MAX_ID))
@db_option
@_friendly
def note(entry_id: int, record_db: Path | str | None) -> None:
    """Print the one line for the patient's chart about handout ID (see `record list`)."""
    from ..errors import NotFoundError
    from ..export.sinks.record import chart_note, exists, open_record, resolve

    if not exists(record_db):
        raise NotFoundError(f"no handout number {entry_id}: there is no record at {resolve(record_db)} yet")
    click.echo(chart_note(open_record(record_db, read_only=True).get(entry_id)))


@record.command("void")
@click.argument("entry_id", metavar="ID", type=click.IntRange(1, MAX_ID))
@click.option("--by", required=True, metavar="INITIALS", help="Your initials: who undoes it.")
@db_option
@_friendly
def void(entry_id: int, by: str, record_db: Path | str | None) -> None:
    """Mark handout ID as given by mistake (void): it stays in the record, with who and when."""
    from ..errors import NotFoundError
    from ..export.sinks.record import exists, initials, open_record, resolve

    who = initials(by)
    if who is None:
        raise click.BadParameter("give your initials, such as AB", param_hint="'--by'")
    if not exists(record_db):
        raise NotFoundError(f"no handout number {entry_id}: there is no record at {resolve(record_db)} yet")
    record = open_record(record_db)
    already = record.get(entry_id).void
    entry = record.void(entry_id, who)
    when = entry.void_at.astimezone().strftime("%Y-%m-%d %H:%M") if entry.void_at else "-"
    click.echo(f"handout {entry_id} is{' already' if already else ''} void (undone by {entry.void_by or '-'} on "
               f"{when}); it stays in the record")


@record.command("migrate")
@click.option("--grant", metavar="ROLE", default=None,
              help="PostgreSQL: also give the tool's role ROLE what it needs (SELECT and INSERT only).")
@db_option
@_friendly
def migrate(grant: str | None, record_db: Path | str | None) -> None:
    """Bring the record's tables up to date (PostgreSQL: run it as the role that owns the database)."""
    from ..export.sinks.record import VERSION, is_url, open_record, resolve

    target = resolve(record_db)
    if isinstance(target, str) and is_url(target):
        from ..export.sinks.record_pg import migrate_url, shown

        before, after = migrate_url(target, grant)
        where = shown(target)
    else:
        if grant is not None:
            raise click.UsageError("--grant goes with a PostgreSQL record (a file has no roles)")
        from ..export.sinks.record import SQLiteRecord, exists

        before = SQLiteRecord(Path(target), read_only=True).version if exists(target) else 0
        open_record(target).close()
        after, where = VERSION, str(target)
    said = f"already at version {after}" if before == after else f"migrated from version {before} to {after}"
    click.echo(f"the record {where} is {said}" + (f"; the role {grant} may record" if grant else ""))


@record.command("copy")
@click.option("--from", "source", type=RecordTarget(), required=True, help="The record to copy from (read only).")
@click.option("--to", "target", type=RecordTarget(), required=True, help="The record to copy into.")
@_friendly
def copy(source: Path | str, target: Path | str) -> None:
    """Copy every handout of one record into another (a desk's file into the clinic's database): each
    row once (by its UUID: running it again copies nothing), with its time, reprints and void marks."""
    from ..export.sinks.record import exists, open_record, resolve

    if not exists(source):
        raise OutputError(f"{resolve(source)}: there is no record here to copy from")
    reader = open_record(source, read_only=True)
    entries = reader.entries()
    reader.close()
    store = open_record(target)
    try:
        done = store.copy_in(entries)
    finally:
        store.close()
    voids = f", {done.voids} void mark{'s' if done.voids != 1 else ''} added" if done.voids else ""
    click.echo(f"copied {done.rows} handout{'s' if done.rows != 1 else ''} from {reader.where} to {store.where} "
               f"({done.present} already there{voids})")


@record.command("pending")
@db_option
@_friendly
def pending(record_db: Path | str | None) -> None:
    """Record the handouts given (printed, or made for named patients) that the record could not take
    when they were given: each once, with the time it was given."""
    from ..export.sinks.record import open_record
    from ..export.sinks.record_held import forget, held

    waiting = held()
    if not waiting:
        click.echo("no handouts are waiting to be recorded")
        return
    store = open_record(record_db)
    try:
        done = store.copy_in(waiting)
    finally:
        store.close()
    forget({entry.uuid for entry in waiting})
    click.echo(f"recorded {done.rows} handout{'s' if done.rows != 1 else ''} that waited in {store.where}"
               + (f" ({done.present} were there already)" if done.present else ""))
