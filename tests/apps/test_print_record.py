"""Printing and the education record together (issue 13, point 6): every job CUPS takes is a row with the
printer and job id CUPS gave it, the copies, the layout and the sha256 of the bytes sent; a job refused
records nothing; a batch's print runs add a row per document or roster row; a roster's handouts are
recorded when not printed too. Against the real private print server (tests/printserver.py) and real
SQLite files."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date
from hashlib import sha256
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivig_handout.api import content
from ivig_handout.apps.cli import main
from ivig_handout.export.sinks.record import Entry, Record

from ..printserver import PrintServer, page_words

SRC = Path(__file__).resolve().parents[2] / "src"
NAMES = ("Zofia Wiśniewska", "Ann Lee")
NOTE = "(`ivig-handout record note {first}` prints the line for the chart)"
# Get-Job-Attributes as the job's owner (CUPS hides a job's name from anyone else), every attribute.
GET_JOB = """{
  OPERATION get-job-attributes
  GROUP operation
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job
  ATTR name requesting-user-name $user
  ATTR keyword requested-attributes all
}
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def batch(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "ivig_handout", "batch", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def cups_job(server: PrintServer, job_id: str, tmp_path: Path) -> dict[str, str]:
    """The job ``QUEUE-N`` as the CUPS server holds it (ipptool): attribute name -> value."""
    queue, _, number = job_id.rpartition("-")
    test = tmp_path / "get-job.test"
    test.write_text(GET_JOB, encoding="utf-8")
    done = subprocess.run(["ipptool", "-tv", "-d", f"job={number}", "-d", "user=root",
                           f"ipp://{server.address}/printers/{queue}", str(test)],
                          env=server.env(), capture_output=True, text=True, timeout=30, check=True)
    return dict(re.findall(r"^\s+([\w-]+) \([^)]*\) = (.*)$", done.stdout, re.M))


def printed_jobs(stdout: str) -> dict[str, str]:
    """File (or document) -> the job id of each ``printed ... as job ID`` line."""
    return dict(re.findall(r"^printed (\S+) .* as job (\S+)$", stdout, re.M))


def record_bytes(db: Path) -> bytes:
    """Everything SQLite keeps for the record (the file, its write-ahead log and shared memory)."""
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


def digest(path: Path) -> str:
    return sha256(path.read_bytes()).hexdigest()


def test_print_records_the_job_the_printer_received(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    mark = print_server.mark()
    printed = run("print", "full", "--layout", "booklet", "--printer", "clinic", "--copies", "2", "--by", "AB",
                  "--record-db", db)
    assert printed.exit_code == 0 and printed.stderr == "", printed.output
    [(doc, job_id)] = printed_jobs(printed.stdout).items()
    assert doc == "full"
    assert printed.stdout.splitlines()[1] == f"recorded as handout 1 in {db} {NOTE.format(first=1)}"
    [entry] = Record(db).entries()
    assert (entry.document, entry.kind, entry.layout, entry.copies, entry.printer, entry.job_id, entry.by) == (
        "full", "full-sheet", "booklet", 2, "clinic", job_id, "AB")
    assert entry.patient is None and entry.edition == content().edition and entry.source_year == 2012
    received = print_server.job("clinic", mark)
    at_cups = cups_job(print_server, job_id, tmp_path)  # the job lp named, as CUPS holds it
    assert at_cups["job-printer-uri"].endswith("/printers/clinic") and at_cups["job-state"] == "completed"
    assert (at_cups["job-name"], at_cups["copies"]) == (received["job-name"], received["copies"]) == (
        "ivig-information-sheet-booklet", "2")
    # the bytes handed to lp: the same request written to a file (builds are deterministic) ...
    written = run("build", "--layout", "booklet", "-o", tmp_path / "booklet.pdf")
    assert written.exit_code == 0
    assert entry.sha256 == digest(tmp_path / "booklet.pdf")
    # ... which is what reached the printer, sheet by sheet (CUPS rewrites the PDF on the way)
    assert [Counter(w for w, *_ in page) for page in page_words(received.document)] == [
        Counter(w for w, *_ in page) for page in page_words((tmp_path / "booklet.pdf").read_bytes())]


def test_record_note_after_printing(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    mark = print_server.mark()
    printed = run("print", "gbs", "--copies", "2", "--patient-name", NAMES[0], "--by", "AB", "--record-db", db)
    assert printed.exit_code == 0, printed.output
    [job_id] = printed_jobs(printed.stdout).values()
    print_server.job("clinic", mark)
    noted = run("record", "note", "1", "--record-db", db)
    assert noted.exit_code == 0 and noted.stderr == ""
    edition = content().edition
    assert noted.stdout == (f'Gave the AAN handout "IVIg for Guillain-Barré syndrome (GBS)", letter, 2012 edition '
                            f"{edition}, 2 copies, {date.today().isoformat()}, printed on clinic (job {job_id}), "
                            "by AB\n")
    assert Record(db).get(1).patient is None  # no profile: names off
    assert NAMES[0].encode() not in record_bytes(db)


def test_print_records_a_named_patient_when_the_clinic_says_so(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    profile = tmp_path / "clinic.yaml"
    profile.write_text("name: Springfield Neurology\nrecord_names: yes\n", encoding="utf-8")
    mark = print_server.mark("simplex")
    printed = run("print", "mg", "--printer", "simplex", "--patient-name", NAMES[0], "--clinic", profile,
                  "--record-db", db)
    assert printed.exit_code == 0, printed.output
    print_server.job("simplex", mark)
    [entry] = Record(db).entries()
    assert (entry.patient, entry.printer, entry.copies, entry.by) == (NAMES[0], "simplex", 1, None)
    assert NAMES[0].encode() in record_bytes(db)


@pytest.mark.parametrize("case", ["unknown", "stopped", "rejecting", "refused", "strict", "no cups"])
def test_a_print_error_records_nothing(print_server: PrintServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       case: str) -> None:
    db = tmp_path / "record.sqlite3"
    queue = {"unknown": "clinc", "refused": "locked"}.get(case, "simplex")
    undo = {"stopped": "cupsenable", "rejecting": "cupsaccept"}.get(case)
    if undo:
        print_server.admin("cupsdisable" if case == "stopped" else "cupsreject", "simplex")
    if case == "no cups":
        monkeypatch.setenv("PATH", str(tmp_path))
    extra = ["--layout", "booklet", "--strict"] if case == "strict" else []
    before = print_server.jobs_at_cups()
    try:
        failed = run("print", "mg", "--printer", queue, "--by", "AB", "--record-db", db, *extra)
    finally:
        if undo:
            print_server.admin(undo, "simplex")
    assert failed.exit_code == 1 and failed.stdout == ""
    assert len(failed.stderr.splitlines()) == 1 and failed.stderr.startswith("error: ")
    assert print_server.jobs_at_cups() == before
    assert Record(db).entries() == []


def without_column(db: Path, column: str) -> Path:
    """A record whose table lacks ``column`` (edited by hand, or damaged)."""
    Record(db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"ALTER TABLE given DROP COLUMN {column}")
    conn.close()
    return db


def missing(db: Path, column: str) -> str:
    return (f"error: {db}: the record's table 'given' has no column '{column}'; restore the file from a backup or "
            "give another file")


@pytest.mark.parametrize("bad", ["folder", "garbage", "initials", "no column"])
def test_a_bad_record_prints_nothing(print_server: PrintServer, tmp_path: Path, bad: str) -> None:
    db = tmp_path / "record.sqlite3"
    if bad == "folder":
        db.mkdir()
    elif bad == "garbage":
        db.write_bytes(b"\x00garbage" * 100)
    elif bad == "no column":
        without_column(db, "job_id")
    before = print_server.jobs_at_cups()
    failed = run("print", "mg", "--record-db", db, "--by", "A B; drop" if bad == "initials" else "AB")
    assert failed.exit_code == 1 and failed.stdout == ""
    [line] = failed.stderr.splitlines()
    assert line.startswith("error: --by: give the staff member's initials" if bad == "initials" else f"error: {db}: ")
    if bad == "no column":
        assert line == missing(db, "job_id")
    assert print_server.jobs_at_cups() == before


def test_batch_records_each_document_of_each_print_run(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    args = ("--all", "--layouts", "letter,booklet", "--copies", "2", "--printer", "clinic", "--out-dir", "out",
            "--by", "CD", "--record-db", db)
    mark = print_server.mark()
    first = batch(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    jobs = printed_jobs(first.stdout)
    assert list(jobs) == ["print-run-letter.pdf", "print-run-booklet.pdf"]
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    docs = [f["document"] for f in manifest if f["layout"] == "letter" and f["document"] != "print-run"]
    assert len(docs) == 13 and docs[0] == "full"
    assert f"recorded as handouts 1 to 13 in {db} {NOTE.format(first=1)}" in first.stdout.splitlines()
    assert f"recorded as handouts 14 to 26 in {db} {NOTE.format(first=14)}" in first.stdout.splitlines()
    entries = Record(db).entries()
    expected = [(doc, layout, 2, "clinic", jobs[f"print-run-{layout}.pdf"], "CD") for layout in ("letter", "booklet")
                for doc in docs]
    assert [(e.document, e.layout, e.copies, e.printer, e.job_id, e.by) for e in entries] == expected
    for entry in entries:
        own = next(f for f in manifest if f["document"] == entry.document and f["layout"] == entry.layout)
        assert entry.sha256 == own["sha256"] == digest(out / own["file"])  # that document's own file
        assert entry.kind == ("full-sheet" if entry.document == "full" else "one-pager") and entry.patient is None
    assert {e.title for e in entries if e.document == "gbs"} == {"IVIg for Guillain-Barré syndrome (GBS)"}
    for number, layout in enumerate(("letter", "booklet")):
        received = print_server.job("clinic", mark + number)
        assert cups_job(print_server, jobs[f"print-run-{layout}.pdf"], tmp_path)["job-name"] == received[
            "job-name"] == f"print-run-{layout}"
    again = batch(*args, cwd=tmp_path)  # up to date: printed again, so handed out (and recorded) again
    assert again.returncode == 0 and again.stdout.startswith("up to date:")
    rerun = Record(db).entries()[26:]
    assert len(rerun) == 26 and {e.job_id for e in rerun} == set(printed_jobs(again.stdout).values())
    assert not {e.job_id for e in rerun} & set(jobs.values())
    print_server.job("clinic", mark + 3)


def test_a_written_batch_is_not_recorded(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    job = tmp_path / "job.yaml"
    job.write_text("documents: [gbs]\nlayouts: [letter]\noutput: out\n", encoding="utf-8")
    written = batch("job.yaml", "--record-db", db, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "recorded" not in written.stdout and not db.exists()
    with_by = batch("job.yaml", "--by", "AB", "--record-db", db, cwd=tmp_path)
    assert with_by.returncode == 2 and "--by goes with --printer or --roster" in with_by.stderr


def roster(tmp_path: Path) -> Path:
    """Two patients: the first on the default layout, the second in a4 with three copies."""
    path = tmp_path / "today.csv"
    path.write_text(f"name,disorder,layout,copies\n{NAMES[0]},gbs,,\n{NAMES[1]},mg,a4,3\n", encoding="utf-8")
    return path


def clinic(tmp_path: Path, record_names: str) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(f"name: Springfield Neurology\nrecord_names: {record_names}\n", encoding="utf-8")
    return path


def test_a_printed_roster_records_each_row_with_names_when_the_clinic_says_so(print_server: PrintServer,
                                                                               tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    roster(tmp_path)
    mark = print_server.mark()
    result = batch("--roster", "today.csv", "--clinic", clinic(tmp_path, "yes"), "--printer", "clinic", "--by", "EF",
                   "--out-dir", "out", "--record-db", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    jobs = printed_jobs(result.stdout)
    assert list(jobs) == ["roster-letter.pdf", "roster-a4.pdf"]
    out = tmp_path / "out"
    entries = Record(db).entries()
    assert [(e.document, e.layout, e.copies, e.printer, e.job_id, e.by, e.patient) for e in entries] == [
        ("gbs", "letter", 1, "clinic", jobs["roster-letter.pdf"], "EF", NAMES[0]),
        ("mg", "a4", 3, "clinic", jobs["roster-a4.pdf"], "EF", NAMES[1])]
    assert [e.sha256 for e in entries] == [digest(out / "roster-letter.pdf"), digest(out / "roster-a4.pdf")]
    assert all(name.encode() in record_bytes(db) for name in NAMES)
    assert not any(name.encode() in (out / "manifest.json").read_bytes() for name in NAMES)  # never there
    for number in range(2):
        print_server.job("clinic", mark + number)


def test_a_roster_not_printed_is_recorded_without_names(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    roster(tmp_path)
    result = batch("--roster", "today.csv", "--layout", "large-print", "--files", "--clinic", clinic(tmp_path, "no"),
                   "--out-dir", "out", "--record-db", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"recorded as handouts 1 to 2 in {db} {NOTE.format(first=1)}"
    out = tmp_path / "out"
    entries: list[Entry] = Record(db).entries()
    assert [(e.document, e.kind, e.layout, e.copies, e.printer, e.job_id, e.by, e.patient) for e in entries] == [
        ("gbs", "one-pager", "large-print", 1, None, None, None, None),
        ("mg", "one-pager", "a4", 3, None, None, None, None)]
    assert [e.sha256 for e in entries] == [digest(out / "row-0002-gbs-large-print.pdf"),
                                           digest(out / "row-0003-mg-a4.pdf")]  # each row's own file
    assert not any(name.encode() in record_bytes(db) for name in NAMES)


def test_a_roster_made_again_with_its_own_files_is_recorded_as_reprints(tmp_path: Path) -> None:
    """Issue 20: with --files each row's own PDF names its document, so the same roster made again adds
    reprints of the first rows, not new handouts (without --files a print run's hash names no row)."""
    db = tmp_path / "record.sqlite3"
    roster(tmp_path)
    args = ("--roster", "today.csv", "--layout", "large-print", "--files", "--out-dir", "out", "--record-db", db)
    assert batch(*args, cwd=tmp_path).returncode == 0
    again = batch(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith(f"recorded as handouts 3 to 4, 2 of them reprints in {db} ")
    assert [(e.id, e.reprint_of) for e in Record(db).entries()] == [(1, None), (2, None), (3, 1), (4, 2)]
    plain = ("--roster", "today.csv", "--out-dir", "plain", "--record-db", tmp_path / "plain.sqlite3")
    assert batch(*plain, cwd=tmp_path).returncode == 0 and batch(*plain, cwd=tmp_path).returncode == 0
    assert [e.reprint_of for e in Record(tmp_path / "plain.sqlite3").entries()] == [None] * 4


def test_a_roster_that_fails_records_nothing(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    roster(tmp_path)
    (tmp_path / "out" / "roster-a4.pdf").mkdir(parents=True)  # a folder where a print run must go
    result = batch("--roster", "today.csv", "--out-dir", "out", "--record-db", db, cwd=tmp_path)
    assert result.returncode == 1 and "recorded" not in result.stdout
    assert Record(db).entries() == []


def test_a_roster_job_file_is_recorded_and_a_bad_record_stops_it_first(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    roster(tmp_path)
    clinic(tmp_path, "yes")
    job = tmp_path / "roster.yaml"
    job.write_text("roster: today.csv\noutput: out\nclinic: clinic.yaml\n", encoding="utf-8")
    (tmp_path / "broken.sqlite3").write_bytes(b"\x00garbage" * 100)
    refused = batch("roster.yaml", "--by", "GH", "--record-db", tmp_path / "broken.sqlite3", cwd=tmp_path)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: {tmp_path / 'broken.sqlite3'}: ") and len(refused.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()  # checked before anything is made
    made = batch("roster.yaml", "--by", "GH", "--record-db", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert [(e.document, e.layout, e.by, e.patient, e.printer) for e in Record(db).entries()] == [
        ("gbs", "letter", "GH", NAMES[0], None), ("mg", "a4", "GH", NAMES[1], None)]


@pytest.mark.parametrize("files", [[], ["--files"]])
def test_a_record_without_a_column_stops_a_roster_before_any_file(tmp_path: Path, files: list[str]) -> None:
    db = without_column(tmp_path / "record.sqlite3", "patient")
    roster(tmp_path)
    result = batch("--roster", "today.csv", "--clinic", clinic(tmp_path, "yes"), *files, "--out-dir", "out",
                   "--record-db", db, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", missing(db, "patient") + "\n")
    assert not (tmp_path / "out").exists()  # no PDF, no manifest: checked before anything is made
