"""Apps stage, web: the page's routes. The form posts to ``/`` (a whole page back: it works without
JavaScript); htmx posts the same form to ``/preview`` and the roster to ``/roster`` and swaps in the
part that changed. Every problem the user can fix is a message on the page (422), never a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ...api import PrintRuns, Result, RosterRows, build, content, load_clinic
from ...errors import ContentError, IvigError
from ...export.sinks.printer import sheets, two_sided
from ...export.sinks.record import as_csv, as_fhir, initials
from .config import MAX_UPLOAD, WebConfig
from .desk import Desk, Printed
from .forms import Choice, HandoutForm, Order, handout_choices, language_choices, layout_choices
from .forms import today as today_date
from .once import TOKEN_MAX, Once
from .previews import SIZES, Thumbnails, design_of
from .printers import Printers
from .problems import left_out_notes, problems_of, review_note
from .rosters import Upload, check, in_run, print_runs, said
from .search import chosen, search
from .security import Attempt, csrf_token, sign_in, sign_out, signed_in
from .spool import sweep_leftovers
from .store import Store

blueprint = Blueprint("web", __name__)
PDF = "application/pdf"
PREVIEW_TTL = 300.0  # seconds a preview is held (docs/web-page.md promises 5 minutes)


@dataclass
class State:
    """What the app holds between requests: its settings, the choices it offers, the previews and
    rosters of the last few minutes (in memory only)."""

    config: WebConfig
    clock: Callable[[], float] = time.monotonic  # seconds: how long previews and rosters are held
    choices: list[Choice] = field(init=False)
    layouts: list[tuple[str, str]] = field(init=False)
    desk: Desk = field(init=False)
    clinic_names: dict[str, str] = field(init=False)  # each clinic's name, from its profile
    reviewed: date = field(init=False)  # when the content was last reviewed
    printers: Printers = field(init=False)
    previews: Store[Thumbnails] = field(init=False)
    rosters: Store[Upload] = field(init=False)
    made: Store[Made] = field(default_factory=lambda: Store(ttl=300, limit=16))  # downloads the page asked for
    once: Once[Any] = field(default_factory=Once)  # print requests seen, by one-time token

    def __post_init__(self) -> None:
        # Per browser session: 16 previews (5 minutes each), 4 rosters (15 minutes); in all at most
        # 128 previews (about 600 KB each at worst, a large-print full sheet with every page drawn)
        # and 16 rosters (2 MB each at most).
        self.previews = Store(ttl=PREVIEW_TTL, limit=128, quota=16, clock=self.clock)
        self.rosters = Store(ttl=900, limit=16, quota=4, clock=self.clock)
        self.choices = handout_choices(self.config.content)
        self.layouts = layout_choices()
        self.languages = language_choices(self.config.content, self.config.allow_draft)
        self.desk = Desk(self.config.printer, self.config.record_db)
        self.printers = Printers(self.config.printers, self.clock)  # stopped or missing: a warning only
        sweep_leftovers()  # the upload folders older versions left (an upload is never written now)
        self.clinic_names = {key: load_clinic(path).profile.name or key for key, path in self.config.clinics.items()}
        self.reviewed = content(self.config.content).sheet.meta.review_date


@dataclass(frozen=True)
class Made:
    """A PDF made for a download the page asked for (htmx): fetched from /download/<token> a moment later."""

    data: bytes
    file_name: str


@dataclass(frozen=True)
class Preview:
    """A preview on the page: its token, page count, the document's label and the library's notes."""

    token: str
    pages: int
    label: str
    notes: tuple[str, ...]
    paper: str = ""  # the copies and the sheets they take


@dataclass(frozen=True)
class RosterView:
    """A checked roster on the page: its token, the good rows shown, the layouts of their print runs,
    and the bad rows' problems in the desk's words (the good rows go ahead without them)."""

    token: str
    rows: list[dict[str, Any]]
    layouts: list[str]
    problems: list[str] = field(default_factory=list)
    bad: int = 0  # rows with problems


def state() -> State:
    found: State = current_app.extensions["ivig"]
    return found


def page(status: int = 200, **parts: Any) -> tuple[str, int]:
    """The whole page (``fragment``: only that part of it, for htmx)."""
    st = state()
    parts.setdefault("form", HandoutForm(date=today_date(st.config.content)))
    template = f"_{parts.pop('fragment')}.html" if parts.get("fragment") else "index.html"
    if not parts.get("fragment") or parts.get("oob") or parts["fragment"] == "today":
        parts.setdefault("today", st.desk.today())
    parts.setdefault("once", Once.token())  # a print request's one-time token (once.py)
    parts.setdefault("printers", st.printers.states(refresh=not parts.get("fragment")))
    parts.setdefault("problems", [])
    parts.setdefault("today_date", today_date(st.config.content))  # the date field's default (page.js's Next patient)
    html = render_template(template, choices=st.choices, layouts=st.layouts, clinics=list(st.config.clinics),
                           clinic_names=st.clinic_names, printer=st.config.printer, csrf=csrf_token(),
                           languages=st.languages, **parts)
    return html, status


def wants_fragment() -> bool:
    return request.headers.get("HX-Request") == "true"


@blueprint.get("/")
def index() -> tuple[str, int]:
    return page()


@blueprint.post("/")
def submit() -> Response | tuple[str, int]:
    """The form without JavaScript: Preview and Print answer with the page, Download PDF with the page
    that fetches the PDF (any other client: the PDF), Next patient with the form cleared."""
    form = HandoutForm.read(request.form)
    action = request.form.get("action")
    if action == "next":
        return page(form=cleared(form))
    if action == "download":
        return download(form)
    if action == "print":
        return print_page(form, fragment=None)
    if action == "online":
        return online_for(form)
    return preview_page(form, fragment=None)


def online_for(form: HandoutForm) -> Response | tuple[str, int]:
    """The online copy of the handout the form names, for its clinic (never the patient's name: only
    the document and the clinic reach the address)."""
    from ...api import online_site

    try:
        wanted = order(form).request
        name = online_site(wanted.content, wanted.clinic).pages[wanted.document]
    except IvigError as exc:
        return form_failed(form, exc, None)
    clinics = state().config.clinics
    if len(clinics) > 1:
        return redirect(url_for("web.online_clinic", clinic=form.clinic, name=name))  # type: ignore[return-value]
    return redirect(url_for("web.online", name=name))  # type: ignore[return-value]


@blueprint.get("/online/<name>")
def online(name: str) -> Response:
    """The online copy (``ivig-handout site``): its pages, index, stylesheet, logo and PDFs, with the
    clinic's letterhead when one clinic is configured. Public parts only: no patient reaches it."""
    clinics = state().config.clinics
    return online_file(next(iter(clinics.values())) if len(clinics) == 1 else None, name)


