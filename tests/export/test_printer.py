"""The printer sink against a real private print server (tests/printserver.py): what each layout's job
carries when it reaches the printer, the text and page order of what the printer got, one-sided
printers, and every way CUPS can say no."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from ivig_handout.api import Request, build, patient
from ivig_handout.errors import OutputError
from ivig_handout.export.sinks import Artifact
from ivig_handout.export.sinks.printer import PrinterSink, job_options, printers

from ..printserver import Job, PrintServer, page_words, scale

PATIENT = "Zofia Wiśniewska-Łukasik"
LETTER, A4 = "x-dimension=21590 y-dimension=27940", "x-dimension=21000 y-dimension=29700"
# document, layout, the sheet it prints on, sides, pages the printer gets
LAYOUTS = [
    ("mg", "letter", LETTER, "one-sided", 1),
    ("full", "letter", LETTER, "two-sided-long-edge", 4),
    ("full", "a4", A4, "two-sided-long-edge", 4),
    ("mg", "large-print", LETTER, "two-sided-long-edge", None),
    ("full", "booklet", LETTER, "two-sided-short-edge", 4),
    ("full", "2up", LETTER, "two-sided-short-edge", 6),
    ("gbs", "booklet-a4", A4, "two-sided-short-edge", 2),
]
_made: dict[tuple[str, str], Artifact] = {}


def handout(doc: str, layout: str) -> Artifact:
    """The handout, prepared for a named patient (so it is private), made once per session."""
    if (doc, layout) not in _made:
        request = Request(doc, layout, patient=patient(PATIENT, "1 December 2026"))
        _made[doc, layout] = build(request).artifact()
    return _made[doc, layout]


def printed(server: PrintServer, artifact: Artifact, queue: str = "clinic", copies: int = 1,
            strict: bool = False) -> tuple[PrinterSink, str, Job]:
    """Send ``artifact`` through the sink and wait for what the printer behind ``queue`` receives."""
    printer = "simplex" if queue == "locked" else queue
    mark = server.mark(printer)
    sink = PrinterSink(queue, copies, strict)
    sink.check()
    job_id = sink.send(artifact)
    return sink, job_id, server.job(printer, mark)


@pytest.mark.parametrize(("doc", "layout", "media", "sides", "pages"), LAYOUTS,
                         ids=[f"{d}-{lay}" for d, lay, *_ in LAYOUTS])
def test_the_job_arrives_as_the_layout_needs(print_server: PrintServer, doc: str, layout: str, media: str,
                                             sides: str, pages: int | None) -> None:
    artifact = handout(doc, layout)
    assert artifact.personal and (pages is None or artifact.pages == pages)
    sink, job_id, job = printed(print_server, artifact, copies=3)
    assert re.fullmatch(r"clinic-\d+", job_id) and sink.queue_used == "clinic" and sink.warnings == []
    assert (job["copies"], job["sides"], job["job-name"]) == ("3", sides, Path(artifact.file_name).stem)
    assert media in job["media-col"]  # the queue's default is Legal: the job said Letter or A4 itself
    assert sink.options == job_options(artifact, 3) and sink.options["print-scaling"] == "none"
    assert not any(part in value for value in job.attributes.values() for part in ("Zofia", "Łukasik"))
    assert job["document-format-supplied"] == "application/pdf"
    sent, received = page_words(artifact.data), page_words(job.document)
    assert len(received) == artifact.pages  # one copy of the document: the printer makes the copies
    for page, (ours, theirs) in enumerate(zip(sent, received, strict=True), 1):
        if artifact.layout in ("letter", "a4", "large-print"):
            assert [w for w, *_ in theirs] == [w for w, *_ in ours], page  # the same words in the same order
        else:  # sheets printed landscape on portrait paper: CUPS turns them, so read them as sets of words
            assert Counter(w for w, *_ in theirs) == Counter(w for w, *_ in ours), page
        assert scale(ours, theirs) == pytest.approx(1.0, abs=0.002), page  # the queue fits to page unless told not to
    assert any("Wiśniewska-Łukasik" in w for w, *_ in received[0])  # the handout itself prints the name


def test_pages_arrive_in_order_on_a_queue_set_to_reverse(print_server: PrintServer) -> None:
    artifact = handout("full", "letter")
    _, _, job = printed(print_server, artifact)
    footers = [re.search(r"Page (\d+) of (\d+)", " ".join(w for w, *_ in words)) for words in page_words(job.document)]
    assert [m.group(1) if m else None for m in footers] == ["1", "2", "3", "4"]


def test_the_default_destination_when_no_queue_is_given(print_server: PrintServer) -> None:
    mark = print_server.mark("clinic")
    sink = PrinterSink()
    sink.check()
    job_id = sink.send(handout("mg", "letter"))
    assert sink.queue_used == "clinic" and job_id.startswith("clinic-")
    assert print_server.job("clinic", mark)["job-name"] == "ivig-mg-letter"


@pytest.mark.parametrize(("layout", "edge"), [("booklet", "short"), ("letter", "long")])
def test_a_queue_without_duplex_prints_one_sided_and_says_what_to_do(print_server: PrintServer, layout: str,
                                                                     edge: str) -> None:
    artifact = handout("full", layout)
    sink, job_id, job = printed(print_server, artifact, "simplex")
    assert job_id.startswith("simplex-") and job["sides"] in ("one-sided", "")  # "": the printer's default, one-sided
    assert sink.options["sides"] == "one-sided"
    [warning] = sink.warnings
    assert f"simplex prints on one side only, so the 4 sides of {artifact.file_name} came out on 4 sheets" in warning
    assert f"print its odd pages, turn the stack over on its {edge} edge, feed it back in and print its even" in warning


def test_strict_refuses_a_queue_without_duplex_and_sends_nothing(print_server: PrintServer) -> None:
    before = print_server.jobs_at_cups()
    sink = PrinterSink("simplex", strict=True)
    sink.check()
    with pytest.raises(OutputError, match=r"^simplex cannot print on both sides, which booklet needs; choose a printer"):
        sink.send(handout("full", "booklet"))
    assert print_server.jobs_at_cups() == before
    _, _, job = printed(print_server, handout("mg", "letter"), "simplex", strict=True)  # one page: one side will do
    assert job["job-name"] == "ivig-mg-letter"


def test_printers_lists_every_queue(print_server: PrintServer) -> None:
    queues = {q.name: q for q in printers()}
    assert set(queues) == {"clinic", "simplex", "locked"}
    clinic, simplex = queues["clinic"], queues["simplex"]
    assert (clinic.default, clinic.duplex, clinic.state, clinic.accepting) == (True, True, "idle", True)
    assert (simplex.default, simplex.duplex) == (False, False)
    assert {"Letter", "A4"} <= set(clinic.media) and {"Letter", "A4"} <= set(simplex.media)


def test_an_unknown_queue_suggests_the_closest(print_server: PrintServer) -> None:
    with pytest.raises(OutputError) as caught:
        PrinterSink("clnic").check()
    assert str(caught.value) == ("there is no printer called 'clnic'; did you mean clinic? (the printers are clinic, "
                                 "locked, simplex; see `ivig-handout printers`)")


@pytest.mark.parametrize(("stop", "start", "said"), [
    ("cupsdisable", "cupsenable", ("printer simplex is stopped (paper jam in tray 2); fix it and start it again "
                                  "(cupsenable simplex), or choose another with --printer")),
    ("cupsreject", "cupsaccept", ("printer simplex is not accepting jobs (paper jam in tray 2); let it take jobs "
                                 "again (cupsaccept simplex), or choose another with --printer")),
])
def test_a_stopped_or_rejecting_printer_is_refused(print_server: PrintServer, stop: str, start: str, said: str) -> None:
    print_server.admin(stop, "-r", "paper jam in tray 2", "simplex")
    try:
        with pytest.raises(OutputError) as caught:
            PrinterSink("simplex").check()
        assert str(caught.value) == said
        with pytest.raises(OutputError):  # send checks again: nothing goes to a queue stopped since
            PrinterSink("simplex").send(handout("mg", "letter"))
    finally:
        print_server.admin(start, "simplex")
    PrinterSink("simplex").check()


def test_a_job_lp_refuses(print_server: PrintServer) -> None:
    before = print_server.jobs_at_cups()
    sink = PrinterSink("locked")
    sink.check()  # the queue is up and accepting: only lp finds out this user may not print there
    with pytest.raises(OutputError) as caught:
        sink.send(handout("mg", "letter"))
    assert str(caught.value) == "printer locked did not take the job (Not allowed to print.); nothing was printed"
    assert print_server.jobs_at_cups() == before


def test_cups_not_running(print_server: PrintServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from ..printserver import free_port

    port = free_port()  # nothing listens there
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")
    with pytest.raises(OutputError) as caught:
        PrinterSink("clinic").check()
    assert str(caught.value) == (f"the CUPS print service on 127.0.0.1:{port} is not running or cannot be reached; "
                                 "start it (e.g. service cups start) or ask whoever looks after the printers")


def test_cups_tools_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no CUPS tools on it
    with pytest.raises(OutputError) as caught:
        PrinterSink().check()
    assert str(caught.value) == ("the CUPS printing tools (lp, lpstat, lpoptions) are not installed; install CUPS "
                                 "(Debian, Ubuntu: apt-get install cups-client), or write the PDF to a file and print that")
    with pytest.raises(OutputError, match="not installed"):
        printers()


def test_options_from_the_layout_alone() -> None:
    """What each layout asks for, without a server: the sheet, the edge, and never any scaling."""
    def options(layout: str, pages: int) -> dict[str, str]:
        return job_options(Artifact(b"", "full", "full-sheet", layout, pages, f"x-{layout}.pdf"), 2)

    assert options("letter", 1) == {"media": "na_letter_8.5x11in", "sides": "one-sided", "print-scaling": "none",
                                    "fit-to-page": "false", "outputorder": "normal", "copies": "2"}
    assert options("a4-mono", 4)["media"] == "iso_a4_210x297mm" and options("a4", 4)["sides"] == "two-sided-long-edge"
    assert options("large-print-a4", 8)["media"] == "iso_a4_210x297mm"
    assert options("2up-a4", 2) | {"copies": "1"} == options("booklet-a4", 2) | {"copies": "1"} == {
        "media": "iso_a4_210x297mm", "sides": "two-sided-short-edge", "print-scaling": "none", "fit-to-page": "false",
        "outputorder": "normal", "copies": "1"}
    assert options("2up", 1)["sides"] == "one-sided"  # a single sheet side needs no duplex
