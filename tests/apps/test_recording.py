"""The education record on the command line: `build` and `one-pager` for a named patient add rows (only
once the PDF is written), `record list`, `record export` and `record note` read them; output and exit
codes, on real SQLite files."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from hashlib import sha256
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivig_handout.api import documents
from ivig_handout.apps.cli import main
from ivig_handout.export.sinks.record import Record, chart_note

from ..conftest import device, umask

NAME = "Ana Souza"


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


def test_every_handout_for_a_named_patient_gets_a_row(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    out = tmp_path / "out"
    unnamed = run("one-pager", "--all", "--out-dir", out, "--record-db", db)
    assert unnamed.exit_code == 0 and not db.exists()  # no name: nothing recorded, no record made
    named = run("one-pager", "--all", "--patient-name", NAME, "--by", "CD", "--out-dir", out, "--record-db", db)
    assert named.exit_code == 0, named.output
    entries = Record(db).entries()
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
    assert one_error(run("record", "list", "--record-db", db)).startswith(f"error: {db}: ")


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
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    conn.close()


def test_with_the_pdf_on_stdout_the_record_line_goes_to_stderr(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    made = run("one-pager", "gbs", "--patient-name", NAME, "--record-db", db, "-o", "-")
    assert made.exit_code == 0, made.stderr
    assert made.stdout_bytes.startswith(b"%PDF-") and made.stdout_bytes.rstrip().endswith(b"%%EOF")
    assert f"recorded as handout 1 in {db}" in made.stderr
    assert Record(db).get(1).sha256 == sha256(made.stdout_bytes).hexdigest()