@blueprint.get("/online/<clinic>/<name>")
def online_clinic(clinic: str, name: str) -> Response:
    """The online copy with the letterhead of one of the clinics configured."""
    clinics = state().config.clinics
    if clinic not in clinics:
        abort(404)
    return online_file(clinics[clinic], name)


def online_file(clinic: Any, name: str) -> Response:
    import mimetypes

    from ...api import online_site

    made = online_site(state().config.content, clinic)
    if name in made.pdfs:
        return Response(build(made.pdfs[name]).data, mimetype=PDF)
    if name not in made.files:
        abort(404)
    return Response(made.files[name], mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")


@blueprint.post("/preview")
def preview() -> Response | tuple[str, int]:
    return preview_page(HandoutForm.read(request.form), fragment="preview" if wants_fragment() else None)


def preview_page(form: HandoutForm, fragment: str | None) -> Response | tuple[str, int]:
    try:
        wanted = order(form)
        result = build(wanted.request)
    except IvigError as exc:
        return form_failed(form, exc, fragment)
    thumbnails = Thumbnails(result.data, result.pages, design=design_of(wanted.request, result))
    token = state().previews.put(csrf_token(), thumbnails)
    label = next((c.label for c in state().choices if c.id == result.document), result.document)
    shown = Preview(token, result.pages, label, staff_notes(result), paper(result, wanted.copies))
    return page(form=form, fragment=fragment, preview=shown)


def form_failed(form: HandoutForm, exc: IvigError, fragment: str | None) -> Response | tuple[str, int]:
    """The form again with its problems: the error summary at its top (it takes the focus) and each
    field's own message. htmx swaps the whole form in (the page's own answer, the form picked out)."""
    html, status = page(422, form=form, problems=problems_of(exc))
    if fragment is None:
        return html, status
    answer = Response(html, status=status)
    answer.headers.update({"HX-Retarget": "#make", "HX-Reswap": "outerHTML", "HX-Reselect": "#make"})
    return answer


def staff_notes(result: Result) -> tuple[str, ...]:
    """The notes of a made handout in the desk's words (the library's are for the command line)."""
    return (*review_note(state().reviewed), *left_out_notes(result.left_out, result.layout.name))


def paper(result: Result, copies: int) -> str:
    """How many copies, and the sheets of paper they take: "3 copies, 3 sheets"; "2 copies of 4 pages,
    two-sided: 4 sheets"."""
    many = f"{copies} cop{'y' if copies == 1 else 'ies'}"
    count = sheets(result.layout, result.pages, copies)
    sheet_words = f"{count} sheet{'s' if count != 1 else ''}"
    if result.pages == 1:
        return f"{many}, {sheet_words}"
    sides = "two-sided" if two_sided(result.layout, result.pages) else "one-sided"
    return f"{many} of {result.pages} pages, {sides}: {sheet_words}"


def order(form: HandoutForm) -> Order:
    """What the form asks for; IvigError with the problems."""
    st = state()
    return form.request(st.choices, st.config.clinics, st.config.content, st.languages)


def download(form: HandoutForm) -> Response | tuple[str, int]:
    """The PDF (all copies, each starting on a front side), never kept by the browser's cache; recorded
    when it is made for a named patient (the same document again: a reprint). A browser's form (no
    JavaScript) gets the page: what was made, the form cleared for the next patient, and the PDF
    fetched by the page (a refresh to it: the page stays)."""
    try:
        made = made_for_download(form)
    except IvigError as exc:
        return form_failed(form, exc, None)
    if request.headers.get("Sec-Fetch-Mode") != "navigate":  # not a browser's form: the PDF itself
        return pdf_response(made.data, made.file_name)
    token = state().made.put(csrf_token(), Made(made.data, made.file_name))
    return page(form=cleared(form), downloaded=made, fetch_url=url_for("web.made_pdf", token=token))


@dataclass(frozen=True)
class Handed:
    """A PDF made for a download: its bytes and file name, and what the page confirms (the handout,
    layout and copies; the paper they take)."""

    data: bytes
    file_name: str
    what: str
    paper: str


def made_for_download(form: HandoutForm) -> Handed:
    """The PDF the form asks for, recorded; IvigError with the problems."""
    wanted = order(form)
    result = build(wanted.request)
    state().desk.downloaded(result, wanted.copies, wanted.by, wanted.request)
    what = f"{result.about.title or result.document}, {result.layout.name}"
    return Handed(with_copies(result, result.data, wanted.copies), result.file_name, what,
                  paper(result, wanted.copies))


def cleared(form: HandoutForm) -> HandoutForm:
    """The form for the next patient: no name, today's date; the handout, layout and initials kept."""
    return replace(form, patient_name="", date=today_date(state().config.content))


def with_copies(result: Result, data: bytes, copies: int) -> bytes:
    """``copies`` of ``data`` in one PDF; each copy starts on a front side only when the handout prints
    two-sided."""
    if copies > 1:
        from ...api import print_run

        data = print_run([(data, copies)], pad=two_sided(result.layout, result.pages))
    return data


@blueprint.post("/download")
def download_htmx() -> Response | tuple[str, int]:
    """Download PDF from the page's script (htmx): the PDF is made and recorded now; the answer says
    what was made, and its events (HX-Trigger) send the browser to fetch it (the page stays), tell
    "Today's handouts" that it changed and the form to clear the name and date (page.js); a problem is
    the form's message (the error summary)."""
    form = HandoutForm.read(request.form)
    try:
        made = made_for_download(form)
    except IvigError as exc:
        return form_failed(form, exc, "preview")
    html, _ = page(form=cleared(form), fragment="preview", downloaded=made)
    return fetch_made(made.data, made.file_name, html)


def fetch_made(data: bytes, file_name: str, html: str | None = None) -> Response:
    """An answer (to htmx) with two events: "Today's handouts" refreshes, and page.js sends the browser
    to fetch ``data`` (a download: the page stays as it is); with ``html`` (the confirmation), a third:
    the form is cleared for the next patient."""
    token = state().made.put(csrf_token(), Made(data, file_name))
    events: dict[str, Any] = {CHANGED: "", "download-ready": {"url": url_for("web.made_pdf", token=token)}}
    if html is None:
        return Response(status=204, headers={"HX-Trigger": json.dumps(events)})
    events[NEXT] = ""
    return Response(html, status=200, headers={"HX-Trigger": json.dumps(events)})


CHANGED = "handouts-changed"  # the event "Today's handouts" refreshes on (_today.html)
NEXT = "handout-made"  # the event page.js clears the patient's name and date on


@blueprint.get("/download/<token>")
def made_pdf(token: str) -> Response:
    """A PDF made a moment ago for this browser (its token names no one); 404 after 5 minutes."""
    made = state().made.get(token, csrf_token())
    if made is None:
        abort(404)
    return pdf_response(made.data, made.file_name)


def pdf_response(data: bytes, file_name: str) -> Response:
    return attachment(data, PDF, file_name)


@blueprint.post("/print")
def print_handout() -> Response | tuple[str, int]:
    return print_page(HandoutForm.read(request.form), fragment="preview" if wants_fragment() else None)


def print_page(form: HandoutForm, fragment: str | None) -> Response | tuple[str, int]:
    """Print the handout on the printer the form names and record it; what was sent, or what went wrong.
    A request with the one-time token of one before (a double click) prints nothing: it shows that job."""
    queue = chosen_printer()
    shown = fragment is not None  # the printers' warning and buttons are updated in place too
    try:
        wanted = order(form)
        result = build(wanted.request)
    except IvigError as exc:
        return form_failed(form, exc, fragment)
    try:
        printed = state().once.run(once_key(queue), csrf_token(),
                                   lambda: state().desk.print(result, wanted.copies, wanted.by, wanted.request,
                                                              queue=queue))
    except IvigError:
        return page(422, form=form, fragment=fragment, errors=state().printers.failed(queue),
                    printers_oob=shown)
    state().printers.printed(queue)
    html, status = page(form=cleared(form), fragment=fragment, printed=[printed],
                        paper_used=paper(result, wanted.copies), oob=shown, printers_oob=shown)
    if not shown:
        return html, status
    return Response(html, status=status, headers={"HX-Trigger": NEXT})  # page.js clears the name and date


def once_key(queue: str) -> str:
    """The form's one-time token for a print on ``queue`` (a double click on one printer's button prints
    once; the same form sent to another printer prints there); none when the form has none."""
    token = request.form.get("once", "")
    return f"{token}@{queue}" if token and len(token) <= TOKEN_MAX else ""


def chosen_printer() -> str:
    """The printer the form names (the Print button pressed), else the first; 404 without printers."""
    names = state().config.printers
    if not names:
        abort(404)
    wanted = request.form.get("printer") or names[0]
    if wanted not in names:
        abort(400, "That printer is not one of this page’s printers; reload the page and try again.")
    return wanted


@blueprint.post("/search")
def search_handouts() -> Response | tuple[str, int]:
    """The handout field's search: JSON for page.js as the person types; without JavaScript ("Find", or
    a match chosen), the page again with the form as it was and the answer under the field."""
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        found = search(state().config.content, request.form.get("q", ""))
        return Response(json.dumps(found.as_json(), ensure_ascii=False), mimetype="application/json")
    form = HandoutForm.read(request.form)
    if "pick" in request.form:
        return page(form=chosen(form, request.form.get("pick", "")))
    return page(form=form, search=search(state().config.content, form.handout))


@blueprint.get("/today")
def today() -> tuple[str, int]:
    """"Today's handouts" alone (the page asks for it after each handout, and every few minutes for
    those given at other desks)."""
    return page(fragment="today")


def today_page(status: int = 200, **parts: Any) -> tuple[str, int]:
    """"Today's handouts" (for htmx), or the whole page with it (without JavaScript)."""
    return page(status, fragment="today" if wants_fragment() else None, **parts)


def entry_id() -> int:
    """The handout number a row's button sends; 404 for anything else."""
    text = request.form.get("entry", "")
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 2**63 - 1):
        abort(404)
    return int(text)


