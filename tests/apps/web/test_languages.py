"""Issue 23 on the web page: a second language for the back of the handout is a choice on the main form
(not a setting); a draft translation is offered but cannot be chosen unless the page was started with
--allow-draft; the PDF has English on the front and Spanish on the back, and the record says so; a
Spanish page's date field starts at today's date in Spanish; a roster row naming a draft is a problem."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from pathlib import Path

from ivig_handout.export.sinks.record import open_record
from ivig_handout.inputs.roster import format_date

from ...pdfcheck import page_texts, squash
from .conftest import NAME, handout_form, open_page

DRAFT_LABEL = "Español (Spanish): draft translation, not reviewed"


def _options(body: str) -> list[str]:
    select = body.split('<select id="also"')[1].split("</select>", maxsplit=1)[0]
    return [html.unescape(o) for o in re.findall(r"<option [^>]*>([^<]*)</option>", select)]


def test_the_second_language_is_on_the_main_form(tmp_path: Path) -> None:
    body = open_page(record_db=tmp_path / "r.sqlite3").client.get("/").text
    assert '<label for="also">Second language on the back</label>' in body
    assert _options(body) == ["None", DRAFT_LABEL]
    assert re.search(r'<option value="es"[^>]* disabled>', body)  # a draft: offered, not chosen
    allowed = open_page(record_db=tmp_path / "r.sqlite3", allow_draft=True).client.get("/").text
    assert not re.search(r'<option value="es"[^>]* disabled>', allowed)


def test_a_two_language_handout_from_the_form(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    page = open_page(record_db=db, allow_draft=True)
    made = page.post("/", handout_form(action="download", handout="LEMS", also="es"))
    assert made.status_code == 200 and made.mimetype == "application/pdf"
    front, back = (squash(t) for t in page_texts(made.data))
    assert f"Prepared for {NAME}" in front and "IVIg for Lambert-Eaton" in front
    assert f"Preparado para {NAME}" in back and "IVIg para Síndrome miasténico" in back
    [entry] = open_record(db).entries()
    assert (entry.document, entry.language) == ("lems", "en-US+es-US")


def test_a_draft_second_language_is_refused_without_allow_draft(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    refused = page.post("/", handout_form(action="download", handout="LEMS", also="es"))
    said = html.unescape(refused.text)
    assert refused.status_code == 422
    assert f"Second language: {DRAFT_LABEL}; it is not given to patients until it is reviewed" in said
    unknown = page.post("/", handout_form(action="download", handout="LEMS", also="xx"))
    assert unknown.status_code == 422 and "Second language: choose one of the languages offered" in unknown.text


def test_a_spanish_page_starts_at_todays_date_in_spanish(tmp_path: Path) -> None:
    body = open_page(record_db=tmp_path / "r.sqlite3", content=Path("es"), allow_draft=True).client.get("/").text
    wanted = format_date(date.today(), "es-US")
    assert f'value="{wanted}"' in body and "de" in wanted
    assert _options(body) == ["None", "English"]


def test_a_roster_row_naming_a_draft_is_a_problem(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    data = b"name,disorder,also\nAna Lima,lems,es\nBob Li,lems,\n"
    checked = page.post("/roster", {"roster": (io.BytesIO(data), "roster.csv"), "layout": "letter"})
    said = html.unescape(checked.text)
    assert "is a draft translation" in said and "Bob Li" in said
