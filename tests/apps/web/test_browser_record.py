"""The record in a real browser (Playwright driving Debian's chromium) against ``ivig-handout serve``
with a record file of the test's own: a double click on Print prints one job (counted at the private
CUPS server) and adds one row; "Today's handouts" shows a download's row at once (an htmx event, not
the poll); a roster's print runs downloaded letter, a4, letter record its rows, then reprints only;
"Download again" and "Undo" on a row; axe-core on each new state. Synchronised on the page (Playwright's
expect) and on the network going quiet, never on sleeps."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ivig_handout.export.sinks.record import Entry, Record

from ...printserver import PrintServer
from .conftest import CHECKOUT, NAME, Served, serve

pytest.importorskip("playwright", reason="playwright is not installed (make install)")
from playwright.sync_api import Page, expect  # noqa: E402

from .test_browser import AXE_TAGS, pdf_text, pick_mg  # noqa: E402
from .test_browser import axe as axe_wcag  # noqa: E402

SHOTS = CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else None


def axe(page: Page) -> None:
    """axe-core's WCAG 2.1 A/AA rules (test_browser.axe) and its best practices: no violation."""
    axe_wcag(page)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                          "resultTypes: ['violations']})", [*AXE_TAGS, "best-practice"])
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found["violations"]] == []


def rows(db: Path) -> list[Entry]:
    return Record(db, read_only=True).entries()