@blueprint.post("/record/again")
def again() -> Response | tuple[str, int]:
    """A row's "Download again" or "Print again": the same handout made again, recorded as a reprint
    of the first row."""
    number, how = entry_id(), request.form.get("how")
    desk = state().desk
    queue = chosen_printer() if how == "print" and state().config.printers else None
    try:
        by = initials(request.form.get("by", "")[:100], field="Your initials")
        wanted, copies, first = desk.again(number)
        result = build(wanted)
        if queue is None:
            desk.downloaded_again(result, copies, first, by)
    except IvigError as exc:
        return today_page(422, today_errors=str(exc).splitlines())
    if queue is not None:
        return print_again(result, copies, by, first, queue)
    data = with_copies(result, result.data, copies)
    return fetch_made(data, result.file_name) if wants_fragment() else pdf_response(data, result.file_name)


def print_again(result: Result, copies: int, by: str | None, first: int, queue: str) -> tuple[str, int]:
    """A row's "Print again" on the printer whose button was pressed, recorded as a reprint of the first
    row; a printer that fails is a printer problem in the desk's words. A double click prints once."""
    try:
        printed = state().once.run(once_key(queue), csrf_token(),
                                   lambda: state().desk.print(result, copies, by, reprint_of=first, queue=queue))
    except IvigError:
        return today_page(422, today_errors=state().printers.failed(queue), today_printer=True)
    state().printers.printed(queue)
    return today_page(again_printed=printed)


