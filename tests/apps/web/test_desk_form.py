"""The handout form as staff meet it (issue 20): errors where the eye is (an error summary at the top of
the form that takes the focus and links to each field at fault, with JavaScript and without), words for
the desk (never an option, a point size or a file), copies that print right and the paper they take,
the clinic by its name near the top, small screens (no sideways scrolling at 320 px, 390 px or 200 %
zoom; sharp thumbnails on a 2x screen, each opening full size), and the main actions in view on a
1366x768 laptop. In Chromium (Playwright) with axe-core on every state, and through the test client."""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from ...conftest import edit
from ...printserver import PrintServer
from .conftest import CHECKOUT, NAME, VENDOR, Page, Served, handout_form, open_page, serve
from .test_desk import ROSTER

pytest.importorskip("playwright", reason="playwright is not installed (make install)")
from playwright.sync_api import Page as Browser  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SHOTS = CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else None
# Developer words that must never reach the page: options, commands, point sizes, profile keys, files.
DEVELOPER = re.compile(r"--[a-z]|ivig-handout |`|\b\d+(\.\d+)? pt\b|qr_url|\.ya?ml\b|\bU\+[0-9A-F]{4}")


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from serve()


@pytest.fixture
def desk(page: Browser, served: Served) -> Browser:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            and "422" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(served.url + "/")
    yield page  # type: ignore[misc]
    assert problems == []


def axe(page: Browser) -> None:
    """axe-core's WCAG 2.1 A/AA rules and best practices on the page as it is now: no violation."""
    page.evaluate((VENDOR / "axe.min.js").read_text(encoding="utf-8"))
    found: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    assert [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in found["violations"]] == []
    assert len(found["passes"]) >= 30  # axe really ran


def no_sideways_scrolling(page: Browser) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


def staff_words(page: Browser) -> None:
    text = page.locator("main").inner_text()
    assert not DEVELOPER.search(text), DEVELOPER.search(text)


def summary_has_focus(page: Browser, link: str, field: str) -> None:
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    box = summary.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None and 0 <= box["y"] and box["y"] + 60 <= viewport["height"], box
    target = summary.get_by_role("link", name=re.compile(re.escape(link)))
    expect(target).to_have_attribute("href", f"#{field}")
    control = page.locator(f"#{field}")
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_accessible_description(re.compile(r"Error: "))


def test_a_failed_download_puts_the_error_summary_in_view_and_in_focus(desk: Browser) -> None:
    desk.set_viewport_size({"width": 1280, "height": 900})
    desk.get_by_label("Handout", exact=True).fill("zzz")
    desk.get_by_label("Patient name", exact=True).fill(NAME)
    desk.get_by_role("button", name="Download PDF").click()
    summary_has_focus(desk, "Handout: no handout is called 'zzz'", "handout")
    expect(desk.locator("#handout-error")).to_contain_text("No handout is called 'zzz'")
    axe(desk)
    staff_words(desk)
    if SHOTS:
        desk.screenshot(path=str(SHOTS / "web-error-summary.png"))
    desk.locator("#error-summary").get_by_role("link").click()
    expect(desk.get_by_label("Handout", exact=True)).to_be_focused()


def test_the_summary_with_htmx_focuses_and_clears(desk: Browser) -> None:
    desk.get_by_label("Handout", exact=True).fill("zzz")
    desk.get_by_label("Copies", exact=True).fill("0")
    desk.get_by_label("Patient name", exact=True).fill("W" * 70)
    desk.get_by_role("button", name="Preview").click()
    summary_has_focus(desk, "Copies: '0' is not a whole number", "copies")
    links = desk.locator("#error-summary a")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == ["#handout", "#copies", "#patient_name"]
    axe(desk)
    handout = desk.get_by_label("Handout", exact=True)  # still the combobox after the swap
    handout.fill("")
    handout.press_sequentially("myasth")
    desk.get_by_role("option", name="Myasthenia gravis (MG)").click()
    desk.get_by_label("Copies", exact=True).fill("1")
    desk.get_by_label("Patient name", exact=True).fill(NAME)
    desk.get_by_role("button", name="Preview").click()
    expect(desk.get_by_role("img", name="Page 1 of 1")).to_be_visible()
    expect(desk.locator("#error-summary")).to_have_count(0)
    expect(desk.locator("[aria-invalid]")).to_have_count(0)
    expect(desk.locator(".error-message")).to_have_count(0)
    axe(desk)


def test_the_summary_without_javascript(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served.url + "/")
    page.get_by_label("Handout", exact=True).fill("zzz")
    page.get_by_label("Date", exact=True).fill("x" * 31)
    page.get_by_role("button", name="Download PDF").click()
    summary_has_focus(page, "Handout: no handout is called 'zzz'", "handout")
    expect(page.locator("#date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#date-error")).to_contain_text("Is 31 characters long")
    context.close()


