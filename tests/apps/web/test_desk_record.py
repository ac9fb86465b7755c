"""The record counts what was handed out, once (issue 20): a re-download of the same document is a
reprint of its first row; a roster's print run records the rows in that file, once; a print request
sent twice with its one-time token prints once (jobs counted at the private CUPS server); each row of
"Today's handouts" can be printed or downloaded again (a reprint) or undone (kept, marked void with
who and when), and the exports say so. Every check reads the record file back."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
from pathlib import Path

from ivig_handout.export.sinks.record import Entry, Record

from ...printserver import PrintServer
from .conftest import NAME, Page, handout_form, open_page

LAYOUTS = ["letter", "a4", "letter", "letter", "a4"] * 4  # 20 patients: 12 letter, 8 a4
ROSTER = ("name,disorder,layout,copies\n" + "".join(
    f"Patient {n:02d},{('mg', 'gbs', 'cidp', 'mmn')[n % 4]},{layout},{1 + n % 2}\n"
    for n, layout in enumerate(LAYOUTS))).encode()


def rows(db: Path) -> list[Entry]:
    return Record(db, read_only=True).entries()


def first_and_reprints(db: Path) -> tuple[int, int]:
    entries = rows(db)
    reprints = sum(getattr(e, "reprint_of", None) is not None for e in entries)  # (a record before version 3: 0)
    return len(entries) - reprints, reprints


def fetched(answer: object) -> str:
    """The address of the PDF an answer to htmx names (its "download-ready" event), having checked
    that it also refreshes "Today's handouts" (its "handouts-changed" event); 204, or 200 with what was
    made (the form's Download PDF)."""
    events = json.loads(answer.headers["HX-Trigger"])  # type: ignore[attr-defined]
    assert answer.status_code in (200, 204) and "handouts-changed" in events  # type: ignore[attr-defined]
    return str(events["download-ready"]["url"])


def token_of(body: str, name: str = "token") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', body)
    assert found, body
    return found.group(1)


def checked_roster(page: Page, data: bytes, **fields: str) -> str:
    made = page.post("/roster", {"roster": (io.BytesIO(data), "day.csv"), **fields}, content_type="multipart/form-data")
    assert made.status_code == 200, made.text
    return token_of(made.text)


def test_a_re_download_of_the_same_document_is_a_reprint(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    first = page.post("/", handout_form(action="download", by="AB"))
    again = page.post("/", handout_form(action="download", by="CD"))
    assert first.data == again.data and first.data.startswith(b"%PDF-")
    other = page.post("/", handout_form(action="download", patient_name="Bob Stone"))  # another patient: new
    assert other.status_code == 200
    assert [(e.id, e.reprint_of, e.by) for e in rows(db)] == [(1, None, "AB"), (2, 1, "CD"), (3, None, None)]
    today = html.unescape(page.client.get("/today").text)
    assert "by CD, a reprint of handout 1" in today
    assert "2 handouts given today, 1 reprint, from the education record" in today  # counted once


def test_the_page_s_download_answers_with_the_pdf_s_address_and_an_event(tmp_path: Path) -> None:
    """Download PDF through htmx: the PDF is made and recorded, the answer sends the browser to fetch it
    (an event for page.js; no name in the address) and tells "Today's handouts" to refresh (HX-Trigger)."""
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    made = page.post("/download", handout_form(), htmx=True)
    address = fetched(made)
    assert re.fullmatch(r"/download/[\w-]{20,}", address) and "Jane" not in address
    pdf = page.client.get(address)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="ivig-mg-letter.pdf"'
    assert open_page(record_db=tmp_path / "other.sqlite3").client.get(address).status_code == 404  # not another's
    refused = page.post("/download", handout_form(handout="zzz"), htmx=True)
    assert refused.status_code == 422 and "no handout is called 'zzz'" in html.unescape(refused.text)
    assert "HX-Trigger" not in refused.headers
    assert [(e.document, e.reprint_of) for e in rows(db)] == [("mg", None)]


def test_a_roster_s_print_runs_record_their_own_rows_once(tmp_path: Path) -> None:
    """20 patients (12 letter, 8 a4): the letter run records its 12 rows, the a4 run its 8, the letter
    run again 12 reprints and no new handout (it was 20, 40, 60 before: every row on every download)."""
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    token = checked_roster(page, ROSTER, by="EF")
    counts = []
    for layout in ("letter", "a4", "letter"):
        made = page.post("/roster/print-run", {"token": token, "layout": layout})
        assert made.status_code == 200 and made.headers["Content-Disposition"].endswith(f'roster-{layout}.pdf"')
        counts.append(first_and_reprints(db))
    assert counts == [(12, 0), (20, 0), (20, 12)]
    entries = rows(db)
    assert [e.layout for e in entries[:20]] == ["letter"] * 12 + ["a4"] * 8
    assert {e.by for e in entries} == {"EF"}  # the roster form's initials
    assert [e.reprint_of for e in entries[20:]] == [e.id for e in entries[:12]]
    answer = page.post("/roster/print-run", {"token": token, "layout": "a4"}, htmx=True)  # through htmx
    assert page.client.get(fetched(answer)).data.startswith(b"%PDF-")
    assert first_and_reprints(db) == (20, 20)


def test_the_roster_form_s_initials_are_checked(tmp_path: Path) -> None:
    page = open_page(record_db=tmp_path / "r.sqlite3")
    assert 'id="roster-by" name="by"' in page.client.get("/").text
    made = page.post("/roster", {"roster": (io.BytesIO(ROSTER), "d.csv"), "by": "A B <"},
                     content_type="multipart/form-data")
    assert made.status_code == 422 and "Your initials: give the staff member" in html.unescape(made.text)


def test_a_print_request_sent_twice_prints_once(print_server: PrintServer, tmp_path: Path) -> None:
    """The form sent twice with its one-time token (a double click without JavaScript): one job at the
    printer, one row, and both answers show that job's number."""
    db = tmp_path / "r.sqlite3"
    page = open_page(printer="clinic", record_db=db)
    found = re.search(r'name="once" value="([^"]+)"', page.client.get("/").text)
    once = found.group(1) if found else "one-token"  # (a page before tokens had none: the same form twice)
    at_cups, at_printer = print_server.jobs_at_cups(), print_server.mark("clinic")
    answers = [page.post("/", handout_form(action="print", once=once)) for _ in range(2)]
    jobs = [re.search(r"printed on clinic as job (clinic-\d+)", a.text) for a in answers]
    assert all(jobs) and jobs[0].group(1) == jobs[1].group(1)  # type: ignore[union-attr]
    assert print_server.jobs_at_cups() == at_cups + 1
    print_server.job("clinic", at_printer)  # at the printer, and nothing more queued at CUPS
    assert print_server.mark("clinic") == at_printer + 1
    assert [(e.job_id, e.reprint_of) for e in rows(db)] == [(jobs[0].group(1), None)]  # type: ignore[union-attr]
    fresh = token_of(answers[1].text, "once")
    assert fresh != once  # the page's next print is a new request
    page.post("/", handout_form(action="print", once=fresh))
    assert print_server.jobs_at_cups() == at_cups + 2 and first_and_reprints(db) == (1, 1)  # same name: reprint
    oob = page.post("/print", handout_form(once=fresh), htmx=True)  # htmx: a fresh token comes back out of band
    assert re.search(r'<input type="hidden" id="once" name="once" value="[^"]+" hx-swap-oob="true">', oob.text)
    assert print_server.jobs_at_cups() == at_cups + 2  # (that token was used)


def test_print_all_sent_twice_prints_once(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(printer="clinic", record_db=db)
    made = page.post("/roster", {"roster": (io.BytesIO(b"name,disorder\nAnn Lee,mg\nBob Stone,gbs\n"), "d.csv")},
                     content_type="multipart/form-data", htmx=True)
    token, found = token_of(made.text), re.search(r'name="once" value="([^"]+)"', made.text)
    once = found.group(1) if found else "one-token"
    at_cups = print_server.jobs_at_cups()
    answers = [page.post("/roster/print-all", {"token": token, "once": once}, htmx=True) for _ in range(2)]
    jobs = [re.findall(r"printed on clinic as job (clinic-\d+)", a.text) for a in answers]
    assert len(jobs[0]) == 1 and jobs[0] == jobs[1]  # both answers show the one job
    assert print_server.jobs_at_cups() == at_cups + 1 and first_and_reprints(db) == (2, 0)


def test_once_runs_the_work_once_and_a_second_request_waits_for_it() -> None:
    from ivig_handout.apps.web.once import Once

    once: Once[str] = Once()
    started, release, calls, answers = threading.Event(), threading.Event(), [], []

    def work() -> str:
        calls.append(1)
        started.set()
        release.wait()
        return f"job-{len(calls)}"

    first = threading.Thread(target=lambda: answers.append(once.run("t", "me", work)))
    first.start()
    started.wait()
    second = threading.Thread(target=lambda: answers.append(once.run("t", "me", work)))
    second.start()
    release.set()
    first.join()
    second.join()
    assert calls == [1] and answers == ["job-1", "job-1"]
    assert once.run("t", "someone else", work) == "job-2"  # another session's token is not this one
    assert once.run("", "me", work) == "job-3"  # no token: every request is its own


def test_a_failed_print_can_be_tried_again_with_the_same_token() -> None:
    from ivig_handout.apps.web.once import Once

    once: Once[str] = Once()

    def fails() -> str:
        raise ValueError("stopped")

    for _ in range(2):
        try:
            once.run("t", "me", fails)
        except ValueError:
            pass
    assert once.run("t", "me", lambda: "printed") == "printed"


def test_download_again_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    page.post("/", handout_form(action="download", by="AB"))
    today = page.client.get("/today").text
    assert 'id="download-again-1"' in today and 'id="undo-1"' in today and 'id="print-again-1"' not in today
    again = page.post("/record/again", {"entry": "1", "how": "download"})
    assert again.status_code == 200 and again.mimetype == "application/pdf"
    via_htmx = page.post("/record/again", {"entry": "2", "how": "download", "by": "GH"}, htmx=True)  # a reprint's
    assert page.client.get(fetched(via_htmx)).data == again.data  # row: the first made again
    assert [(e.id, e.reprint_of, e.by) for e in rows(db)] == [(1, None, "AB"), (2, 1, None), (3, 1, "GH")]
    bad = page.post("/record/again", {"entry": "1", "how": "download", "by": "G H"}, htmx=True)
    assert bad.status_code == 422 and "Your initials: give the staff member" in html.unescape(bad.text)

    asked = page.post("/record/undo", {"entry": "1", "by": "CD"}, htmx=True)  # first a question
    assert asked.status_code == 200 and "Undo handout 1?" in asked.text and 'value="CD" autofocus' in asked.text
    assert 'hx-trigger="' not in asked.text  # no refresh while the question is open
    assert not any(e.void for e in rows(db))
    nobody = page.post("/record/undo", {"entry": "1", "confirm": "yes", "by": ""}, htmx=True)
    assert nobody.status_code == 422 and "Your initials: type them" in nobody.text and "Undo handout 1?" in nobody.text
    done = page.post("/record/undo", {"entry": "1", "confirm": "yes", "by": "CD"}, htmx=True)
    assert done.status_code == 200 and "Handout 1 is marked as undone" in done.text
    assert "0 handouts given today, 2 reprints, 1 undone, from the education record" in done.text
    assert 'id="undo-1"' not in done.text and 'id="download-again-1"' not in done.text
    assert re.search(r'<tr class="void"><td data-label="No.">1</td>.*?<td data-label="Chart note">VOID \(undone by CD on [-\d]+ \d\d:\d\d; not given\): Gave',
                     done.text, flags=re.S)
    [void] = [e for e in rows(db) if e.void]
    assert (void.id, void.void_by, len(rows(db))) == (1, "CD", 3)  # kept: nothing deleted
    refused = page.post("/record/again", {"entry": "1", "how": "download"}, htmx=True)
    assert refused.status_code == 422 and "it was undone" in refused.text
    assert page.post("/record/undo", {"entry": "x"}).status_code == 404
    unknown = page.post("/record/undo", {"entry": "99", "confirm": "yes", "by": "CD"}, htmx=True)
    assert unknown.status_code == 422 and "Handout 99: there is no such handout in the record" in unknown.text
    assert str(db) not in unknown.text  # the page's words, not the file's path
    assert "Handout 99: there is no such" in page.post("/record/again", {"entry": "99", "how": "download"}).text

    exported = list(csv.DictReader(io.StringIO(page.client.get("/record/today.csv").text)))
    assert [(r["id"], r["reprint_of"], r["void_by"], bool(r["void_at"])) for r in exported] == [
        ("1", "", "CD", True), ("2", "1", "", False), ("3", "1", "", False)]
    bundle = json.loads(page.client.get("/record/today.fhir.json").text)
    resources = [item["resource"] for item in bundle["entry"]]
    assert [r["status"] for r in resources] == ["entered-in-error", "completed", "completed"]
    assert resources[1]["partOf"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
    assert resources[0]["note"][0]["text"].startswith("VOID (undone by CD on ")


def test_without_javascript_undo_is_a_page_with_the_question(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(record_db=db)
    page.post("/", handout_form(action="download"))
    asked = page.post("/record/undo", {"entry": "1"})
    assert asked.status_code == 200 and "<html" in asked.text and "Undo handout 1?" in asked.text
    done = page.post("/record/undo", {"entry": "1", "confirm": "yes", "by": "GH"})
    assert "<html" in done.text and "Handout 1 is marked as undone" in done.text
    assert [e.void_by for e in rows(db)] == ["GH"]


def test_print_again(print_server: PrintServer, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    page = open_page(printer="clinic", record_db=db)
    page.post("/", handout_form(action="download"))
    today = page.client.get("/today").text
    mark = print_server.mark("clinic")
    made = page.post("/record/again", {"entry": "1", "how": "print", "once": token_of(today, "once")}, htmx=True)
    found = re.search(r"Printed again: IVIg for Myasthenia gravis \(MG\), letter, 1 copy, on clinic as job\s+"
                      r"(clinic-\d+)", made.text)
    assert made.status_code == 200 and found, made.text
    assert NAME.encode() not in print_server.job("clinic", mark)["job-name"].encode()
    assert [(e.reprint_of, e.job_id) for e in rows(db)] == [(None, None), (1, found.group(1))]
