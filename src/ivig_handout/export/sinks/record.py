"""Export stage, the education record: every handout given (printed, or made for a named patient) as one
row of an SQLite file, a peer of the file and printer sinks. The command line and the web page write
through this module, often from several processes at once (WAL mode and a busy timeout); the file has a
schema version and migrations, and is readable by its owner only (0600, in a 0700 folder).

A row never holds a patient's name unless the caller put one in ``Given.patient`` (api.given does so
only when the clinic's profile says ``record_names: yes``).

Exports: ``chart_note`` (one line to paste into the chart), ``as_csv`` and ``as_fhir`` (a FHIR R4 Bundle of
Communication resources, built as plain dicts).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import os
import re
import sqlite3
import stat
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic, sleep
from typing import Any

from ...errors import ContentError, NotFoundError, OutputError

APP = "ivig-handout"
FILE_NAME = "record.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's write to finish
INITIALS_MAX = 12

# Each migration is the statements that take the file from version N to N + 1 (MIGRATIONS[0]: 0 -> 1).
# Append, never edit: a file records the version it is at in schema_version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the table of handouts given (UTC times as ISO 8601 text, which sorts in time order)
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        """CREATE TABLE given (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            document TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            layout TEXT NOT NULL,
            copies INTEGER NOT NULL CHECK (copies >= 1),
            sha256 TEXT NOT NULL,
            edition TEXT NOT NULL,
            source_year INTEGER NOT NULL,
            printer TEXT,
            job_id TEXT,
            staff TEXT,
            patient TEXT
        )""",
    ),
    (  # 2: `record list --since` and `record export --since` read a day without scanning the year
        "CREATE INDEX given_at ON given (at)",
    ),
)
VERSION = len(MIGRATIONS)
_COLUMNS = ("document", "title", "kind", "layout", "copies", "sha256", "edition", "source_year", "printer",
            "job_id", "staff", "patient")


@dataclass(frozen=True)
class Given:
    """One handout given: which document (``full`` or a disorder id, of ``kind``), on which layout, how
    many copies, the output PDF's sha256, the content pack's edition (short hash) and its source's year;
    where it was printed (queue and job id), by whom (staff initials), to whom (only when the clinic
    records names), and the document's human name (``title``) for the chart note."""

    document: str
    kind: str
    layout: str
    copies: int
    sha256: str
    edition: str
    source_year: int
    printer: str | None = None
    job_id: str | None = None
    by: str | None = None
    patient: str | None = None
    title: str = ""


@dataclass(frozen=True, kw_only=True)
class Entry(Given):
    """A row of the record: every field of Given, plus its id (unique, never reused) and when it was
    added (``when``: timezone-aware, in UTC; show it with ``when.astimezone()`` for local time)."""

    id: int
    when: datetime

    @property
    def given(self) -> Given:
        """The Given this entry was added from."""
        return Given(**{f.name: getattr(self, f.name) for f in fields(Given)})


def default_path() -> Path:
    """``record.sqlite3`` in the user's data folder (Linux: ~/.local/share/ivig-handout, or under
    $XDG_DATA_HOME)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False)) / FILE_NAME


class Record:
    """The education record in the SQLite file at ``path`` (None: default_path()). Opening checks the
    file (created 0600 in a 0700 folder if new) and brings its schema up to date; OutputError, naming
    the path, for anything that is not a record this program can use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path).expanduser().absolute() if path is not None else default_path()
        _prepare(self.path)
        deadline = monotonic() + BUSY_TIMEOUT
        while True:
            try:
                with self._connect() as conn:
                    _set_wal(conn)
                    _migrate(conn, self.path)
                return
            except OutputError as exc:
                # Processes opening a new file at once can deadlock before it is in WAL mode: SQLite then
                # says "locked" at once, without waiting; one of them goes on, the others try again.
                if LOCKED not in str(exc) or monotonic() > deadline:
                    raise
                sleep(0.01)

    def add(self, given: Given) -> Entry:
        """Add one row, now; the entry as stored."""
        return self.add_all([given])[0]

    def add_all(self, givens: Sequence[Given]) -> list[Entry]:
        """Add rows in one transaction (one write to the disk, however many: a roster's day), in order;
        the entries as stored."""
        for given in givens:
            _check_given(given)
        when = datetime.now(UTC)
        at = when.isoformat(timespec="microseconds")
        marks = ", ".join("?" * (len(_COLUMNS) + 1))
        made = []
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for given in givens:
                    cursor = conn.execute(f"INSERT INTO given (at, {', '.join(_COLUMNS)}) VALUES ({marks})",
                                          (at, *_values(given)))
                    assert cursor.lastrowid is not None
                    made.append(Entry(**asdict(given), id=cursor.lastrowid, when=when))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return made

    def entries(self, since: datetime | date | None = None) -> list[Entry]:
        """Every row, oldest first; with ``since``, those added at or after it (a date: from local
        midnight of that day; a datetime without a time zone: local time)."""
        query, args = f"SELECT id, at, {', '.join(_COLUMNS)} FROM given", []
        if since is not None:
            query, args = query + " WHERE at >= ?", [_utc_text(since)]
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY at, id", args).fetchall()
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> Entry:
        """The row with id ``entry_id``; NotFoundError if there is none."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT id, at, {', '.join(_COLUMNS)} FROM given WHERE id = ?",
                               (entry_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no handout number {entry_id} in the record {self.path} "
                                "(see `ivig-handout record list`)")
        return _entry(row)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (each statement its own transaction unless BEGIN), closed
        after the block; any SQLite failure is one OutputError naming the file."""
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise _unusable(self.path, exc) from None
        try:
            conn.execute("PRAGMA synchronous = FULL")  # a handout recorded survives a power cut
            yield conn
        except sqlite3.Error as exc:
            raise _unusable(self.path, exc) from None
        finally:
            conn.close()


