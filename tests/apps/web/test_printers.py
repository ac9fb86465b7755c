"""The page's printers (``serve --printer``, once per printer) against the private print server: each
printer has its Print button, a job goes to the printer whose button was pressed, and a printer that
is stopped or missing when the server starts is a warning on the page (in words for the desk), not a
reason for the page not to start; the printer is looked at again when printing, so one that comes
back is used without restarting the server."""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ivig_handout.apps.web import WebConfig
from ivig_handout.export.sinks.record import Record

from ...printserver import PrintServer
from .conftest import CHECKOUT, NAME, handout_form, open_page, serve
from .test_desk import ROSTER, pdf_text

STOPPED = "The printer 'simplex' is stopped (paper jam?)"
MISSING = "There is no printer called 'nosuch' on this computer."
STILL = "Downloads still work."


def buttons(body: str) -> list[str]:
    """The Print buttons of the page: each one's printer and words."""
    return [f"{value}: {' '.join(html.unescape(text).split())}" for value, text in
            re.findall(r'<button type="submit" name="printer" value="([^"]+)".*?>(.*?)</button>', body, flags=re.S)]


def quiet(print_server: PrintServer, queue: str, mark: int) -> None:
    """``queue``'s printer received nothing after ``mark``, and CUPS holds nothing for it."""
    assert print_server.mark(queue) == mark and print_server.admin("lpstat", "-o", queue).strip() == ""


def test_config_keeps_the_first_printer_as_the_default() -> None:
    config = WebConfig(port=80, printers=("clinic", "simplex", "clinic"))
    assert (config.printer, config.printers) == ("clinic", ("clinic", "simplex"))
    assert WebConfig(port=80, printer="clinic").printers == ("clinic",)
    assert WebConfig(port=80).printers == () and WebConfig(port=80).printer is None


