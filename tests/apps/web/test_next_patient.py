"""No name carries over to the next patient (issue 20, point 3), in a real browser (Playwright driving
Debian's chromium) against ``ivig-handout serve``: after a Download or a Print the page says what was
made (role=status, axe-clean) and the patient's name and date are cleared (the date back to today);
"Next patient" clears them, and the preview, at any time; the same without JavaScript. Synchronised on
the page (Playwright's expect), never on sleeps."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ivig_handout.apps.web.forms import HandoutForm
from ivig_handout.export.sinks.record import Record

from ...printserver import PrintServer
from .conftest import CHECKOUT, NAME, Served, serve

pytest.importorskip("playwright", reason="playwright is not installed (make install)")
from playwright.sync_api import Page, expect  # noqa: E402

from .test_browser import pdf_text, pick_mg  # noqa: E402
from .test_browser_record import axe  # noqa: E402

SHOTS = CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else None
DAY = "1 December 2026"  # a date typed for the patient, not today's


@pytest.fixture
def served_desk(tmp_path: Path) -> Iterator[Served]:
    yield from serve("--record-db", str(tmp_path / "record.sqlite3"))


def fill_patient(page: Page) -> None:
    page.get_by_label("Patient name", exact=True).fill(NAME)
    page.get_by_label("Date", exact=True).fill(DAY)


def cleared(page: Page) -> None:
    """The name is empty and the date is today's again."""
    expect(page.get_by_label("Patient name", exact=True)).to_have_value("")
    expect(page.get_by_label("Date", exact=True)).to_have_value(HandoutForm().date)


def test_the_name_is_cleared_after_download(page: Page, served_desk: Served) -> None:
    page.goto(served_desk.url + "/")
    pick_mg(page)
    fill_patient(page)
    page.get_by_label("Copies", exact=True).fill("2")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    text = pdf_text(Path(download.value.path()))
    assert NAME in text and DAY in text  # the PDF was made with them, before they were cleared
    said = page.get_by_role("status").filter(has_text="Downloaded")
    expect(said).to_contain_text("IVIg for Myasthenia gravis (MG), letter: 2 copies, 2 sheets.")
    expect(said).to_contain_text("cleared for the next patient")
    cleared(page)
    expect(page.get_by_label("Handout", exact=True)).to_have_value("Myasthenia gravis (MG)")  # kept
    axe(page)


def test_the_name_is_cleared_after_print(page: Page, print_server: PrintServer, tmp_path: Path) -> None:
    for served in serve("--printer", "clinic", "--record-db", str(tmp_path / "record.sqlite3")):
        page.goto(served.url + "/")
        pick_mg(page)
        fill_patient(page)
        page.get_by_role("button", name="Print on clinic").click()
        said = page.get_by_role("status").filter(has_text="Sent to the printer")
        expect(said).to_be_visible()
        [entry] = Record(tmp_path / "record.sqlite3", read_only=True).entries()
        expect(said).to_contain_text(f"IVIg for Myasthenia gravis (MG), letter, 1 copy: printed on clinic as job "
                                     f"{entry.job_id}.")
        expect(said).to_contain_text("Paper: 1 copy, 1 sheet.")
        expect(said).to_contain_text("cleared for the next patient")
        cleared(page)
        axe(page)
        if SHOTS:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(SHOTS / "web-printed.png"), full_page=True)
            page.set_viewport_size({"width": 1366, "height": 768})
            page.screenshot(path=str(SHOTS / "web-page.png"), full_page=True)


def test_next_patient_clears_the_name_date_and_preview(page: Page, served_desk: Served) -> None:
    page.goto(served_desk.url + "/")
    pick_mg(page)
    fill_patient(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("img", name="Page 1 of 1")).to_be_visible()
    page.get_by_role("button", name="Next patient").click()
    cleared(page)
    expect(page.get_by_role("img", name="Page 1 of 1")).to_have_count(0)
    expect(page.get_by_label("Patient name", exact=True)).to_be_focused()
    axe(page)


def test_without_javascript(browser: Any, print_server: PrintServer, tmp_path: Path) -> None:
    """Without JavaScript: Download answers with the page that says what was made, the form cleared,
    and fetches the PDF; Print and Next patient answer with the form cleared too."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for served in serve("--printer", "clinic", "--record-db", str(tmp_path / "record.sqlite3")):
        page.goto(served.url + "/")
        page.get_by_label("Handout", exact=True).fill("myasthenia")
        fill_patient(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download PDF").click()
        assert NAME in pdf_text(Path(download.value.path()))
        expect(page.get_by_role("status").filter(has_text="Downloaded")).to_contain_text(
            "IVIg for Myasthenia gravis (MG), letter: 1 copy, 1 sheet.")
        cleared(page)  # (axe-core cannot run without JavaScript: the same state is checked with it above)

        fill_patient(page)
        page.get_by_role("button", name="Print on clinic").click()
        expect(page.get_by_role("status").filter(has_text="Sent to the printer")).to_contain_text("printed on clinic")
        cleared(page)

        fill_patient(page)
        page.get_by_role("button", name="Next patient").click()
        cleared(page)
        expect(page.get_by_label("Handout", exact=True)).to_have_value("myasthenia")
        assert [e.document for e in Record(tmp_path / "record.sqlite3", read_only=True).entries()] == ["mg", "mg"]
    context.close()