def _prepare(path: Path) -> None:
    """Refuse a path that cannot be a record; create the folder (0700) and an empty file (0600) if new."""
    try:
        st = path.stat()
    except FileNotFoundError:
        _make_folder(path.parent, path)
        _make_file(path)
        return
    except NotADirectoryError:
        file = next(p for p in path.parents if p.is_file())
        raise OutputError(f"{path}: cannot be the record because {file} is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot be used as the record ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is a folder; give the record's file name, such as {path / FILE_NAME}")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{path}: is not a regular file, so it cannot be the record; give a file name")
    if not st.st_mode & 0o222 or not os.access(path, os.R_OK | os.W_OK):
        raise OutputError(f"{path}: the record cannot be written (mode {stat.filemode(st.st_mode)}); make it "
                          "writable (chmod u+rw) or give another file")


def _make_folder(folder: Path, path: Path) -> None:
    """``folder`` and any missing parents, each 0700 (less the umask)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for parent in reversed(missing):
        try:
            parent.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"{path}: cannot make the record's folder {parent} ({exc.strerror or exc})") from None
    if not folder.is_dir():
        raise OutputError(f"{path}: cannot be the record because {folder} is a file, not a folder")


def _make_file(path: Path) -> None:
    """An empty file, readable and writable by its owner only (SQLite gives its -wal and -shm the same)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600))
    except FileExistsError:  # another process made it first
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot make the record here ({exc.strerror or exc})") from None


def _set_wal(conn: sqlite3.Connection) -> None:
    """WAL mode (kept in the file), so readers never wait and writers wait their turn."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to VERSION, under a write lock so that two processes opening a new file at once
    migrate it once; OutputError for a file of a newer version or another program."""
    if _version(conn, path) == VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn, path)
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version of the file (0: a new, empty file)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables - {"sqlite_sequence"}:
            raise OutputError(f"{path}: is an SQLite database of another program, not an ivig-handout record; "
                              "give another file")
        return 0
    rows = conn.execute("SELECT version FROM schema_version").fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], int) or rows[0][0] < 1:
        raise OutputError(f"{path}: the record's schema_version table is damaged; restore the file from a backup")
    version = int(rows[0][0])
    if version > VERSION:
        raise OutputError(f"{path}: was written by a newer ivig-handout (record version {version}; this one "
                          f"reads up to {VERSION}); upgrade ivig-handout")
    return version


LOCKED = "stayed locked"


def _unusable(path: Path, exc: sqlite3.Error) -> OutputError:
    """One line for a failure of SQLite on ``path``."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in reason:
        return OutputError(f"{path}: is not an ivig-handout record (not an SQLite database); give another file")
    if "locked" in reason or "busy" in reason:
        return OutputError(f"{path}: the record {LOCKED} by another program for {BUSY_TIMEOUT:.0f} s; try again")
    return OutputError(f"{path}: the record cannot be used ({reason})")


def _check_given(given: Given) -> None:
    """A Given the record can hold (a caller's mistake is a ValueError, not the user's to fix)."""
    if given.copies < 1:
        raise ValueError(f"copies must be at least 1, not {given.copies}")
    if not re.fullmatch(r"[0-9a-f]{64}", given.sha256):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    if not given.document or not given.kind or not given.layout:
        raise ValueError("document, kind and layout are required")


def _values(given: Given) -> tuple[Any, ...]:
    return (given.document, given.title, given.kind, given.layout, given.copies, given.sha256, given.edition,
            given.source_year, given.printer, given.job_id, given.by, given.patient)


def _entry(row: Sequence[Any]) -> Entry:
    named = dict(zip(_COLUMNS, row[2:], strict=True))
    named["by"] = named.pop("staff")
    return Entry(id=int(row[0]), when=datetime.fromisoformat(row[1]), **named)


def _utc_text(since: datetime | date) -> str:
    """``since`` as the record's UTC text (a date: local midnight; a naive datetime: local time)."""
    if not isinstance(since, datetime):
        since = datetime.combine(since, time())
    if since.tzinfo is None:
        since = since.astimezone()  # local time
    return since.astimezone(UTC).isoformat(timespec="microseconds")