@blueprint.post("/record/undo")
def undo() -> tuple[str, int]:
    """A row's "Undo": first a question (with the staff member's initials), then the row is marked
    void by them, now; it stays in the record."""
    number = entry_id()
    by = request.form.get("by", "")[:100]
    if request.form.get("confirm") != "yes":
        return today_page(undo=number, undo_by=by)
    try:
        who = initials(by, field="Your initials")
        if who is None:
            raise ContentError(["Your initials: type them, so the record says who undid it"])
        state().desk.void(number, who)
    except IvigError as exc:
        return today_page(422, undo=number, undo_by=by, today_errors=str(exc).splitlines())
    return today_page(undone=number)


@blueprint.get("/record/today.csv")
def today_csv() -> Response:
    """Today's rows as CSV (names only if the clinic's profile records them), never cached."""
    text = as_csv(state().desk.entries_today())
    return attachment(text.encode("utf-8"), "text/csv", f"handouts-{date.today().isoformat()}.csv")


@blueprint.get("/record/today.fhir.json")
def today_fhir() -> Response:
    """Today's rows as a FHIR R4 Bundle of Communication resources."""
    text = json.dumps(as_fhir(state().desk.entries_today()), indent=2, ensure_ascii=False) + "\n"
    return attachment(text.encode("utf-8"), "application/fhir+json",
                      f"handouts-{date.today().isoformat()}.fhir.json")