def actions_in_view(page: Browser) -> None:
    for name in ("Preview", "Download PDF"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 768, (name, box)


def test_the_main_actions_are_in_view_on_a_laptop(desk: Browser) -> None:
    desk.set_viewport_size({"width": 1366, "height": 768})
    desk.reload()
    actions_in_view(desk)
    axe(desk)
    if SHOTS:
        desk.screenshot(path=str(SHOTS / "web-laptop-1366x768.png"))


def test_the_main_actions_are_in_view_with_a_choice_of_clinics(page: Browser, tmp_path: Path) -> None:
    clinic_profile(tmp_path, "north-v2", "North Neurology Clinic")
    clinic_profile(tmp_path, "south", "South Infusion Centre")
    for served in serve("--clinics", str(tmp_path)):
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(served.url + "/")
        clinic = page.get_by_label("Clinic", exact=True)
        expect(clinic.locator("option")).to_have_text(["North Neurology Clinic", "South Infusion Centre"])
        actions_in_view(page)
        axe(page)
        page.set_viewport_size({"width": 320, "height": 640})
        no_sideways_scrolling(page)
        axe(page)


def states(page: Browser, served: Served, roster: Path) -> Iterator[str]:
    """Every state of the page, one after another (the name of each)."""
    yield "opened"
    page.get_by_label("Handout", exact=True).press_sequentially("my")
    yield "list of matches"
    page.get_by_label("Handout", exact=True).fill("zzz")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("no handout is called 'zzz'")
    yield "error summary"
    page.get_by_label("Handout", exact=True).fill("Myasthenia gravis (MG)")
    page.get_by_label("Patient name", exact=True).fill(NAME)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("img", name="Page 1 of 1")).to_be_visible()
    yield "preview"
    with page.expect_download():
        page.get_by_role("button", name="Download PDF").click()
    page.goto(served.url + "/")
    expect(page.get_by_role("region", name="Today’s handouts").get_by_role("table")).to_be_visible()
    yield "today's handouts"
    roster.write_text(f"name,disorder,date,layout,copies\n{NAME},myasthenia gravis,1 December 2026,large-print,2\n"
                      "Bob Stone,gbz,,,\n", encoding="utf-8")
    page.get_by_label("Roster (CSV or XLSX)", exact=True).set_input_files(str(roster))
    page.get_by_role("button", name="Check roster").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "roster with a bad row"
    roster.write_text(f"name,disorder,date,layout,copies\n{NAME},mg,1 December 2026,large-print,2\n"
                      "Bob Stone-Featherstonehaugh,Chronic inflammatory demyelinating polyneuropathy,,,\n",
                      encoding="utf-8")
    page.get_by_label("Roster (CSV or XLSX)", exact=True).set_input_files(str(roster))
    page.get_by_role("button", name="Check roster").click()
    expect(page.get_by_role("cell", name="Bob Stone-Featherstonehaugh")).to_be_visible()
    yield "roster"


@pytest.mark.parametrize(("width", "height", "scale"), [(320, 640, 1), (390, 844, 2), (683, 384, 2)],
                         ids=["320px", "390px", "200%-zoom"])
