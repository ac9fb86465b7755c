"""``serve`` offers the online copy beside "Download PDF": the button takes the form's handout (and
clinic) to its page, and /online/ answers with the same files as ``ivig-handout site``; never the
patient's name, in the address or on the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivig_handout.api import online_site
from ivig_handout.online import site as site_module

from ..apps.web.conftest import NAME, handout_form, open_page
from ..pdfcheck import page_texts, squash
from .conftest import EXAMPLE


def test_online_copy_button_beside_download(tmp_path: Path) -> None:
    page = open_page()
    html = page.client.get("/").get_data(as_text=True)
    download = html.index(">Download PDF</button>")
    online = html.index('value="online"')
    assert download < online < html.index('id="next-patient"')  # beside it, in the form's buttons
    answer = page.post("/", handout_form(action="online"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/online/mg.html"
    assert NAME not in answer.headers["Location"]
    got = page.client.get("/online/mg.html")
    assert got.status_code == 200 and got.mimetype == "text/html"
    assert got.get_data() == online_site().files["mg.html"]  # the same page as the site command's
    assert NAME.encode() not in got.get_data()


def test_every_file_of_the_site_is_served(tmp_path: Path) -> None:
    page = open_page(clinics={"main": EXAMPLE})
    made = online_site(clinic=EXAMPLE)
    for name, data in made.files.items():
        got = page.client.get(f"/online/{name}")
        assert got.status_code == 200 and got.get_data() == data, name
    assert page.client.get("/online/site.css").mimetype == "text/css"
    pdf = page.client.get("/online/gbs-large-print.pdf")
    assert pdf.mimetype == "application/pdf"
    assert "Guillain" in squash(page_texts(pdf.get_data())[0])
    assert page.client.get("/online/nothing.html").status_code == 404
    assert page.client.get("/online/../README.md").status_code == 404


def test_several_clinics_each_their_own_letterhead(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: Another Clinic\n", encoding="utf-8")
    page = open_page(clinics={"saojose": EXAMPLE, "other": other})
    answer = page.post("/", handout_form(action="online", clinic="other"))
    assert answer.headers["Location"] == "/online/other/mg.html"
    assert b"Another Clinic" in page.client.get("/online/other/mg.html").get_data()
    assert "Clínica São José" in page.client.get("/online/saojose/gbs.html").get_data(as_text=True)
    assert page.client.get("/online/nobody/gbs.html").status_code == 404


def test_a_repeat_request_is_answered_from_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/online/ writes the site's pages once per content pack and clinic profile (was: every page again
    on every request); the repeat answer is the same bytes, and a changed profile or content pack gives
    new pages."""
    written: list[str] = []
    document = site_module.document
    monkeypatch.setattr(site_module, "document", lambda plan, frame: written.append(plan.title) or document(plan, frame))
    clinic, content = tmp_path / "clinic.yaml", tmp_path / "content"
    clinic.write_text("name: First Clinic\n", encoding="utf-8")
    shutil.copytree(Path(site_module.__file__).parents[1] / "content", content)
    page = open_page(clinics={"main": clinic}, content=content)
    first = page.client.get("/online/gbs.html").get_data()
    assert b"First Clinic" in first and written
    pages = len(written)
    assert page.client.get("/online/gbs.html").get_data() == first
    assert page.client.get("/online/cidp.html").status_code == 200
    assert len(written) == pages  # no page written again
    clinic.write_text("name: Second Clinic\n", encoding="utf-8")
    second = page.client.get("/online/gbs.html").get_data()
    assert b"Second Clinic" in second and b"First Clinic" not in second and len(written) == 2 * pages
    sheet = content / "sheet.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("Guillain", "Guillainn", 1), encoding="utf-8")
    third = page.client.get("/online/gbs.html").get_data()
    assert third != second and len(written) == 3 * pages
