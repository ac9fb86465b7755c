"""The page through Flask's test client: every label and button, previews, downloads read back,
rosters, and every form error as a message on the page (never a 500)."""

from __future__ import annotations

import html
import io
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from ivig_handout.api import layouts
from ivig_handout.resources import default_content_dir

from .conftest import NAME, Page, handout_form, open_page

MG_TEXT = "Myasthenia gravis (MG) is a disorder that affects how certain nerves communicate"


def text_of(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def messages(body: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<li>(.*?)</li>", body, flags=re.S)]


def test_page_has_every_label_and_button(page_client: Page) -> None:
    body = page_client.client.get("/").get_data(as_text=True)
    for label in ("Handout", "Layout", "Copies", "Patient name", "Date", "Roster (CSV or XLSX)"):
        assert re.search(rf"<label for=\"[a-z_-]+\">{re.escape(label)}</label>", body), label
    for button in ("Preview", "Download PDF", "Check roster"):
        assert f">{button}</button>" in body
    assert not re.search(r"<button[^>]*>Print", body)  # no printer configured: no Print button
    assert '<select id="clinic"' not in body  # one clinic or none: nothing to choose
    for name, layout in layouts().items():
        assert f"{name}: {layout.summary(desk=True)[1]}" in html.unescape(body)
    assert 'value="Myasthenia gravis (MG)"' in body and ">Find</button>" in body  # the search: apps/web/search.py
    assert re.search(r'id="date" name="date" type="text" autocomplete="off" value="\d{1,2} [A-Z][a-z]+ \d{4}"', body)


def test_several_clinics_are_offered_by_name(tmp_path: Path) -> None:
    for stem, name in (("north", "North Clinic"), ("south", "South Clinic")):
        (tmp_path / f"{stem}.yaml").write_text(f"name: {name}\nphone: 555-0100\n", encoding="utf-8")
    from ivig_handout.apps.web.app import clinic_choices

    page = open_page(clinics=clinic_choices(tmp_path))
    body = page.client.get("/").get_data(as_text=True)
    assert '<label for="clinic">Clinic</label>' in body and '<option value="south">South Clinic</option>' in body
    made = page.post("/", handout_form(action="download", clinic="south"))
    assert made.status_code == 200 and "South Clinic" in text_of(made.data)
    wrong = page.post("/preview", handout_form(clinic=str(tmp_path / "north.yaml")))  # a path: refused
    assert wrong.status_code == 422 and "Clinic: choose one of the clinics offered" in messages(wrong.text)


def test_preview_in_place_has_thumbnails_of_every_page(page_client: Page) -> None:
    made = page_client.post("/preview", handout_form(), htmx=True)
    assert made.status_code == 200 and "<html" not in made.text  # only the part that changed
    assert 'alt="Page 1 of 1"' in made.text
    src = re.search(r'<img src="(/preview/[A-Za-z0-9_-]+/1\.png)"', made.text).group(1)
    image = page_client.client.get(src)
    assert image.mimetype == "image/png" and image.headers["Cache-Control"] == "no-store"
    png = Image.open(io.BytesIO(image.data))
    assert png.width == 420 and 520 < png.height < 560  # letter, portrait
    full = page_client.post("/preview", handout_form(handout="full"), htmx=True)
    pages = len(re.findall(r'alt="Page \d+ of (\d+)"', full.text))
    assert pages > 1 and f'alt="Page {pages} of {pages}"' in full.text


def test_preview_without_javascript_answers_with_the_whole_page(page_client: Page) -> None:
    made = page_client.post("/", handout_form(action="preview"))
    assert made.status_code == 200 and "<html" in made.text and 'alt="Page 1 of 1"' in made.text
    assert 'value="Jane Quimby-Public"' in made.text  # the form comes back as typed


def test_preview_belongs_to_its_session(page_client: Page) -> None:
    made = page_client.post("/preview", handout_form(), htmx=True)
    src = re.search(r'<img src="([^"]+)"', made.text).group(1)
    other = open_page()
    assert other.client.get(src).status_code == 404
    assert page_client.client.get(src.replace("/1.png", "/2.png")).status_code == 404


def test_download_holds_the_name_and_the_disorder(page_client: Page) -> None:
    made = page_client.post("/", handout_form(action="download"))
    assert made.status_code == 200 and made.mimetype == "application/pdf"
    assert made.headers["Cache-Control"] == "no-store"
    assert made.headers["Content-Disposition"] == 'attachment; filename="ivig-mg-letter.pdf"'
    text = text_of(made.data)
    assert NAME in text and MG_TEXT in text and "1 December 2026" in text


def test_download_copies_of_a_one_page_handout_are_one_page_each(page_client: Page) -> None:
    """A one-page handout prints one-sided: 3 copies are 3 pages, no blank backs (issue 20, 6)."""
    made = page_client.post("/", handout_form(action="download", copies="3", layout="a4"))
    reader = PdfReader(io.BytesIO(made.data))
    assert [NAME in (p.extract_text() or "") for p in reader.pages] == [True, True, True]


def test_download_copies_of_a_two_sided_handout_each_start_on_a_front_side(page_client: Page) -> None:
    """The full sheet prints two-sided: each copy starts on a front side (odd page), a blank page after
    a copy with an odd page count."""
    one = page_client.post("/", handout_form(action="download", handout="full"))
    pages = len(PdfReader(io.BytesIO(one.data)).pages)
    made = page_client.post("/", handout_form(action="download", handout="full", copies="2"))
    reader = PdfReader(io.BytesIO(made.data))
    padded = pages + pages % 2
    assert len(reader.pages) == 2 * padded
    named = [i for i, p in enumerate(reader.pages) if NAME in (p.extract_text() or "")]
    assert named[0] == 0 and padded in named and all(i < pages or padded <= i < padded + pages for i in named)


def test_handout_found_by_abbreviation_alias_or_id(page_client: Page) -> None:
    for typed in ("mg", "MG", "myasthenia", "myasthenia gravis", "Myasthenia gravis (MG)"):
        made = page_client.post("/", handout_form(action="download", handout=typed, patient_name=""))
        assert made.status_code == 200 and MG_TEXT in text_of(made.data), typed


@pytest.mark.parametrize(("fields", "expected"), [
    ({"handout": ""}, "Handout: is empty"),
    ({"handout": "myasth"}, "Handout: no handout is called 'myasth'; did you mean Myasthenia gravis (MG)"),
    ({"handout": "zzz"}, "Handout: no handout is called 'zzz'"),
    ({"layout": "../../etc/passwd"}, "Layout: '../../etc/passwd' is not one of the layouts offered"),
    ({"copies": "0"}, "Copies: '0' is not a whole number from 1 to 100"),
    ({"copies": "many"}, "Copies: 'many' is not a whole number"),
    ({"copies": "101"}, "Copies: '101' is not a whole number"),
    ({"patient_name": "W" * 61}, "Patient name: is 61 characters long; at most 60 fit, shorten it"),
    ({"patient_name": "Ann\u0007Lee"}, "Patient name: a hidden character cannot be printed on the handout"),
    ({"patient_name": "Ann \u4e2d Lee"}, "Patient name: “\u4e2d” cannot be printed on the handout; type it again"),
    ({"date": "x" * 31}, "Date: is 31 characters long"),
])
def test_form_errors_are_messages_on_the_page(page_client: Page, fields: dict[str, str], expected: str) -> None:
    for path, extra, htmx in (("/preview", {}, True), ("/", {"action": "preview"}, False),
                              ("/", {"action": "download"}, False)):
        made = page_client.post(path, handout_form(**fields, **extra), htmx=htmx)
        assert made.status_code == 422, (path, made.status_code)
        assert made.mimetype == "text/html" and 'role="alert"' in made.text
        assert any(m.startswith(expected) for m in messages(made.text)), messages(made.text)


def test_every_problem_at_once(page_client: Page) -> None:
    made = page_client.post("/preview", handout_form(handout="zzz", copies="0", patient_name="W" * 70))
    assert [m.split(":")[0] for m in messages(made.text)] == ["Handout", "Copies", "Patient name"]


def test_notes_from_the_library_are_shown(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    sheet = pack / "sheet.yaml"
    sheet.write_text(re.sub(r'review_date: "[0-9-]+"', 'review_date: "2020-01-31"', sheet.read_text("utf-8")),
                     encoding="utf-8")
    page = open_page(content=pack)
    made = page.post("/preview", handout_form(), htmx=True)
    assert made.status_code == 200 and "<h3>Notes</h3>" in made.text
    notes = messages(made.text)
    assert any(m.startswith("The handouts’ text was last checked against current guidance on 31 January 2020. "
                            "Ask whoever looks after the handouts to check it again.") for m in notes), notes
    assert not any("ivig-handout" in m or "`" in m for m in notes)  # words for the desk, not the command line


# -- rosters -----------------------------------------------------------------------------------------

def upload(page: Page, data: bytes, name: str = "day.csv", layout: str = "letter", htmx: bool = True):  # type: ignore[no-untyped-def]
    return page.post("/roster", {"layout": layout, "roster": (io.BytesIO(data), name)}, htmx=htmx,
                     content_type="multipart/form-data")


ROSTER = f"name,disorder,date,copies\n{NAME},mg,1 December 2026,2\nBob Stone,CIDP,,\n".encode()


def test_roster_rows_then_the_print_run(page_client: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    checked = upload(page_client, ROSTER)
    assert checked.status_code == 200
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", checked.text)]
    assert cells == ["2", NAME, "1 December 2026", "Myasthenia gravis (MG)", "letter", "2",
                     "3", "Bob Stone", "", "Chronic inflammatory demyelinating polyneuropathy (CIDP)", "letter", "1"]
    assert ">Download print run</button>" in checked.text
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    assert NAME not in token
    run = page_client.post("/roster/print-run", {"token": token, "layout": "letter"})
    assert run.status_code == 200 and run.mimetype == "application/pdf"
    assert run.headers["Cache-Control"] == "no-store" and "roster-letter.pdf" in run.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(run.data))
    names = [("Jane" in (p.extract_text() or ""), "Bob Stone" in (p.extract_text() or "")) for p in reader.pages]
    assert names == [(True, False), (False, False), (True, False), (False, False), (False, True), (False, False)]
    assert list(tmp_path.iterdir()) == []  # the private folder is gone


def test_roster_bad_rows_are_listed_with_their_lines(page_client: Page) -> None:
    """The bad rows in the desk's words (no column names as the command line has them, no options), beside
    the good row, which goes ahead."""
    bad = b"name,disorder,copies\nAnn Lee,mg,1\nBob Stone,gbz,1\n,mg,1\nCy Dee,mg,lots\nDi Ewe,,1\nEd Fry,mg,1,x\n"
    for htmx in (True, False):
        checked = upload(page_client, bad, htmx=htmx)
        assert checked.status_code == 200 and 'role="alert"' in checked.text
        assert messages(checked.text) == [
            "Line 3: “gbz” is not a handout we have. Did you mean “Guillain-Barré syndrome (GBS)”?",
            "Line 4: the patient’s name is empty. Every row needs the patient’s name.",
            "Line 5: the number of copies, “lots”, is not a whole number from 1 to 1000.",
            "Line 6: the disorder is empty. Write the disorder, for example “CIDP”.",
            "Line 7: Column 4 has a value but no name in the header row; name the column or clear the cell."]
        assert "5 rows of the roster cannot be printed" in checked.text
        assert [c for c in cells(checked.text)][:2] == ["2", "Ann Lee"] and "Bob Stone" not in cells(checked.text)
        assert ">Download the 1 good row</button>" in checked.text
        assert "--doc" not in checked.text and "/tmp" not in checked.text and "disorder:" not in checked.text


def cells(body: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body)]


def test_roster_from_a_spreadsheet(page_client: Page) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Disorder", "Layout"])
    sheet.append([NAME, "MMN", "a4"])
    out = io.BytesIO()
    book.save(out)
    checked = upload(page_client, out.getvalue(), name="day.xlsx")
    assert checked.status_code == 200 and "Multifocal motor neuropathy (MMN)" in checked.text
    assert '<td data-label="Layout">a4</td>' in checked.text


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "Roster: choose a CSV or XLSX file first"),
    (b"disorder\nmg\n", "Line 1: No 'name' column; the first row names the columns"),
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (b"name,disorder\n" + b"Ann Lee,mg\n" * 301, "This roster has 301 patients; the page takes at most 300 at a time."),
    (b"name,disorder\nAnn Lee,zzz\n", "Line 2: “zzz” is not a handout we have. Write the disorder, for example “CIDP”."),
])
def test_roster_problems_are_messages(page_client: Page, data: bytes, expected: str) -> None:
    checked = upload(page_client, data)
    assert checked.status_code == 422
    assert any(expected in m for m in messages(checked.text)), messages(checked.text)


def test_roster_token_expired_or_foreign(page_client: Page) -> None:
    made = page_client.post("/roster/print-run", {"token": "nothing-here", "layout": "letter"})
    assert made.status_code == 422 and "upload it again" in made.text


def test_pages_that_do_not_exist(page_client: Page) -> None:
    assert page_client.client.get("/nothing").status_code == 404
    assert page_client.client.get("/preview").status_code == 405
    assert "Back to the handouts page" in page_client.client.get("/nothing").text


def test_a_bug_is_a_plain_page_and_one_log_line(page_client: Page, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from ivig_handout.apps.web import views

    def broken(request: object) -> object:
        raise RuntimeError(f"boom for {NAME}")

    monkeypatch.setattr(views, "build", broken)
    with caplog.at_level("DEBUG"):
        made = page_client.post("/preview", handout_form(), htmx=True)
    assert made.status_code == 500 and "Something went wrong in ivig-handout" in made.text
    assert "RuntimeError" in caplog.text and NAME not in caplog.text and NAME not in made.text
