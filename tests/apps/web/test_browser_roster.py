"""Rosters go ahead, and Print again on the printer chosen (issue 20, points 5 and 11), in a real browser
(Playwright driving Debian's chromium) against ``ivig-handout serve`` with the private CUPS printers and
a record file of the test's own. A 20-row roster with one bad row: the page lists the bad row by its
line in the desk's words, "Print the 19 good rows" prints one job holding exactly those 19 handouts
(read back at the printer) and records exactly 19 rows; downloading them afterwards adds reprints only.
The server's temporary folder stays empty throughout (the upload is read in memory). Each new state is
axe-clean and has no sideways scrolling at 320 px. Synchronised on the page (Playwright's expect), never
on sleeps."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from ivig_handout.export.sinks.record import Entry, Record

from ...printserver import PrintServer
from .conftest import CHECKOUT, NAME, Page, handout_form, open_page, serve
from .test_desk_form import DEVELOPER, axe, no_sideways_scrolling

pytest.importorskip("playwright", reason="playwright is not installed (make install)")
from playwright.sync_api import Page as Browser  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from .test_browser import pick_mg  # noqa: E402

SHOTS = CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else None
NAMES = [f"Patient Number{i:02d}" for i in range(1, 21)]
BAD_LINE = 5  # the row of NAMES[3]: the header is line 1
BAD = "Line 5: “myastenia” is not a handout we have. Did you mean “Myasthenia gravis (MG)”?"


def day(folder: Path) -> Path:
    """20 patients; the one on line 5 has a misspelt disorder."""
    path = folder / "day.csv"
    lines = ["name,disorder"] + [f"{n},{'myastenia' if i + 2 == BAD_LINE else 'mg'}" for i, n in enumerate(NAMES)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = [n for i, n in enumerate(NAMES) if i + 2 != BAD_LINE]


def text(data: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def rows(db: Path) -> list[Entry]:
    return Record(db, read_only=True).entries()


def opened(page: Browser, url: str) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            and "422" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url + "/")
    page.set_default_timeout(20_000)
    return problems


def at_320(page: Browser) -> None:
    """No sideways scrolling at 320 px wide (WCAG 1.4.10), then back to a laptop's width."""
    page.set_viewport_size({"width": 320, "height": 700})
    no_sideways_scrolling(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_roster_with_a_bad_row_prints_its_19_good_rows(page: Browser, print_server: PrintServer,
                                                          tmp_path: Path) -> None:
    db, tmp = tmp_path / "record.sqlite3", tmp_path / "tmp"
    tmp.mkdir()
    roster = day(tmp_path)
    for served in serve("--printer", "clinic", "--record-db", str(db), tmpdir=tmp):
        problems = opened(page, served.url)
        page.get_by_label("Roster (CSV or XLSX)", exact=True).set_input_files(str(roster))
        page.get_by_label("Your initials (for this roster)", exact=True).fill("EF")
        page.get_by_role("button", name="Check roster").click()
        listed = page.locator("#roster-problems")
        expect(listed.get_by_role("heading")).to_have_text("1 row of the roster cannot be printed")
        expect(listed.get_by_role("listitem")).to_have_text([BAD])
        table = page.get_by_role("table", name="The 19 good rows, in roster order")
        expect(table.get_by_role("row")).to_have_count(20)  # the header row and the 19 good rows
        expect(table).not_to_contain_text(NAMES[BAD_LINE - 2])
        assert not DEVELOPER.search(page.locator("#roster-area").inner_text())  # no options, no files
        assert list(tmp.iterdir()) == []  # the upload was read in memory
        axe(page)
        at_320(page)
        if SHOTS:
            listed.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "web-roster-bad-row.png"), full_page=True)

        before = print_server.mark("clinic")
        page.get_by_role("button", name="Print the 19 good rows on clinic").click()
        sent = page.locator("#roster-area").get_by_role("status")
        expect(sent).to_contain_text("The letter print run (38 pages): printed on clinic as job clinic-")
        job = print_server.job("clinic", before)  # the one job, read back at the printer
        assert print_server.mark("clinic") == before + 1
        pages = text(job.document)
        assert len(pages) == 38 and [n for n in NAMES if any(n in p for p in pages)] == GOOD  # 19, in order
        entries = rows(db)
        assert len(entries) == 19 and {(e.document, e.by, e.printer, e.reprint_of) for e in entries} == {
            ("mg", "EF", "clinic", None)}
        expect(page.get_by_role("region", name="Today’s handouts").locator("caption")).to_have_text(
            "19 handouts given today, from the education record")
        axe(page)
        at_320(page)

        page.get_by_role("button", name="Check roster").click()  # the same file again: download the good rows
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the 19 good rows").click()
        assert [n for n in NAMES if any(n in p for p in text(Path(download.value.path()).read_bytes()))] == GOOD
        expect(page.get_by_role("region", name="Today’s handouts").locator("caption")).to_have_text(
            "19 handouts given today, 19 reprints, from the education record")
        assert sum(e.reprint_of is None for e in rows(db)) == 19  # given once; the download is a reprint of each
        assert list(tmp.iterdir()) == []
        assert problems == []


def test_print_again_on_the_second_printer(page: Browser, print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    for served in serve("--printer", "clinic", "--printer", "simplex", "--record-db", str(db)):
        problems = opened(page, served.url)
        pick_mg(page)
        page.get_by_label("Patient name", exact=True).fill(NAME)
        page.get_by_role("button", name="Preview").click()
        expect(page.locator(".preview")).to_contain_text(
            "Check it, then use “Download PDF” or the “Print on …” button of the printer next to you.")
        clinic, simplex = print_server.mark("clinic"), print_server.mark("simplex")
        page.get_by_role("button", name="Print on clinic").click()
        expect(page.get_by_role("status").filter(has_text="printed on clinic as job")).to_be_visible()
        print_server.job("clinic", clinic)
        page.get_by_role("button", name="Print again on simplex, handout 1").click()
        again = page.get_by_role("region", name="Today’s handouts").get_by_role("status")
        expect(again).to_contain_text("Printed again: IVIg for Myasthenia gravis (MG), letter, 1 copy, on simplex as "
                                      "job simplex-")
        assert NAME in " ".join(text(print_server.job("simplex", simplex).document))
        assert print_server.mark("clinic") == clinic + 1  # nothing more went to the first printer
        assert [(e.printer, e.reprint_of) for e in rows(db)] == [("clinic", None), ("simplex", 1)]
        axe(page)
        at_320(page)
        assert problems == []


def test_print_again_on_a_printer_that_refuses_is_a_printer_problem(print_server: PrintServer,
                                                                     tmp_path: Path) -> None:
    """'locked' takes nobody's jobs: the page says what to do at the desk, not the printing service's words."""
    desk: Page = open_page(printers=("clinic", "locked"), record_db=tmp_path / "r.sqlite3")
    assert desk.post("/print", handout_form(printer="clinic"), htmx=True).status_code == 200
    failed = desk.post("/record/again", {"entry": "1", "how": "print", "printer": "locked", "once": "t-1"}, htmx=True)
    assert failed.status_code == 422 and "Printer problem" in failed.text
    assert "The printer &#39;locked&#39;" in failed.text or "The printer 'locked'" in failed.text
    assert "lp:" not in failed.text and "cups" not in failed.text.lower()
    assert len(Record(tmp_path / "r.sqlite3").entries()) == 1  # nothing recorded for the failed print