def test_two_printers_each_get_the_jobs_sent_to_them(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(printers=("clinic", "simplex"), record_db=db)
    body = page.client.get("/").text
    assert buttons(body) == ["clinic: Print on clinic", "simplex: Print on simplex"]
    assert "Printer problem" not in body
    clinic, simplex = print_server.mark("clinic"), print_server.mark("simplex")
    made = page.post("/print", handout_form(printer="simplex"), htmx=True)
    assert made.status_code == 200 and "printed on simplex as job simplex-" in made.text
    assert NAME in pdf_text(print_server.job("simplex", simplex).document)
    quiet(print_server, "clinic", clinic)
    without_js = page.post("/print", handout_form(printer="clinic"))  # the button's formaction, no JavaScript
    assert without_js.status_code == 200 and "<html" in without_js.text and "printed on clinic" in without_js.text
    print_server.job("clinic", clinic)
    quiet(print_server, "simplex", simplex + 1)
    assert [e.printer for e in Record(db).entries()] == ["simplex", "clinic"]
    other = page.post("/print", handout_form(printer="locked"), htmx=True)  # a queue the page does not offer
    assert other.status_code == 400 and "not one of this page’s printers" in other.text
    checked = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv")}, content_type="multipart/form-data")
    assert ">Print all on clinic</button>" in checked.text and ">Print all on simplex</button>" in checked.text
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    roster = page.post("/roster/print-all", {"token": token, "printer": "simplex"}, htmx=True)
    assert roster.status_code == 200 and "printed on simplex" in roster.text
    assert "Bob Stone" in pdf_text(print_server.job("simplex", simplex + 1).document)
    quiet(print_server, "clinic", clinic + 1)


def test_a_stopped_printer_is_a_warning_and_comes_back(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    print_server.admin("cupsdisable", "simplex")
    try:
        page = open_page(printers=("clinic", "simplex", "nosuch"), record_db=db)
        body = html.unescape(page.client.get("/").text)
        assert STOPPED in body and MISSING in body and body.count(STILL) == 2
        assert buttons(body) == ["clinic: Print on clinic", "simplex: Print on simplex (stopped)",
                                 "nosuch: Print on nosuch (not found)"]
        assert 'aria-describedby="printer-problem-2"' in body and 'id="printer-problem-2"' in body
        mark = print_server.mark("simplex")
        refused = page.post("/print", handout_form(printer="simplex"), htmx=True)
        assert refused.status_code == 422 and STOPPED in html.unescape(refused.text)
    finally:
        print_server.admin("cupsenable", "simplex")
    came_back = page.post("/print", handout_form(printer="simplex"), htmx=True)  # no restart
    said = html.unescape(came_back.text)
    assert came_back.status_code == 200 and "printed on simplex as job simplex-" in said
    assert STOPPED not in said and MISSING in said  # the warning, updated in place (hx-swap-oob)
    assert "simplex: Print on simplex" in buttons(said)
    print_server.job("simplex", mark)
    assert [e.printer for e in Record(db).entries()] == ["simplex"]


def test_serve_starts_with_a_stopped_or_missing_printer(page: Any, browser: Any, print_server: PrintServer,
                                                         tmp_path: Path) -> None:
    pytest.importorskip("playwright", reason="playwright is not installed (make install)")
    from playwright.sync_api import expect

    from .test_browser import axe, pick_mg

    print_server.admin("cupsdisable", "simplex")
    try:
        for served in serve("--printer", "clinic", "--printer", "simplex", "--printer", "nosuch",
                            "--record-db", str(tmp_path / "record.sqlite3")):
            page.goto(served.url + "/")
            warning = page.locator("#printer-status")
            expect(warning).to_contain_text(STOPPED)
            expect(warning).to_contain_text(MISSING)
            stopped = page.get_by_role("button", name="Print on simplex (stopped)")
            expect(stopped).to_have_accessible_description(re.compile(re.escape(STOPPED)))
            axe(page)
            if os.environ.get("IVIG_SCREENSHOT") == "1":
                page.set_viewport_size({"width": 1280, "height": 900})
                page.screenshot(path=str(CHECKOUT / "docs" / "web-printer-stopped.png"), full_page=True)
            print_server.admin("cupsenable", "simplex")  # the jam is cleared
            pick_mg(page)
            page.get_by_label("Patient name", exact=True).fill(NAME)
            clinic, simplex = print_server.mark("clinic"), print_server.mark("simplex")
            for _ in range(20):  # the keyboard alone: Tab reaches the button, Enter presses it
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.value") == "simplex":
                    break
            else:
                raise AssertionError("Tab never reached the Print on simplex button")
            page.keyboard.press("Enter")
            expect(page.get_by_role("status")).to_contain_text("printed on simplex as job simplex-")
            expect(warning).not_to_contain_text(STOPPED)
            expect(page.get_by_role("button", name="Print on simplex", exact=True)).to_be_visible()
            axe(page)
            assert NAME in pdf_text(print_server.job("simplex", simplex).document)
            quiet(print_server, "clinic", clinic)
            without_js(browser, served.url, print_server)
        said = served.process.stderr.read() if served.process.stderr else ""
        assert "warning: printer simplex is stopped" in said and "no printer called 'nosuch'" in said
    finally:
        print_server.admin("cupsenable", "simplex")


def without_js(browser: Any, url: str, print_server: PrintServer) -> None:
    """Without JavaScript, the second printer's button sends the form to that printer (formaction)."""
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(url + "/")
    plain.get_by_label("Handout", exact=True).fill("myasthenia")
    plain.get_by_label("Patient name", exact=True).fill(NAME)
    clinic, simplex = print_server.mark("clinic"), print_server.mark("simplex")
    plain.get_by_role("button", name="Print on simplex", exact=True).click()
    expect(plain.get_by_role("status")).to_contain_text("printed on simplex as job simplex-")
    assert NAME in pdf_text(print_server.job("simplex", simplex).document)
    quiet(print_server, "clinic", clinic)
    context.close()
