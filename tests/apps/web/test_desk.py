"""The page's Print buttons (against the real private print server, tests/printserver.py) and the
education record: each download for a named patient and each print is a row; "Today's handouts"
lists them with their chart notes; the exports hold names only when the clinic records them."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from ivig_handout.apps.cli import main
from ivig_handout.export.sinks.record import Record

from ...printserver import PrintServer
from .conftest import NAME, handout_form, open_page

ROSTER = f"name,disorder,copies\n{NAME},mg,2\nBob Stone,gbs,1\n".encode()


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def cells(body: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.S)]


def named_clinic(tmp_path: Path) -> dict[str, Path]:
    profile = tmp_path / "desk.yaml"
    profile.write_text("name: North Clinic\nrecord_names: yes\n", encoding="utf-8")
    return {"desk": profile}


def test_download_for_a_named_patient_is_recorded(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    page = open_page(record_db=db)
    assert "No handouts recorded yet today" in page.client.get("/").text
    assert page.post("/", handout_form(action="download", by="AB", copies="2")).status_code == 200
    assert page.post("/", handout_form(action="download", patient_name="")).status_code == 200  # no name: no row
    [entry] = Record(db).entries()
    assert (entry.document, entry.layout, entry.copies, entry.by, entry.printer, entry.patient) == \
        ("mg", "letter", 2, "AB", None, None)
    body = page.client.get("/").text
    assert "Today’s handouts" in body and "1 handout given today" in body
    assert 'Gave the AAN handout "IVIg for Myasthenia gravis (MG)", letter' in html.unescape(body)
    assert NAME not in body.split('id="today"')[1]  # the record keeps no name: none shown
    today = page.client.get("/today")
    assert today.status_code == 200 and "<html" not in today.text and 'hx-trigger="handouts-changed from:body, every 120s"' in today.text


def test_exports_hold_names_only_when_the_clinic_records_them(tmp_path: Path) -> None:
    plain = open_page(record_db=tmp_path / "plain.sqlite3")
    plain.post("/", handout_form(action="download"))
    made = plain.client.get("/record/today.csv")
    assert made.headers["Cache-Control"] == "no-store" and made.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="handouts-\d{4}-\d\d-\d\d\.csv"', made.headers["Content-Disposition"])
    [row] = list(csv.DictReader(io.StringIO(made.text)))
    assert row["document"] == "mg" and row["patient"] == "" and NAME not in made.text
    named = open_page(record_db=tmp_path / "named.sqlite3", clinics=named_clinic(tmp_path))
    named.post("/", handout_form(action="download"))
    assert [r["patient"] for r in csv.DictReader(io.StringIO(named.client.get("/record/today.csv").text))] == [NAME]
    assert f'<td data-label="Patient">{NAME}</td>' in named.client.get("/").text.split('id="today"')[1]
    fhir = named.client.get("/record/today.fhir.json")
    bundle = json.loads(fhir.text)
    assert fhir.headers["Cache-Control"] == "no-store" and bundle["resourceType"] == "Bundle"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Communication"]


def test_bad_initials_are_a_message(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    made = page.post("/", handout_form(action="download", by="A B <script>"))
    assert made.status_code == 422 and "Your initials: give the staff member" in html.unescape(made.text)
    assert Record(tmp_path / "r.sqlite3").entries() == []


def test_no_printer_no_print(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    assert "Print on" not in page.client.get("/").text
    assert page.post("/print", handout_form()).status_code == 404
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data")
    assert "Print all" not in checked.text


def test_roster_print_run_records_each_row(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data")
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    assert page.post("/roster/print-run", {"token": token}).status_code == 200
    assert [(e.document, e.copies) for e in Record(db).entries()] == [("mg", 2), ("gbs", 1)]


def test_print_sends_the_handout_and_records_it(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(printer="clinic", record_db=db)
    assert ">Print on clinic</button>" in page.client.get("/").text
    mark = print_server.mark("clinic")
    made = page.post("/print", handout_form(copies="2", by="CD"), htmx=True)
    assert made.status_code == 200, made.text
    found = re.search(r"printed on clinic as job (clinic-\d+)", made.text)
    assert found and 'hx-swap-oob="true"' in made.text  # "Today's handouts" updated in place too
    job = print_server.job("clinic", mark)
    assert job["copies"] == "2" and NAME not in job["job-name"]
    assert NAME in pdf_text(job.document)
    [entry] = Record(db).entries()
    assert (entry.printer, entry.job_id, entry.copies, entry.by) == ("clinic", found.group(1), 2, "CD")
    without_js = page.post("/", handout_form(action="print"))
    assert without_js.status_code == 200 and "<html" in without_js.text and "printed on clinic" in without_js.text
    print_server.job("clinic", mark + 1)


def test_print_all_of_a_roster(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(printer="clinic", record_db=db)
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data",
                        htmx=True)
    assert ">Print all on clinic</button>" in checked.text
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    mark = print_server.mark("clinic")
    made = page.post("/roster/print-all", {"token": token}, htmx=True)
    assert made.status_code == 200 and "The letter print run (" in made.text and "printed on clinic as job" in made.text
    text = pdf_text(print_server.job("clinic", mark).document)
    assert NAME in text and "Bob Stone" in text
    assert [(e.document, e.printer) for e in Record(db).entries()] == [("mg", "clinic"), ("gbs", "clinic")]


def test_print_problems_are_messages(print_server: PrintServer, tmp_path: Path) -> None:
    page = open_page(printer="clinic", record_db=tmp_path / "r.sqlite3")
    print_server.admin("cupsdisable", "clinic")
    try:
        made = page.post("/print", handout_form(), htmx=True)
    finally:
        print_server.admin("cupsenable", "clinic")
    said = html.unescape(made.text)
    assert made.status_code == 422 and "The printer 'clinic' is stopped (paper jam?)" in said
    assert "Downloads still work." in said and "--printer" not in said and "cupsenable" not in said
    assert Record(tmp_path / "r.sqlite3").entries() == []


def test_serve_checks_the_record_first(tmp_path: Path) -> None:
    (tmp_path / "not-a-record").write_text("hello", encoding="utf-8")
    bad = CliRunner().invoke(main, ["serve", "--record-db", str(tmp_path / "not-a-record")])
    assert bad.exit_code == 1 and bad.output.startswith("error: ")
