"""``serve`` offers the online copy beside "Download PDF": the button takes the form's handout (and
clinic) to its page, and /online/ answers with the same files as ``ivig-handout site``; never the
patient's name, in the address or on the page."""

from __future__ import annotations

from pathlib import Path

from ivig_handout.api import online_site

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
