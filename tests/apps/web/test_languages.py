"""Issue 23 on the web page: the handout's language and a second language for the back are choices on
the main form (not a setting); a draft translation is offered but cannot be chosen unless the page was started with
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


def _options(body: str, field: str = "also") -> list[str]:
    select = body.split(f'<select id="{field}"')[1].split("</select>", maxsplit=1)[0]
    return [html.unescape(o) for o in re.findall(r"<option [^>]*>([^<]*)</option>", select)]


def test_the_second_language_is_on_the_main_form(tmp_path: Path) -> None:
    body = open_page(record_db=tmp_path / "r.sqlite3").client.get("/").text
    assert '<label for="also">Second language on the back</label>' in body
    assert '<label for="language">Language</label>' in body
    assert _options(body) == ["None", "English", DRAFT_LABEL] and _options(body, "language") == ["English", DRAFT_LABEL]
    assert len(re.findall(r'<option value="es"[^>]* disabled>', body)) == 2  # a draft: offered, not chosen
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
    spanish = "Español (Spanish): draft translation, not reviewed"  # usable here: the page allows drafts
    assert _options(body) == ["None", spanish, "English"] and _options(body, "language") == [spanish, "English"]


def test_a_roster_row_naming_a_draft_is_a_problem(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    data = b"name,disorder,also\nAna Lima,lems,es\nBob Li,lems,\n"
    checked = page.post("/roster", {"roster": (io.BytesIO(data), "roster.csv"), "layout": "letter"})
    said = html.unescape(checked.text)
    assert "is a draft translation" in said and "Bob Li" in said


def test_a_handout_in_another_language_from_the_form(tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    page = open_page(record_db=db, allow_draft=True)
    alone = page.post("/", handout_form(action="download", handout="LEMS", language="es"))
    assert alone.mimetype == "application/pdf"
    (only,) = (squash(t) for t in page_texts(alone.data))
    assert f"Preparado para {NAME}" in only and "IVIg para Síndrome miasténico" in only
    flipped = page.post("/", handout_form(action="download", handout="LEMS", language="es", also="own"))
    front, back = (squash(t) for t in page_texts(flipped.data))
    assert "IVIg para Síndrome miasténico" in front and "IVIg for Lambert-Eaton" in back
    assert [e.language for e in open_record(db).entries()] == ["es-US", "es-US+en-US"]
    same = page.post("/", handout_form(action="download", handout="LEMS", language="es", also="es"))
    assert same.status_code == 422
    assert "Second language: the same as the handout's language; choose another, or None" in html.unescape(same.text)
    refused = open_page(record_db=db).post("/", handout_form(action="download", handout="LEMS", language="es"))
    assert refused.status_code == 422 and "Language: Español (Spanish)" in html.unescape(refused.text)
