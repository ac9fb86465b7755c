"""Export stage, the education record: every handout given (printed, or made for a named patient) as one
row of an SQLite file, a peer of the file and printer sinks. The command line and the web page write
through this module, often from several processes at once (WAL mode and a busy timeout); the file has a
schema version and migrations, and is readable by its owner only (0600, in a 0700 folder; an existing
file that others can read is made 0600 when it is opened for writing). Reading (``Record(path,
read_only=True)``: ``record list``, ``export``, ``note``) never writes, creates or migrates anything, so
a read-only record (its file, its folder or its disk) can still be read.

A row never holds a patient's name unless the caller put one in ``Given.patient`` (api.given does so
only when the clinic's profile says ``record_names: yes``).

The record is one of two stores behind one protocol (RecordStore): this SQLite file (SQLiteRecord, one
desk's computer), or a PostgreSQL database several desks share (export/sinks/record_pg.py, PgRecord);
``open_record(target)`` opens either, from ``--record-db`` or ``IVIG_HANDOUT_RECORD_DB`` (a file, or a
``postgresql://`` URL). Both have the same tables and the same numbered migrations; every row also has a
UUID, so rows copied between records (``record copy``) never collide and are never copied twice.

Exports: ``chart_note`` (one line to paste into the chart), ``as_csv`` and ``as_fhir`` (a FHIR R4 Bundle of
Communication resources, built as plain dicts).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic, sleep
from typing import Any, Protocol

from ...errors import ContentError, NotFoundError, OutputError
from ..spreadsheet import csv_text

APP = "ivig-handout"
FILE_NAME = "record.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's write to finish
INITIALS_MAX = 12
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER: no row can have a larger id
ENV = "IVIG_HANDOUT_RECORD_DB"  # the record (a file or a postgresql:// URL) when --record-db is not given

# Each migration is the statements (or a function of the connection, for what SQL alone cannot compute)
# that take the file from version N to N + 1 (MIGRATIONS[0]: 0 -> 1).
# Append, never edit: a file records the version it is at in schema_version.
Step = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
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
    (  # 3: a handout made again is a reprint of the first row; a mistaken row is voided, never deleted.
        # ``made``: the id of the document made (made_id(): its PDF's hash and copies; only for one made
        # for a named patient); ``reprint_of``: the first row of the same document (NULL: a first handout).
        # Rows from before version 3 have neither: each stays a first handout.
        "ALTER TABLE given ADD COLUMN made TEXT",
        "ALTER TABLE given ADD COLUMN reprint_of INTEGER REFERENCES given (id)",
        "CREATE INDEX given_made ON given (made)",
        # one row per voided handout (added, never changed): when, and by whom (staff initials)
        """CREATE TABLE void (
            given_id INTEGER PRIMARY KEY REFERENCES given (id),
            at TEXT NOT NULL,
            staff TEXT
        )""",
    ),
    (  # 4: every row has a UUID (rows copied between records never collide, and are copied once). A row from
        # before gets the UUID its FHIR export always had (legacy_uuid), so what was sent stays the same.
        "ALTER TABLE given ADD COLUMN uuid TEXT",
        lambda conn: _fill_uuids(conn),  # noqa: PLW0108  (defined below)
        "CREATE UNIQUE INDEX given_uuid ON given (uuid)",
    ),
    (  # 5: each handout's language (BCP 47; a two-language one's front+back: en-US+es-US) and its pack's
        # edition (pack.yaml's; front+back). Rows from before have neither (NULL).
        "ALTER TABLE given ADD COLUMN language TEXT",
        "ALTER TABLE given ADD COLUMN pack_edition TEXT",
    ),
)
VERSION = len(MIGRATIONS)
_COLUMNS = ("document", "title", "kind", "layout", "copies", "sha256", "edition", "source_year", "printer",
            "job_id", "staff", "patient")
_NEW_COLUMNS = ("made", "reprint_of")  # since version 3
LATE_COLUMNS = ("language", "pack_edition")  # since version 5: after uuid in every row read and written


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
    made: str | None = None  # the document's id (made_id()): the same again is a reprint of the first row
    reprint_of: int | None = None  # a reprint of this row, said by the caller ("Download again")
    language: str | None = None  # BCP 47 (en-US; a two-language handout: en-US+es-US); None: before version 5
    pack_edition: str | None = None  # the content pack's pack.yaml edition (two languages: front+back)


@dataclass(frozen=True, kw_only=True)
class Entry(Given):
    """A row of the record: every field of Given, plus its id (unique, never reused) and when it was
    added (``when``: timezone-aware, in UTC; show it with ``when.astimezone()`` for local time);
    ``reprint_of``: the first row of the same document (None: a first handout); ``void_at`` and
    ``void_by``: when and by whom it was voided (undone; None: it stands)."""

    id: int
    when: datetime
    void_at: datetime | None = None
    void_by: str | None = None
    uuid: str = ""  # the row's UUID (the same in every record it is copied to)

    @property
    def void(self) -> bool:
        """Whether the row was voided (a mistake: it is kept, and counts for nothing)."""
        return self.void_at is not None

    @property
    def given(self) -> Given:
        """The Given this entry was added from."""
        return Given(**{f.name: getattr(self, f.name) for f in fields(Given)})


def given_fields(given: Given) -> dict[str, Any]:
    """``given``'s fields by name: dataclasses.asdict's dict without its deep copy (every field of a
    Given is a string, a number or None; a roster's day adds thousands of rows)."""
    return {name: getattr(given, name) for name in _GIVEN_FIELDS}


_GIVEN_FIELDS = tuple(f.name for f in fields(Given))


def made_id(sha256: str, copies: int) -> str:
    """The id of a document made: the same PDF (same input gives byte-identical output) in the same
    number of copies is the same document, whichever way it is made again (downloaded, printed)."""
    return f"{sha256[:32]}x{copies}"


def default_path() -> Path:
    """``record.sqlite3`` in the user's data folder (Linux: ~/.local/share/ivig-handout, or under
    $XDG_DATA_HOME)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False)) / FILE_NAME


class RecordStore(Protocol):
    """An education record, whichever database holds it: rows added (a roster's in one transaction, all or
    none), read, voided, and copied in from another record by UUID. ``where`` names it for people (a
    file's path, or a URL without any password)."""

    read_only: bool

    @property
    def where(self) -> str: ...

    def add(self, given: Given) -> Entry: ...

    def add_all(self, givens: Sequence[Given]) -> list[Entry]: ...

    def void(self, entry_id: int, by: str | None) -> Entry: ...

    def entries(self, since: datetime | date | None = None) -> list[Entry]: ...

    def get(self, entry_id: int) -> Entry: ...

    def copy_in(self, entries: Sequence[Entry]) -> Copied: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Copied:
    """What ``copy_in`` did: rows added (``rows``), rows the record held already (``present``, by UUID),
    and void marks added (to rows copied now or before)."""

    rows: int
    present: int
    voids: int


def is_url(target: str | Path | None) -> bool:
    """Whether ``target`` names a PostgreSQL database (a ``postgresql://`` or ``postgres://`` URL)."""
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def resolve(target: str | Path | None) -> str | Path:
    """The record meant: ``target``; else IVIG_HANDOUT_RECORD_DB; else default_path()."""
    if target is None or str(target) == "":
        target = os.environ.get(ENV) or None
    if target is None:
        return default_path()
    return str(target) if is_url(target) else Path(target)


def open_record(target: str | Path | None = None, *, read_only: bool = False, pool: bool = False) -> RecordStore:
    """The record ``target`` names (resolve()): a PostgreSQL database (``pool``: a pool of connections, for
    the web page's threads) or an SQLite file; checked and brought up to date as its class says."""
    where = resolve(target)
    if isinstance(where, str):
        from .record_pg import PgRecord

        return PgRecord(where, read_only=read_only, pool=pool)
    return SQLiteRecord(where, read_only=read_only)


def exists(target: str | Path | None) -> bool:
    """Whether there is a record to read at ``target`` (a database always counts: opening it says what is
    wrong; a file: something at the path, even what cannot be a record, so that opening it says why)."""
    where = resolve(target)
    if isinstance(where, str):
        return True
    try:
        where.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


class SQLiteRecord:
    """The education record in the SQLite file at ``path`` (None: default_path()). Opening checks the
    file (created 0600 in a 0700 folder if new; made 0600 if others could read it) and brings its schema
    up to date; OutputError, naming the path, for anything that is not a record this program can use
    (also a table that lacks a column, before anything is written). With ``read_only`` the file must
    exist, and nothing is written, created or migrated: it is only read (as a read-only file or folder
    allows)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path).expanduser().absolute() if path is not None else default_path()
        self.read_only = read_only
        self._empty = False  # a new, empty file (read-only: there is no table to read yet)
        self._version = VERSION  # read-only: the file's own (never migrated); rows read the same
        if read_only:
            _prepare_read(self.path)
            with self._connect() as conn:
                self._version = _version(conn, self.path)
                self._empty = self._version == 0
                if not self._empty:
                    _check_columns(conn, self.path, self._version)
            return
        _prepare(self.path)
        deadline = monotonic() + BUSY_TIMEOUT
        while True:
            try:
                with self._connect() as conn:
                    _set_wal(conn)
                    _migrate(conn, self.path)
                    _check_columns(conn, self.path, VERSION)
                _make_private(self.path)  # a record (it is one) others can read, before a name goes in
                return
            except OutputError as exc:
                # Processes opening a new file at once can deadlock before it is in WAL mode: SQLite then
                # says "locked" at once, without waiting; one of them goes on, the others try again.
                if LOCKED not in str(exc) or monotonic() > deadline:
                    raise
                sleep(0.01)

    @property
    def where(self) -> str:
        """The file's path, for messages."""
        return str(self.path)

    @property
    def version(self) -> int:
        """The schema version of the file (read-only: as it is; else VERSION, once migrated)."""
        return self._version

    def close(self) -> None:
        """Nothing to close (each call opens and closes its own connection)."""

    def add(self, given: Given) -> Entry:
        """Add one row, now; the entry as stored."""
        return self.add_all([given])[0]

    def add_all(self, givens: Sequence[Given]) -> list[Entry]:
        """Add rows in one transaction (one write to the disk, however many: a roster's day), in order;
        the entries as stored. A row whose document (``made``) the record holds already, not voided, is
        a reprint of that first row; so is one the caller says is (``reprint_of``: any row of the same
        handout; NotFoundError if there is none)."""
        if self.read_only:
            raise ValueError(f"{self.path} was opened read-only")
        for given in givens:
            _check_given(given)
        when = datetime.now(UTC)
        at = when.isoformat(timespec="microseconds")
        names = (*_COLUMNS, *_NEW_COLUMNS, "uuid", *LATE_COLUMNS)
        marks = ", ".join("?" * (len(names) + 1))
        made = []
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for given in givens:
                    first, key = self._first(conn, given), str(uuid.uuid4())
                    cursor = conn.execute(f"INSERT INTO given (at, {', '.join(names)}) VALUES ({marks})",
                                          (at, *_values(given), given.made, first, key, *late(given)))
                    assert cursor.lastrowid is not None
                    made.append(Entry(**(given_fields(given) | {"reprint_of": first}), id=cursor.lastrowid,
                                      when=when, uuid=key))
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        return made

    def copy_in(self, entries: Sequence[Entry]) -> Copied:
        """Add the rows of another record this one lacks (by UUID), oldest first, in one transaction, as
        they were (time, void mark; a reprint points at its first row's number here); and the void marks of
        rows copied before. What was done."""
        if self.read_only:
            raise ValueError(f"{self.path} was opened read-only")
        names = ("at", *_COLUMNS, *_NEW_COLUMNS, "uuid", *LATE_COLUMNS)
        marks = ", ".join("?" * len(names))
        rows = present = voids = 0
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                ids = {str(k): int(i) for i, k in conn.execute("SELECT id, uuid FROM given")}
                keys = {entry.id: entry.uuid for entry in entries}
                for entry in entries:
                    if entry.uuid in ids:
                        present += 1
                    else:
                        first = ids.get(keys.get(entry.reprint_of, "")) if entry.reprint_of else None
                        at = entry.when.astimezone(UTC).isoformat(timespec="microseconds")
                        cursor = conn.execute(f"INSERT INTO given ({', '.join(names)}) VALUES ({marks})",
                                              (at, *_values(entry.given), entry.made, first, entry.uuid,
                                               *late(entry)))
                        assert cursor.lastrowid is not None
                        ids[entry.uuid], rows = cursor.lastrowid, rows + 1
                    if entry.void_at is not None:
                        at = entry.void_at.astimezone(UTC).isoformat(timespec="microseconds")
                        voids += conn.execute("INSERT OR IGNORE INTO void (given_id, at, staff) VALUES (?, ?, ?)",
                                              (ids[entry.uuid], at, entry.void_by)).rowcount
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        return Copied(rows, present, voids)

    def _first(self, conn: sqlite3.Connection, given: Given) -> int | None:
        """The first row of the handout ``given`` is a reprint of (None: it is a first handout)."""
        if given.reprint_of is not None:
            row = conn.execute("SELECT id, reprint_of FROM given WHERE id = ?",
                               (given.reprint_of if 1 <= given.reprint_of <= MAX_ID else 0,)).fetchone()
            if row is None:
                raise NotFoundError(f"no handout number {given.reprint_of} in the record {self.path}")
            return int(row[1] if row[1] is not None else row[0])
        if given.made is None:
            return None
        row = conn.execute("SELECT id FROM given WHERE made = ? AND reprint_of IS NULL AND id NOT IN "
                           "(SELECT given_id FROM void) ORDER BY id LIMIT 1", (given.made,)).fetchone()
        return None if row is None else int(row[0])

    def void(self, entry_id: int, by: str | None) -> Entry:
        """Mark the row ``entry_id`` void (a mistake, undone) by the staff member ``by``, now; the row is
        kept. Voiding a row again changes nothing (the first void stands). NotFoundError if there is none."""
        if self.read_only:
            raise ValueError(f"{self.path} was opened read-only")
        self.get(entry_id)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._connect() as conn:
            conn.execute("INSERT OR IGNORE INTO void (given_id, at, staff) VALUES (?, ?, ?)", (entry_id, at, by))
        return self.get(entry_id)

    def entries(self, since: datetime | date | None = None) -> list[Entry]:
        """Every row, oldest first; with ``since``, those added at or after it (a date: from local
        midnight of that day; a datetime without a time zone: local time)."""
        query, args = self._select(), []
        if self._empty:
            return []
        if since is not None:
            query, args = query + " WHERE g.at >= ?", [_utc_text(since)]
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY g.at, g.id", args).fetchall()
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> Entry:
        """The row with id ``entry_id``; NotFoundError if there is none."""
        row = None
        if not self._empty and 1 <= entry_id <= MAX_ID:  # (SQLite cannot even compare a larger int)
            with self._connect() as conn:
                row = conn.execute(self._select() + " WHERE g.id = ?", (entry_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no handout number {entry_id} in the record {self.path} "
                                "(see `ivig-handout record list`)")
        return _entry(row)

    def _select(self) -> str:
        """The query of rows (``g``), with what a file of an older version (read, not migrated) lacks as NULL."""
        return select(self._version)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (each statement its own transaction unless BEGIN), closed
        after the block (read-only: one that cannot write); any SQLite failure is one OutputError naming
        the file."""
        try:
            if self.read_only:
                conn = sqlite3.connect(_read_uri(self.path), timeout=BUSY_TIMEOUT, isolation_level=None, uri=True)
            else:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise _unusable(self.path, exc) from None
        try:
            if self.read_only:
                conn.execute("PRAGMA query_only = ON")  # a statement that would write fails instead
            else:
                conn.execute("PRAGMA synchronous = FULL")  # a handout recorded survives a power cut
            yield conn
        except sqlite3.Error as exc:
            raise _unusable(self.path, exc) from None
        finally:
            conn.close()


Record = SQLiteRecord  # the library's name for it before there were two stores


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
    _refuse_non_file(path, st.st_mode)
    if not st.st_mode & 0o222 or not os.access(path, os.R_OK | os.W_OK):
        raise OutputError(f"{path}: the record cannot be written (mode {stat.filemode(st.st_mode)}); make it "
                          "writable (chmod u+rw) or give another file")


def _refuse_non_file(path: Path, mode: int) -> None:
    """OutputError for a folder or a special file given as the record (writing or reading it)."""
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path}: is a folder; give the record's file name, such as {path / FILE_NAME}")
    if not stat.S_ISREG(mode):
        raise OutputError(f"{path}: is not a regular file, so it cannot be the record; give a file name")


def _make_private(path: Path) -> None:
    """Take away the group's and others' access to the record and its -wal and -shm (it may hold names):
    0644 becomes 0600. OutputError when that is not allowed (the file is another user's)."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = file.stat().st_mode
        except OSError:  # no such companion (SQLite makes one with the record's mode, made private first)
            continue
        if not mode & 0o077:
            continue
        try:
            file.chmod(stat.S_IMODE(mode) & 0o700)
        except OSError as exc:
            raise OutputError(f"{path}: others can read {file.name} ({stat.filemode(mode)}) and it cannot be made "
                              f"private ({exc.strerror or exc}); ask its owner to run chmod 600 {file}, or give "
                              "another file") from None


def _prepare_read(path: Path) -> None:
    """Refuse a path that cannot be a record to read (as _prepare, but nothing is made and the file
    need not be writable)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise OutputError(f"{path}: there is no record here (nothing has been recorded in it yet)") from None
    except OSError as exc:
        raise OutputError(f"{path}: the record cannot be read ({exc.strerror or exc})") from None
    _refuse_non_file(path, st.st_mode)


def _read_uri(path: Path) -> str:
    """The SQLite URI that opens ``path`` to read it (its connections also refuse to write: query_only).
    A record this process could write is opened as it is for writing, never created (``mode=rw``):
    SQLite then removes the -wal and -shm it makes beside it when done, as for a writer. One it cannot
    write is opened read-only (``mode=ro``); and since a read-only reader of a WAL file would leave a
    -wal and -shm there with the record's mode (a read-only -shm later stops every write), or cannot make
    them at all (a read-only folder or disk), it is read as it is (``immutable``: no companions, no
    locks; nothing can be writing it), unless a -wal is there already (rows not yet in the file)."""
    if _writable(path):
        return f"{path.as_uri()}?mode=rw"
    immutable = "" if path.with_name(path.name + "-wal").exists() else "&immutable=1"
    return f"{path.as_uri()}?mode=ro{immutable}"


def _writable(path: Path) -> bool:
    """Whether this process could write the record: its mode, the permissions, and its folder's."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


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
                if isinstance(statement, str):
                    conn.execute(statement)
                else:
                    statement(conn)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the transaction under way, where SQLite has not already: on a full disk or an I/O error it
    rolls back by itself, and a ROLLBACK then failed with "no transaction is active", which replaced the
    error that says what happened. A ROLLBACK that fails leaves the transaction uncommitted all the same
    (the connection is closed next): the first error is the one told."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version of the file (0: a new, empty file)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables - {"sqlite_sequence"}:
            raise OutputError(f"{path}: is an SQLite database of another program, not an ivig-handout record; "
                              "give another file")
        return 0
    return checked_version(conn.execute("SELECT version FROM schema_version").fetchall(), str(path), "file")


def checked_version(rows: Sequence[Any], where: str, kept_in: str) -> int:
    """The record's version from its schema_version rows (both backends); OutputError when the table is
    damaged or the record was written by a newer ivig-handout. ``kept_in``: "file" or "database"."""
    if len(rows) != 1 or not isinstance(rows[0][0], int) or rows[0][0] < 1:
        raise OutputError(f"{where}: the record's schema_version table is damaged; restore the {kept_in} from a "
                          "backup")
    version = int(rows[0][0])
    if version > VERSION:
        raise OutputError(f"{where}: was written by a newer ivig-handout (record version {version}; this one "
                          f"reads up to {VERSION}); upgrade ivig-handout")
    return version


def _check_columns(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """OutputError naming the first column the record's table lacks (a file edited by hand, or damaged)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(given)")}
    if not have:
        raise OutputError(f"{path}: the record has no table 'given'; restore the file from a backup or give "
                          "another file")
    for column in ("id", "at", *_COLUMNS, *(_NEW_COLUMNS if version >= 3 else ())):
        if column not in have:
            raise OutputError(f"{path}: the record's table 'given' has no column '{column}'; restore the file "
                              "from a backup or give another file")
    for column in LATE_COLUMNS if version >= 5 else ():
        if column not in have:
            raise OutputError(f"{path}: the record's table 'given' has no column '{column}'; restore the file "
                              "from a backup or give another file")
    if version >= 4 and "uuid" not in have:
        raise OutputError(f"{path}: the record's table 'given' has no column 'uuid'; restore the file from a backup "
                          "or give another file")
    if version >= 3 and {row[1] for row in conn.execute("PRAGMA table_info(void)")} != {"given_id", "at", "staff"}:
        raise OutputError(f"{path}: the record's table 'void' is damaged; restore the file from a backup or give "
                          "another file")


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


def select(version: int) -> str:
    """The query of rows (``g``) of a record at ``version``, with what an older one lacks as NULL."""
    columns = ", ".join(f"g.{name}" for name in _COLUMNS)
    late = ", ".join(f"g.{name}" if version >= 5 else "NULL" for name in LATE_COLUMNS)
    if version < 3:
        return f"SELECT g.id, g.at, {columns}, NULL, NULL, NULL, NULL, NULL, {late} FROM given g"
    key = "g.uuid" if version >= 4 else "NULL"
    return (f"SELECT g.id, g.at, {columns}, g.made, g.reprint_of, v.at, v.staff, {key}, {late} FROM given g "
            "LEFT JOIN void v ON v.given_id = g.id")


def late(given: Given) -> tuple[str | None, str | None]:
    """The values of LATE_COLUMNS."""
    return given.language, given.pack_edition


def _values(given: Given) -> tuple[Any, ...]:
    return (given.document, given.title, given.kind, given.layout, given.copies, given.sha256, given.edition,
            given.source_year, given.printer, given.job_id, given.by, given.patient)


def _entry(row: Sequence[Any]) -> Entry:
    """An Entry from a row of _select() (times as text, SQLite; or as datetimes, PostgreSQL)."""
    end = 2 + len(_COLUMNS)
    named = dict(zip(_COLUMNS, row[2:end], strict=True))
    named["by"] = named.pop("staff")
    made, reprint_of, void_at, void_by, key, language, edition = row[end:end + 7]
    when = _when(row[1])
    key = str(key) if key else legacy_uuid(int(row[0]), when, str(named["sha256"]))
    return Entry(id=int(row[0]), when=when, made=made, reprint_of=reprint_of, language=language, pack_edition=edition,
                 void_at=_when(void_at) if void_at else None, void_by=void_by, uuid=key, **named)


def _when(value: str | datetime) -> datetime:
    """A time of the record, in UTC."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).astimezone(UTC)


def legacy_uuid(entry_id: int, when: datetime, sha256: str) -> str:
    """The UUID of a row from before rows had their own (migration 4): the one its FHIR export always had."""
    return str(uuid.uuid5(_NAMESPACE, f"{entry_id}|{when.astimezone(UTC).isoformat()}|{sha256}"))


def _fill_uuids(conn: sqlite3.Connection) -> None:
    """Migration 4: each row's legacy_uuid."""
    rows = conn.execute("SELECT id, at, sha256 FROM given WHERE uuid IS NULL").fetchall()
    conn.executemany("UPDATE given SET uuid = ? WHERE id = ?",
                     [(legacy_uuid(int(i), _when(at), str(sha)), i) for i, at, sha in rows])


def _utc_text(since: datetime | date) -> str:
    """``since`` as the record's UTC text (a date: local midnight; a naive datetime: local time)."""
    if not isinstance(since, datetime):
        since = datetime.combine(since, time())
    try:
        if since.tzinfo is None:
            since = since.astimezone()  # local time
        return since.astimezone(UTC).isoformat(timespec="microseconds")
    except (OverflowError, ValueError):  # the first or last days of year 1 or 9999: before or after any row
        return "" if since.year < 2 else "9999-12-31T23:59:59.999999+00:00"


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
    if entry.reprint_of is not None:
        parts.append(f"a reprint of handout {entry.reprint_of}")
    note = ", ".join(parts)
    if entry.void_at is not None:
        who = f" by {entry.void_by}" if entry.void_by else ""
        note = f"VOID (undone{who} on {entry.void_at.astimezone().strftime('%Y-%m-%d %H:%M')}; not given): {note}"
    return note


# ``reprint_of``: the first row of the same handout (empty: a first handout); ``void_at``/``void_by``:
# when and by whom the row was undone (empty: it stands); ``uuid``: the row's own. Added after the older
# columns, so that a reader of the older export finds its columns where they were.
CSV_COLUMNS = ("id", "when", "document", "title", "kind", "layout", "copies", "edition", "source_year",
               "printer", "job_id", "by", "patient", "sha256", "reprint_of", "void_at", "void_by", "uuid",
               "language", "pack_edition")  # the last two since record version 5 (empty for older rows)


def as_dict(entry: Entry) -> dict[str, Any]:
    """The entry as plain data (``when`` and ``void_at`` as ISO 8601 text in UTC), keyed as CSV_COLUMNS."""
    void_at = entry.void_at.astimezone(UTC).isoformat(timespec="seconds") if entry.void_at else None
    data = asdict(entry) | {"when": entry.when.astimezone(UTC).isoformat(timespec="seconds"), "void_at": void_at,
                            "uuid": entry.uuid or legacy_uuid(entry.id, entry.when, entry.sha256)}
    return {key: data[key] for key in CSV_COLUMNS}


def as_csv(entries: Iterable[Entry]) -> str:
    """The entries as CSV (a header row, then one row each; times in UTC, empty cells for what is unknown),
    safe to open in a spreadsheet (export/spreadsheet.py: text that starts like a formula gets a leading
    single quote; ids, copies and years stay numbers)."""
    return csv_text(CSV_COLUMNS, (list(as_dict(entry).values()) for entry in entries))


# FHIR R4 codes (each from the code system its URI names; checked in tests/export/test_record.py)
CATEGORY = ("http://terminology.hl7.org/CodeSystem/communication-category", "instruction", "Instruction")
MEDIUM = ("http://terminology.hl7.org/CodeSystem/v3-ParticipationMode", "WRITTEN", "written")
URI_SYSTEM = "urn:ietf:rfc:3986"  # an identifier whose value is a URI
_NAMESPACE = uuid.UUID("6b0f1b9e-1a55-4f0c-9a8f-6e2a3f1c2d7b")  # ivig-handout's namespace for entry UUIDs


def as_fhir(entries: Iterable[Entry]) -> dict[str, Any]:
    """A FHIR R4 Bundle (type ``collection``) with one Communication per row (no ``entry`` at all when
    there are none: FHIR allows no empty arrays). A reprint is a Communication ``partOf`` its first
    handout's (a reference to it when it is in the same bundle, else its number as ``display``); a
    voided row has status ``entered-in-error``."""
    listed = list(entries)
    urns = {entry.id: _urn(entry) for entry in listed}
    items = [{"fullUrl": urns[entry.id], "resource": communication(entry, urns)} for entry in listed]
    return {"resourceType": "Bundle", "type": "collection"} | ({"entry": items} if items else {})


def communication(entry: Entry, urns: dict[int, str] | None = None) -> dict[str, Any]:
    """One handout given as a FHIR R4 Communication: completed (``entered-in-error`` when voided),
    category instruction, medium written, sent at the entry's time, the handout as its payload (an
    attachment: title, PDF, and the PDF's sha256 as an RFC 6920 ``ni:`` URI: FHIR's Attachment.hash is
    SHA-1 of data the record does not keep), the chart note as a note; a reprint ``partOf`` its first
    handout (by reference when ``urns`` holds it); the patient (as a display name) only when the record
    holds the name, the sender only when the staff member's initials were given."""
    sent = entry.when.astimezone(UTC).isoformat(timespec="seconds")
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [{"system": URI_SYSTEM, "value": _urn(entry)}],
        "status": "entered-in-error" if entry.void else "completed",
        "category": [_concept(CATEGORY, "Patient education")],
        "medium": [_concept(MEDIUM, "Printed handout")],
        "topic": {"text": entry.title or entry.document},
        "sent": sent,
        "payload": [{"contentAttachment": {"contentType": "application/pdf", "url": ni_uri(entry.sha256),
                                           "title": entry.title or entry.document, "creation": sent}}],
        "note": [{"text": chart_note(entry)}],
    }
    if entry.language:  # FHIR R4 Communication has no language of its own: Resource.language (a BCP 47 code)
        front = entry.language.split("+")[0]  # a two-language handout's: the front side's
        resource = {"resourceType": "Communication", "language": front} | resource
        resource["payload"][0]["contentAttachment"]["language"] = front
    if entry.reprint_of is not None:
        first = (urns or {}).get(entry.reprint_of)
        resource["partOf"] = [{"reference": first} if first else {"display": f"handout {entry.reprint_of}"}]
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
    return f"urn:uuid:{entry.uuid or legacy_uuid(entry.id, entry.when, entry.sha256)}"