def test_no_sideways_scrolling_on_small_screens(browser: Any, served: Served, tmp_path: Path, width: int,
                                                height: int, scale: int) -> None:
    """WCAG 1.4.10: no page-level sideways scrolling at 320 px, on a 390 px phone, or at 200 % zoom on a
    1366x768 laptop (683 CSS pixels across); tables reflow."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
    page = context.new_page()
    page.goto(served.url + "/")
    for state in states(page, served, tmp_path / "day.csv"):
        try:
            no_sideways_scrolling(page)
            if width == 320:
                axe(page)
                staff_words(page)
        except AssertionError as exc:
            raise AssertionError(f"{state}: {exc}") from exc
        if SHOTS and width == 390 and state in ("preview", "roster"):
            page.screenshot(path=str(SHOTS / f"web-390px-{state}.png"), full_page=True)
    context.close()


def test_thumbnails_are_sharp_on_a_2x_screen_and_open_full_size(browser: Any, served: Served) -> None:
    context = browser.new_context(device_scale_factor=2, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served.url + "/")
    page.get_by_label("Handout", exact=True).fill("Myasthenia gravis (MG)")
    page.get_by_role("button", name="Preview").click()
    thumb = page.get_by_role("img", name="Page 1 of 1")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    source = page.evaluate("img => img.currentSrc", thumb.element_handle())
    assert source.endswith("@2x.png")  # the 2x image is the one shown
    assert Image.open(io.BytesIO(page.request.get(source).body())).width == 840
    link = page.get_by_role("link", name="Page 1 of 1 Open page 1 full size (opens in a new tab)")
    with context.expect_page() as opened:
        link.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.images[0].naturalWidth") == 1275  # the page full size
    axe(page)
    context.close()


# -- through the test client -------------------------------------------------------------------------

def test_the_paper_a_job_takes_is_said(page_client: Page) -> None:
    one = page_client.post("/preview", handout_form(copies="3"), htmx=True)
    assert "Paper: 3 copies, 3 sheets." in html.unescape(one.text)
    full = page_client.post("/preview", handout_form(handout="full", copies="2"), htmx=True)
    pages = int(re.search(r"(\d+) pages\.", full.text).group(1))
    sheets = 2 * ((pages + 1) // 2)
    assert f"Paper: 2 copies of {pages} pages, two-sided: {sheets} sheets." in html.unescape(full.text)


def test_a_handout_too_long_for_its_page_is_worded_for_the_desk(tmp_path: Path, pack: Path) -> None:
    """A clinic profile with every text at its limit in the widest letters (the note in its 3
    paragraphs) and a 60-character name, with a content pack whose MG text runs longer (the profile
    alone fits since issue 21), do not fit the MG one-pager on letter: the command line's "10 pt ... qr_url ... `ivig-handout layouts`"
    becomes what to do at the desk, tied to the Layout field, and what it advises works."""
    last = "The person may need a breathing machine."
    edit(pack, "sheet.yaml", last, last + " WWWWWWW WWWWWW." * 60)
    wide = "WWWWWWW " * 60
    profile = tmp_path / "clinic.yaml"
    profile.write_text("\n".join([f"name: {wide[:80]}", f"department: {wide[:60]}", "address: |",
                                   *[f"  {wide[:60]}"] * 3, f"questions: {wide[:160]}", f"note_heading: {wide[:40]}",
                                   "note: |", *[f"  {wide[:130].strip()}\n" for _ in range(3)],
                                   "phone: (217) 555-0142", "qr_url: https://example.org/{id}",
                                   "prepared_for: yes", ""]), encoding="utf-8")
    page = open_page(clinics={"example": profile}, content=pack)
    longest = ("Maria da Conceição Albuquerque Nascimento de Oliveira Santos Lima" * 2)[:60].strip()
    form = handout_form(patient_name=longest, date="28 September 2026")
    refused = page.post("/", {**form, "action": "download"})
    said = html.unescape(refused.text)
    assert refused.status_code == 422 and 'id="error-summary"' in said
    summary = re.search(r'<div id="error-summary".*?</div>', said, flags=re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", summary).split())
    assert ("with the clinic’s details and the patient’s name, this handout does not fit on one page of the letter "
            "layout. Choose the large-print layout") in text and '<a href="#layout">' in summary
    assert not DEVELOPER.search(text), text
    assert 'id="layout" name="layout" aria-describedby="layout-error" aria-invalid="true"' in said
    made = page.post("/", {**form, "action": "download", "layout": "large-print"})
    assert made.status_code == 200 and made.mimetype == "application/pdf"


def test_a_part_left_out_is_a_note_for_the_desk() -> None:
    example = CHECKOUT / "examples" / "clinic.yaml"
    page = open_page(clinics={"example": example})
    made = page.post("/preview", handout_form(handout="gbs"), htmx=True)
    said = html.unescape(made.text)
    assert made.status_code == 200
    assert ("To fit the letter layout, this handout is printed without the ruled box for the care team’s notes."
            in said)
    assert "was left out of" not in said


def clinic_profile(folder: Path, stem: str, name: str) -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(f"name: {name}\nphone: 555-0100\n", encoding="utf-8")
    return path


def test_the_clinic_is_named_at_the_top_of_the_form(tmp_path: Path) -> None:
    one = open_page(clinics={"north-v2": clinic_profile(tmp_path, "north-v2", "North Neurology Clinic")})
    body = html.unescape(one.client.get("/").text)
    assert "Clinic: North Neurology Clinic" in re.sub(r"<[^>]+>", "", body) and "north-v2" not in body
    assert body.index("Clinic: <strong>North") < body.index('<label for="handout">')
    two = open_page(clinics={"north-v2": tmp_path / "north-v2.yaml",
                             "south": clinic_profile(tmp_path, "south", "South Infusion Centre")})
    body = html.unescape(two.client.get("/").text)
    assert '<option value="south">South Infusion Centre</option>' in body
    assert body.index('<label for="clinic">Clinic</label>') < body.index('<label for="handout">')


def test_a_printer_problem_in_print_all_is_a_printer_problem(print_server: PrintServer, tmp_path: Path) -> None:
    page = open_page(printers=("simplex",), record_db=tmp_path / "r.sqlite3")
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data")
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    mark = print_server.mark("simplex")
    print_server.admin("cupsdisable", "simplex")
    try:
        refused = page.post("/roster/print-all", {"token": token, "printer": "simplex"}, htmx=True)
    finally:
        print_server.admin("cupsenable", "simplex")
    said = html.unescape(refused.text)
    assert refused.status_code == 422 and "<h3>Printer problem</h3>" in said
    assert "The roster has problems" not in said and "Fix these in the file" not in said
    assert "The printer 'simplex' is stopped" in said and "--printer" not in said
    assert "Print all on simplex" in said and "Bob Stone" in said  # the roster is still there to print
    assert print_server.mark("simplex") == mark


def test_a_one_sided_printer_is_worded_for_the_desk(print_server: PrintServer, tmp_path: Path) -> None:
    """The full sheet on a printer without duplex comes out one-sided: the confirmation says so in the
    desk's words (the command line's names a command and a file)."""
    page = open_page(printers=("simplex",), record_db=tmp_path / "r.sqlite3")
    mark = print_server.mark("simplex")
    printed = page.post("/print", handout_form(handout="full", printer="simplex"), htmx=True)
    said = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(printed.text)).split())
    assert printed.status_code == 200 and "printed on simplex as job simplex-" in said
    job = print_server.job("simplex", mark)
    found = re.search(r"The printer simplex prints on one side only, so the (\d+) pages came out on (\d+) sheets\. "
                      r"For two-sided copies, print on a printer that prints on both sides\.", said)
    assert found and found.group(1) == found.group(2) and int(found.group(1)) > 1, said
    assert job["sides"] in ("", "one-sided") and len(PdfReader(io.BytesIO(job.document)).pages) == int(found.group(1))
    assert not DEVELOPER.search(said) and ".pdf" not in said


def test_print_all_is_said_in_the_desks_words(print_server: PrintServer, tmp_path: Path) -> None:
    page = open_page(printers=("clinic",), record_db=tmp_path / "r.sqlite3")
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data")
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    mark = print_server.mark("clinic")
    printed = page.post("/roster/print-all", {"token": token, "printer": "clinic"}, htmx=True)
    said = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(printed.text)).split())
    pages = len(PdfReader(io.BytesIO(print_server.job("clinic", mark).document)).pages)
    assert f"The letter print run ({pages} pages): printed on clinic as job clinic-" in said
    assert ".pdf" not in said and not DEVELOPER.search(said)


def test_printer_states_reflow_at_320_px(page: Browser, print_server: PrintServer, tmp_path: Path) -> None:
    """The printers' states at 320 px wide: a stopped printer's warning, a print's confirmation, a
    roster sent to the printer, and a printer problem during Print all; no sideways scrolling, axe-clean."""
    roster = tmp_path / "day.csv"
    roster.write_bytes(ROSTER)
    print_server.admin("cupsdisable", "simplex")
    try:
        for served in serve("--printer", "clinic", "--printer", "simplex", "--record-db", str(tmp_path / "r.db")):
            page.set_viewport_size({"width": 320, "height": 640})
            page.goto(served.url + "/")
            expect(page.locator("#printer-status")).to_contain_text("The printer 'simplex' is stopped")
            checked(page, "stopped printer")
            page.get_by_label("Handout", exact=True).fill("Myasthenia gravis (MG)")
            page.get_by_label("Patient name", exact=True).fill(NAME)
            mark = print_server.mark("clinic")
            page.get_by_role("button", name="Print on clinic").click()
            expect(page.get_by_role("status")).to_contain_text("printed on clinic as job clinic-")
            expect(page.get_by_role("status")).to_contain_text("Paper: 1 copy, 1 sheet.")
            print_server.job("clinic", mark)
            checked(page, "printed")
            page.get_by_label("Roster (CSV or XLSX)", exact=True).set_input_files(str(roster))
            page.get_by_role("button", name="Check roster").click()
            page.get_by_role("button", name="Print all on simplex (stopped)").click()
            expect(page.locator("#roster-area").get_by_role("alert")).to_contain_text("Printer problem")
            expect(page.get_by_role("button", name="Print all on clinic")).to_be_visible()  # the roster is kept
            checked(page, "printer problem in Print all")
            mark = print_server.mark("clinic")
            page.get_by_role("button", name="Print all on clinic").click()
            expect(page.locator("#roster-area").get_by_role("status")).to_contain_text("The letter print run")
            print_server.job("clinic", mark)
            checked(page, "roster printed")
    finally:
        print_server.admin("cupsenable", "simplex")


def checked(page: Browser, state: str) -> None:
    try:
        no_sideways_scrolling(page)
        axe(page)
        staff_words(page)
    except AssertionError as exc:
        raise AssertionError(f"{state}: {exc}") from exc