def attachment(data: bytes, mimetype: str, file_name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@blueprint.get("/preview/<token>/<int:number>.png")
def preview_image(token: str, number: int) -> Response:
    return preview_png(token, number, SIZES[0])


@blueprint.get("/preview/<token>/<int:number>@2x.png")
def preview_image_2x(token: str, number: int) -> Response:
    """The thumbnail for a 2x screen (srcset)."""
    return preview_png(token, number, SIZES[1])


@blueprint.get("/preview/<token>/<int:number>-full.png")
def preview_large(token: str, number: int) -> Response:
    """The page full size (each thumbnail links here)."""
    return preview_png(token, number, SIZES[2])


def preview_png(token: str, number: int, width: int) -> Response:
    thumbnails = state().previews.get(token, csrf_token())
    png = thumbnails.png(number, width) if thumbnails is not None else None
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png")


@blueprint.post("/roster")
def roster() -> tuple[str, int]:
    """Check an uploaded roster (in memory): its good rows, ready to print or download, and each bad row
    by its line number in the desk's words; only what to fix when no row is good."""
    fragment = "roster" if wants_fragment() else None
    sent = request.files.get("roster")
    data = sent.read() if sent is not None else b""
    if not data:
        return page(422, fragment=fragment, roster_errors=["Roster: choose a CSV or XLSX file first"])
    if len(data) > MAX_UPLOAD:
        return roster_too_big(len(data))
    form = HandoutForm.read(request.form)
    st = state()
    try:
        problems: list[str] = []
        clinic = form.clinic_path(st.config.clinics, problems)
        if problems:
            raise ContentError(problems)
        by = initials(form.by, field="Your initials")
        upload = Upload(data, _layout(form.layout), form.mono, st.config.content, clinic, by, st.config.allow_draft)
        checked = check(upload)
    except IvigError as exc:
        return page(422, fragment=fragment, roster_errors=str(exc).splitlines())
    if not checked.rows:  # nothing can go ahead: what to fix
        return page(422, fragment=fragment, roster_errors=staff_words(checked))
    token = st.rosters.put(csrf_token(), upload)
    return page(fragment=fragment, roster=roster_view(token, upload, checked))


def _layout(name: str) -> str:
    return name if name in dict(state().layouts) else "letter"


def roster_view(token: str, upload: Upload, checked: RosterRows) -> RosterView:
    labels = {c.id: c.label for c in state().choices}
    rows = [{"line": r.row, "name": r.patient.name, "date": r.patient.date or "",
             "handout": labels.get(r.document, r.document), "layout": r.layout or upload.layout,
             "copies": r.copies or 1} for r in checked.rows]
    bad = len({p.line for p in checked.problems})
    return RosterView(token, rows, list(dict.fromkeys(str(row["layout"]) for row in rows)), staff_words(checked), bad)


def staff_words(checked: RosterRows | PrintRuns) -> list[str]:
    """The roster's problems in the desk's words, one a line."""
    return [said(p, state().config.content, list(dict(state().layouts))) for p in checked.problems]


@blueprint.post("/roster/print-run")
def roster_print_run() -> Response | tuple[str, int]:
    """One layout's print run of a checked roster, as a PDF download; each row in it recorded (a row
    given before, the same file downloaded again: a reprint)."""
    fragment = "roster" if wants_fragment() else None
    try:
        upload, made = roster_runs()
        layout = request.form.get("layout", "")
        if layout not in made.runs:
            layout = next(iter(made.runs))
        state().desk.rows_given(in_run(made, layout), by=upload.by)
    except IvigError as exc:
        return page(422, fragment=fragment, roster_errors=str(exc).splitlines())
    if fragment:
        return fetch_made(made.runs[layout], f"roster-{layout}.pdf")
    return pdf_response(made.runs[layout], f"roster-{layout}.pdf")


@blueprint.post("/roster/print-all")
def roster_print_all() -> tuple[str, int]:
    """Every print run of a checked roster sent to the printer, one job per layout; each row recorded.
    A request with the one-time token of one before (a double click) prints nothing: it shows those jobs."""
    fragment = "roster" if wants_fragment() else None
    queue = chosen_printer()
    try:
        upload, made = roster_runs()
    except IvigError as exc:
        return page(422, fragment=fragment, roster_errors=str(exc).splitlines())
    try:
        printed = state().once.run(once_key(queue), csrf_token(), lambda: print_roster(upload, made, queue))
    except IvigError:
        return page(422, fragment=fragment, printer_errors=state().printers.failed(queue), roster=roster_again(),
                    printers_oob=fragment is not None)
    state().printers.printed(queue)
    return page(fragment=fragment, roster_printed=printed, oob=fragment is not None, printers_oob=fragment is not None)


def roster_again() -> RosterView | None:
    """The roster the form names, shown again (after a printer problem: the file was fine)."""
    token = request.form.get("token", "")
    upload = state().rosters.get(token, csrf_token())
    return roster_view(token, upload, check(upload)) if upload is not None else None


def print_roster(upload: Upload, made: PrintRuns, queue: str) -> list[Printed]:
    """Each print run (of the good rows) sent to ``queue``, and exactly the rows in them recorded with
    the jobs."""
    printed = state().desk.print_runs(made.runs, queue)
    state().desk.rows_given(in_run(made), printed, by=upload.by)
    return printed


def roster_runs() -> tuple[Upload, PrintRuns]:
    """The roster the form names and the print runs of its good rows; ContentError if it is not held."""
    upload = state().rosters.get(request.form.get("token", ""), csrf_token())
    if upload is None:
        raise ContentError(["Roster: this roster is no longer held here (after 15 minutes); upload it again"])
    made = print_runs(upload)
    if not made.runs:
        raise ContentError(staff_words(made))
    return upload, made


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    passphrase = state().config.passphrase
    if passphrase is None:
        return redirect(url_for("web.index"))  # type: ignore[return-value]
    if request.method == "POST":
        tried = sign_in(passphrase, request.form.get("passphrase", "")[:1000], request.remote_addr or "")
        if tried.ok:
            return redirect(url_for("web.index"))  # type: ignore[return-value]
        return sign_in_refused(tried)
    notice = "You have signed out." if session.pop("signed_out", False) else None
    return render_template("login.html", csrf=csrf_token(), error=None, notice=notice), 200


def sign_in_refused(tried: Attempt) -> Response:
    """The sign-in form again: a wrong passphrase (401), or a try sent before the wait was over (429,
    not checked), each with the wait still to come."""
    wait = f"Wait {tried.wait} second{'s' if tried.wait != 1 else ''}"
    if not tried.checked:
        error = f"Too many wrong tries. {wait}, then try again."
    else:
        error = "That is not the clinic’s passphrase." + (f" Too many wrong tries. {wait} before the next try."
                                                          if tried.wait else "")
    answer = Response(render_template("login.html", csrf=csrf_token(), error=error),
                      status=401 if tried.checked else 429)
    if tried.wait:
        answer.headers["Retry-After"] = str(tried.wait)
    return answer


@blueprint.post("/logout")
def logout() -> Response:
    """Sign out: the session ends on the server (its cookie no longer works anywhere), and the
    previews and rosters it made are dropped."""
    if state().config.passphrase is None:
        abort(404)
    owner = csrf_token()
    state().previews.drop(owner)
    state().rosters.drop(owner)
    sign_out()
    session["signed_out"] = True
    return redirect(url_for("web.login"))  # type: ignore[return-value]


@blueprint.app_context_processor
def sign_out_button() -> dict[str, Any]:
    """The "Sign out" button's CSRF token, on every page of a signed-in session (None: no button)."""
    return {"sign_out_csrf": csrf_token() if signed_in() else None}


@blueprint.app_errorhandler(RequestEntityTooLarge)
def too_big(exc: RequestEntityTooLarge) -> tuple[str, int]:
    """A roster file over the limit: the page with the message where the roster form is."""
    if request.endpoint != "web.roster":
        return http_error(exc)
    return roster_too_big(request.content_length)


def roster_too_big(size: int | None) -> tuple[str, int]:
    """The roster form's message for a file of ``size`` bytes (None: not known, only too big)."""
    limit = MAX_UPLOAD // 2**20
    shown = max(round(size / 2**20, 1), limit + 0.1) if size else 0.0  # just over: 2.1, never "2.0"
    said = (f"is {shown:.1f} MB; the page takes files up to {limit} MB" if size
            else f"is bigger than {limit} MB, the most the page takes")
    message = f"This roster file {said}. Save only today's rows and try again."
    return page(413, fragment="roster" if wants_fragment() else None, roster_errors=[message])


@blueprint.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[str, int]:
    """A plain message page for a refused request (400, 404, 413, ...)."""
    status = exc.code or 500
    message = exc.description if status == 400 else MESSAGES.get(status, exc.name)
    return render_template("_message.html" if wants_fragment() else "message.html", message=message), status


@blueprint.app_errorhandler(Exception)
def unexpected(exc: Exception) -> tuple[str, int]:
    """A bug: one line in the log (its type only: a message might hold a name) and a plain page."""
    current_app.logger.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.path)
    message = "Something went wrong in ivig-handout (a bug); please try again, and report it if it happens again."
    return render_template("_message.html" if wants_fragment() else "message.html", message=message), 500


MESSAGES = {
    404: "There is nothing at this address (a preview is kept for 5 minutes: preview again).",
    405: "This address does not take that kind of request; go back to the page.",
    413: "That file is too big: a roster can be up to 2 MB here. Save only today's rows and try again.",
}