def initials(text: str | None, field: str = "--by") -> str | None:
    """Staff initials as the record keeps them (``AB``, ``J.-P.``): letters, digits, dots and dashes, at
    most INITIALS_MAX; ContentError naming ``field`` otherwise. None or blank: None."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > INITIALS_MAX or not re.fullmatch(r"[^\W_][\w.\-]*", value):
        why = f"give the staff member's initials (letters, digits, dots and dashes, at most {INITIALS_MAX}), such as AB"
        raise ContentError([f"{field}: {why}"])
    return value


# --- what the record says, for people and for other systems -----------------------------------------

def chart_note(entry: Entry) -> str:
    """One line to paste into the patient's chart, e.g. ``Gave the AAN handout "IVIg for
    Guillain-Barré syndrome (GBS)", letter, 2012 edition 3f9c1a, 2 copies, 2026-12-01, printed on
    clinic (job clinic-42), by AB``. Never the patient's name, even when the record holds it: the note
    goes into that patient's own chart, which names them already."""
    what = entry.title or entry.document
    copies = f"{entry.copies} {'copy' if entry.copies == 1 else 'copies'}"
    parts = [f'Gave the AAN handout "{what}"', entry.layout, f"{entry.source_year} edition {entry.edition}",
             copies, entry.when.astimezone().date().isoformat()]
    if entry.printer:
        parts.append(f"printed on {entry.printer}" + (f" (job {entry.job_id})" if entry.job_id else ""))
    if entry.by:
        parts.append(f"by {entry.by}")
    return ", ".join(parts)


CSV_COLUMNS = ("id", "when", "document", "title", "kind", "layout", "copies", "edition", "source_year",
               "printer", "job_id", "by", "patient", "sha256")


def as_dict(entry: Entry) -> dict[str, Any]:
    """The entry as plain data (``when`` as ISO 8601 text in UTC), keyed as CSV_COLUMNS."""
    data = asdict(entry) | {"when": entry.when.astimezone(UTC).isoformat(timespec="seconds")}
    return {key: data[key] for key in CSV_COLUMNS}


def as_csv(entries: Iterable[Entry]) -> str:
    """The entries as CSV (a header row, then one row each; times in UTC, empty cells for what is unknown)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(as_dict(entry))
    return out.getvalue()


# FHIR R4 codes (each from the code system its URI names; checked in tests/export/test_record.py)
CATEGORY = ("http://terminology.hl7.org/CodeSystem/communication-category", "instruction", "Instruction")
MEDIUM = ("http://terminology.hl7.org/CodeSystem/v3-ParticipationMode", "WRITTEN", "written")
URI_SYSTEM = "urn:ietf:rfc:3986"  # an identifier whose value is a URI
_NAMESPACE = uuid.UUID("6b0f1b9e-1a55-4f0c-9a8f-6e2a3f1c2d7b")  # ivig-handout's namespace for entry UUIDs


def as_fhir(entries: Iterable[Entry]) -> dict[str, Any]:
    """A FHIR R4 Bundle (type ``collection``) with one Communication per handout given (no ``entry`` at
    all when there are none: FHIR allows no empty arrays)."""
    items = [{"fullUrl": _urn(entry), "resource": communication(entry)} for entry in entries]
    return {"resourceType": "Bundle", "type": "collection"} | ({"entry": items} if items else {})


def communication(entry: Entry) -> dict[str, Any]:
    """One handout given as a FHIR R4 Communication: completed, category instruction, medium written,
    sent at the entry's time, the handout as its payload (an attachment: title, PDF, and the PDF's
    sha256 as an RFC 6920 ``ni:`` URI: FHIR's Attachment.hash is SHA-1 of data the record does not
    keep), the chart note as a note; the patient (as a display name) only when the record holds the
    name, the sender only when the staff member's initials were given."""
    sent = entry.when.astimezone(UTC).isoformat(timespec="seconds")
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [{"system": URI_SYSTEM, "value": _urn(entry)}],
        "status": "completed",
        "category": [_concept(CATEGORY, "Patient education")],
        "medium": [_concept(MEDIUM, "Printed handout")],
        "topic": {"text": entry.title or entry.document},
        "sent": sent,
        "payload": [{"contentAttachment": {"contentType": "application/pdf", "url": ni_uri(entry.sha256),
                                           "title": entry.title or entry.document, "creation": sent}}],
        "note": [{"text": chart_note(entry)}],
    }
    if entry.patient:
        resource["subject"] = {"display": entry.patient}
    if entry.by:
        resource["sender"] = {"display": entry.by}
    return resource


def ni_uri(sha256: str) -> str:
    """The RFC 6920 name of content by its SHA-256 (``ni:///sha-256;`` and the digest in base64url)."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256)).decode("ascii").rstrip("=")
    return f"ni:///sha-256;{digest}"


def _concept(code: tuple[str, str, str], text: str) -> dict[str, Any]:
    system, value, display = code
    return {"coding": [{"system": system, "code": value, "display": display}], "text": text}


def _urn(entry: Entry) -> str:
    """A UUID URN for the entry, the same every time it is exported (so a receiver can tell repeats)."""
    key = f"{entry.id}|{entry.when.astimezone(UTC).isoformat()}|{entry.sha256}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"