def opened(page: Page, served: Served) -> Page:
    """The page, open; a script error or a CSP violation fails the test (a 422's log line is expected)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(served.url + "/")
    page.set_default_timeout(20_000)
    page.problems = problems  # type: ignore[attr-defined]
    return page


@pytest.fixture
def desk_db(tmp_path: Path) -> Path:
    return tmp_path / "record.sqlite3"


@pytest.fixture
def served_desk(desk_db: Path) -> Iterator[Served]:
    yield from serve("--record-db", str(desk_db))


def today(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name="Today’s handouts")


def counted(page: Page, said: str, timeout: float = 5_000) -> None:
    """Wait for "Today's handouts" to count ``said`` (its table's caption; 5 s: the poll was 30 s)."""
    expect(today(page).locator("caption")).to_have_text(f"{said}, from the education record", timeout=timeout)


def test_a_double_click_on_print_prints_once(page: Page, print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "record.sqlite3"
    for served in serve("--printer", "clinic", "--record-db", str(db)):
        opened(page, served)
        pick_mg(page)
        page.get_by_label("Patient name", exact=True).fill(NAME)
        at_cups, at_printer = print_server.jobs_at_cups(), print_server.mark("clinic")
        page.get_by_role("button", name="Print on clinic").dblclick()
        status = page.get_by_role("status").filter(has_text="printed on clinic as job clinic-")
        expect(status).to_be_visible()
        page.wait_for_load_state("networkidle")  # a second request, had there been one, has been answered
        counted(page, "1 handout given today")
        [entry] = rows(db)
        assert print_server.jobs_at_cups() == at_cups + 1
        print_server.job("clinic", at_printer)  # the job reached the printer, and CUPS has nothing more queued
        assert print_server.mark("clinic") == at_printer + 1  # one job at the printer itself
        expect(status).to_contain_text(f"as job {entry.job_id}.")  # the page shows that one job's number
        axe(page)
        if SHOTS:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(SHOTS / "web-printed-once.png"), full_page=True)
        page.get_by_role("button", name="Print again, handout 1").click()
        again = today(page).get_by_role("status")
        expect(again).to_contain_text("Printed again: IVIg for Myasthenia gravis (MG), letter, 1 copy, on clinic as job")
        counted(page, "1 handout given today, 1 reprint")
        expect(today(page)).to_contain_text("a reprint of handout 1")
        assert print_server.jobs_at_cups() == at_cups + 2
        assert [(e.reprint_of, e.job_id) for e in rows(db)] == [(None, entry.job_id), (1, rows(db)[1].job_id)]
        expect(again).to_contain_text(f"as job {rows(db)[1].job_id}.")
        axe(page)
        assert page.problems == []  # type: ignore[attr-defined]


def test_today_shows_a_download_at_once(page: Page, served_desk: Served, desk_db: Path) -> None:
    """The download's row is in "Today's handouts" straight after the download (it polled every 30 s)."""
    opened(page, served_desk)
    pick_mg(page)
    page.get_by_label("Patient name", exact=True).fill(NAME)
    page.get_by_label("Your initials", exact=True).fill("AB")  # the form's (the roster's says "for this roster")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    assert NAME in pdf_text(Path(download.value.path())) and download.value.suggested_filename == "ivig-mg-letter.pdf"
    counted(page, "1 handout given today")
    expect(today(page)).to_contain_text("by AB")
    assert [(e.document, e.by) for e in rows(desk_db)] == [("mg", "AB")]
    assert page.url == served_desk.url + "/"  # the page stayed; nothing in its address
    axe(page)

    page.get_by_label("Patient name", exact=True).fill(NAME)  # cleared for the next patient after a download
    with page.expect_download() as again:  # the same document again, from the form: a reprint
        page.get_by_role("button", name="Download PDF").click()
    counted(page, "1 handout given today, 1 reprint")
    expect(today(page)).to_contain_text("a reprint of handout 1")
    assert Path(again.value.path()).read_bytes() == Path(download.value.path()).read_bytes()
    with page.expect_download():
        page.get_by_role("button", name="Download again, handout 1").click()
    counted(page, "1 handout given today, 2 reprints")
    assert [(e.reprint_of, e.by) for e in rows(desk_db)] == [(None, "AB"), (1, "AB"), (1, "AB")]  # the form's
    axe(page)

    page.get_by_role("button", name="Undo, handout 2").click()
    initials = page.get_by_label("Your initials (to sign the undo)", exact=True)
    expect(initials).to_be_focused()
    expect(initials).to_have_value("AB")  # from the form above
    axe(page)
    page.get_by_role("button", name="Undo handout 2").click()
    undone = today(page).get_by_role("status")
    expect(undone).to_have_text("Handout 2 is marked as undone. It stays in the record, marked void.")
    expect(undone).to_be_focused()  # the button pressed is gone: the focus is on what happened
    expect(today(page).get_by_role("row").nth(2)).to_contain_text("VOID (undone by AB on ")
    counted(page, "1 handout given today, 1 reprint, 1 undone")
    expect(page.get_by_role("button", name="Undo, handout 2")).to_have_count(0)
    assert [(e.id, e.void_by) for e in rows(desk_db)] == [(1, None), (2, "AB"), (3, None)]
    axe(page)
    if SHOTS:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "web-today-undone.png"), full_page=True)
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_roster_s_runs_downloaded_twice_are_recorded_once(page: Page, served_desk: Served, desk_db: Path,
                                                            tmp_path: Path) -> None:
    roster = tmp_path / "day.csv"
    roster.write_text(f"name,disorder,layout\n{NAME},mg,letter\nBob Stone,gbs,a4\n", encoding="utf-8")
    opened(page, served_desk)
    page.get_by_label("Roster (CSV or XLSX)", exact=True).set_input_files(str(roster))
    page.get_by_label("Your initials (for this roster)", exact=True).fill("EF")
    page.get_by_role("button", name="Check roster").click()
    expect(page.get_by_role("cell", name="Bob Stone")).to_be_visible()
    counts = []
    for layout, shown in (("letter", "1 handout given today"), ("a4", "2 handouts given today"),
                          ("letter", "2 handouts given today, 1 reprint")):
        with page.expect_download() as download:
            page.get_by_role("button", name=f"Download print run ({layout})").click()
        assert download.value.suggested_filename == f"roster-{layout}.pdf"
        counted(page, shown)
        entries = rows(desk_db)
        counts.append((sum(e.reprint_of is None for e in entries), sum(e.reprint_of is not None for e in entries)))
    assert counts == [(1, 0), (2, 0), (2, 1)]  # the roster's 2 rows, then a reprint only (it was 2, 4, 6)
    assert {e.by for e in rows(desk_db)} == {"EF"}
    axe(page)
    assert page.problems == []  # type: ignore[attr-defined]


def test_undo_without_javascript(browser: Any, served_desk: Served, desk_db: Path) -> None:
    """Without JavaScript: the download is recorded, "Undo" is a page with the question, and the row is
    marked void; the record file says who."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_desk.url + "/")
    page.get_by_label("Handout", exact=True).fill("myasthenia")
    page.get_by_label("Patient name", exact=True).fill(NAME)
    with page.expect_download():
        page.get_by_role("button", name="Download PDF").click()
    page.goto(served_desk.url + "/")
    expect(today(page).locator("caption")).to_have_text("1 handout given today, from the education record")
    page.get_by_role("button", name="Undo, handout 1").click()
    initials = page.get_by_label("Your initials (to sign the undo)", exact=True)
    expect(initials).to_be_focused()  # (axe needs JavaScript: these states are checked with it above)
    initials.fill("JK")
    page.get_by_role("button", name="Undo handout 1").click()
    expect(today(page).get_by_role("status")).to_contain_text("Handout 1 is marked as undone")
    expect(today(page).locator("caption")).to_have_text("0 handouts given today, 1 undone, from the education record")
    assert [(e.id, e.void_by) for e in rows(desk_db)] == [(1, "JK")]
    context.close()
