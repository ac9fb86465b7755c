"""The library API: the one door every front end uses (the command line and the batch runner today;
the web page and the printer next). A Request names what to make; build() returns a Result with the
PDF and the notes for the user as values."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from . import personalise
from .design.formats import FORMATS, Format, get_format
from .design.layouts import Layout, all_layouts, get_layout
from .errors import ContentError, IvigError, NotFoundError, Problem
from .export.impose import impose_for
from .export.pdfinfo import page_count, pdf_facts
from .export.sinks import Artifact
from .export.sinks.record import Given, made_id
from .export.stamp import Prepared
from .inputs.content import draft_problem, english, load_handout, text_hash
from .inputs.files import FileRefusedError, read_regular
from .inputs.model import Handout
from .inputs.patient import LIMITS, SLOT, Patient, patient, template_of
from .inputs.profile import Clinic, load_clinic, load_profile
from .inputs.roster import MAX_COPIES, RosterRow, format_date, read_roster
from .inputs.search import FULL, Document, Tier, lookup, quoted, rank, tied
from .inputs.search import documents as search_documents
from .inputs.text import check_text
from .inputs.validate import validate
from .inputs.yamlio import Located, PathKey, format_path
from .personalise import Entries, Member, RenderCache
from .plan.kinds import Kind, all_documents, get_kind, kind_of, resolve
from .render.record import Record, Slot
from .resources import default_content_dir, resolve_pack, shipped_packs
from .version import __version__

__all__ = ["FORMATS", "REVIEW_AFTER_DAYS", "SITE_LAYOUTS", "Format", "Layout", "Member", "OnlineSite", "Patient",
           "PrintRuns", "Problem", "Provenance", "Request", "Result", "RosterFile", "RosterRows", "RowMade",
           "RowTemplate", "about", "build", "build_all", "content", "document_finder", "documents", "given", "impose",
           "layout_finder", "layouts", "make", "online_site", "page_count", "patient", "print_run", "print_runs",
           "render_pages", "review_notes", "roster", "roster_row", "row_file", "row_template", "run_member",
           "run_title", "site_problem", "stamped", "template", "template_for", "values_for", "warm_up"]
# The stages' parts the front ends use: apps/ and batch/ import only this module, errors and export.sinks
# (pyproject.toml's contract "The door is closed"), so what they need of the stages is named here.
__all__ += [
    "FULL", "LIMITS", "MAX_COPIES", "SLOT", "Document", "FileRefusedError", "Handout", "Located", "PathKey",
    "RosterRow", "Slot", "Tier", "__version__", "all_documents", "all_layouts", "check_text",
    "default_content_dir", "draft_problem", "english", "format_date", "format_path", "get_kind", "get_layout",
    "kind_of", "load_clinic", "load_handout", "load_profile", "lookup", "pdf_facts", "quoted", "rank",
    "read_regular", "read_roster", "resolve", "resolve_pack", "search_documents", "shipped_packs", "template_of",
    "text_hash",
    "tied", "validate"]

REVIEW_AFTER_DAYS = 365


@dataclass(frozen=True)
class Request:
    """What to make: a document (``full``, a disorder id or alias; ``kind`` limits the lookup to one
    document kind), a layout (``NAME-mono`` or ``mono`` for greyscale), a content pack folder (None:
    the bundled AAN sheet), a clinic profile file, and the patient it is prepared for."""

    document: str = "full"
    layout: str = "letter"
    mono: bool = False
    content: Path | None = None
    clinic: Path | None = None
    patient: Patient | None = None
    kind: str | None = None
    format: str = "pdf"  # design/formats.py: pdf (the printed handout), html (the document's online page)
    also: str | None = None  # a second language on the back (a pack: ``es``, ``en`` or a folder): two_languages()


@dataclass(frozen=True)
class Provenance:
    """What the education record needs beyond the PDF: the document's title, the content pack's edition
    and its source's year, and the patient's name only when the clinic's profile says ``record_names: yes``."""

    title: str
    edition: str
    source_year: int
    patient: str | None = None
    language: str = ""  # BCP 47; a two-language handout's: front+back (en-US+es-US)
    pack_edition: str = ""  # pack.yaml's edition (front+back for two languages)


@dataclass(frozen=True)
class Result:
    """What was made: the PDF, its page count, the layout used, the document's kind and canonical id,
    its default file name, the body type size it was set in, the profile parts that gave way, and
    one-line notes for the user (a part left out, content due for review)."""

    data: bytes
    pages: int
    layout: Layout
    kind: str
    document: str
    file_name: str
    body: float
    left_out: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    personal: bool = False  # prints a patient's name
    about: Provenance = Provenance("", "", 0)  # what the education record says about it (see given())
    slots: tuple[Slot, ...] = ()  # a template's places for the patient's values (stamped())
    media_type: str = "application/pdf"  # what ``data`` is (design/formats.py)

    def artifact(self) -> Artifact:
        """The PDF as a sink takes it."""
        return Artifact(self.data, self.document, self.kind, self.layout.name, self.pages, self.file_name,
                        self.personal)


def given(result: Result, *, copies: int = 1, printer: str | None = None, job_id: str | None = None,
          by: str | None = None) -> Given:
    """The education record's row for ``result`` handed out (``copies``, printed on ``printer`` as
    ``job_id``, by the staff member with initials ``by``)."""
    about = result.about
    sha256 = hashlib.sha256(result.data).hexdigest()
    return Given(result.document, result.kind, result.layout.name, copies, sha256, about.edition, about.source_year,
                 printer, job_id, by, about.patient, about.title, made_id(sha256, copies) if result.personal else None,
                 language=about.language or None, pack_edition=about.pack_edition or None)


def build(request: Request, stamp: bool = True) -> Result:
    """Make one document in the request's format (design/formats.py): ``pdf``, planned, fitted, rendered
    and imposed on print sheets if the layout says so, a patient's values stamped into the document's
    template where they fit (``stamp=False``: rendered in full, the plain way; both read the same);
    ``html``, the document's page of the online copy, as ``ivig-handout site`` writes it.

    Raises an IvigError subclass (one line each: ContentError, NotFoundError, FitError) for anything
    the user can fix.
    """
    found = get_format(request.format)
    if not found.personal and request.patient is not None:
        why = f"format: the {found.noun} is for everyone and never holds a patient's name; ask for 'pdf'"
        raise ContentError([why])
    if request.also is not None:
        if found.name != "pdf":
            raise ContentError([(f"also: a second language is printed on the back of a PDF; the {found.noun} "
                                "has one language")])
        return two_languages(request)
    return _MAKERS[found.name](request, stamp)


def _pdf(request: Request, stamp: bool) -> Result:
    return impose(render_pages(request, stamp))


def _html(request: Request, _stamp: bool) -> Result:
    """The document's page of the online copy (online_site), with what the record says of it."""
    handout, kind, doc_id, layout, _clinic = _inputs(request)
    site = online_site(request.content, request.clinic, request.mono)
    name = site.pages[doc_id]
    title = kind.plan(handout, doc_id).title
    return Result(site.files[name], 0, layout, kind.name, doc_id, name, 0.0, notes=tuple(review_notes(handout)),
                  about=Provenance(title, handout.edition, handout.sheet.source.year),
                  media_type=get_format("html").media_type)


_MAKERS: dict[str, Callable[[Request, bool], Result]] = {"pdf": _pdf, "html": _html}  # one per format


def make(handout: Handout, document: str, layout: Layout, clinic: Clinic | None = None,
         patient: Patient | None = None, kind: str | None = None, stamp: bool = True) -> Result:
    """build() for a caller that already holds the loaded values (a content pack, a layout, a clinic
    profile): the same stages, nothing read from disk. ``stamp=False`` renders a patient's handout in
    full instead of stamping the name into its template (the two read the same; tests compare them)."""
    found, doc_id = resolve(handout, document, kind)
    return impose(_pages(handout, found, doc_id, layout, clinic, patient, stamp))


def impose(pages: Result) -> Result:
    """Logical pages (render_pages) placed on print sheets, if their layout imposes them."""
    if pages.layout.imposition == "none":
        return pages
    data = impose_for(pages.layout, pages.data)
    return replace(pages, data=data, pages=page_count(data))


def build_all(requests: Sequence[Request]) -> list[Result]:
    """Several documents, every one made before any is returned (so a caller writes all or none)."""
    return [build(r) for r in requests]


def render_pages(request: Request, stamp: bool = True) -> Result:
    """The document's logical pages on the layout's page size, before any imposition (layouts that
    differ only in imposition, such as booklet and 2-up, share one rendering). Two languages
    (``request.also``): two_languages()."""
    if request.also is not None:
        return two_languages(request)
    handout, kind, doc_id, layout, clinic = _inputs(request)
    return _pages(handout, kind, doc_id, layout, clinic, request.patient, stamp)


def _inputs(request: Request) -> tuple[Handout, Kind, str, Layout, Clinic | None]:
    """The loaded values a request names: content pack, document kind and id, layout, clinic profile."""
    handout = load_handout(request.content)
    kind, doc_id = resolve(handout, request.document, request.kind)
    clinic = load_clinic(request.clinic) if request.clinic is not None else None
    return handout, kind, doc_id, get_layout(request.layout, mono=request.mono), clinic


def _pages(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
           patient: Patient | None, stamp: bool = True) -> Result:
    """The logical pages for ``patient``: personalise/ stamps the values into the document's template
    where they fit its slots (the template rendered once per process), otherwise a full render."""
    if stamp and personalise.stampable(patient):
        assert patient is not None
        made = stamped(template(handout, kind, doc_id, layout, clinic, template_of(patient)), patient)
        if made is not None:
            return made
    return _render(handout, kind, doc_id, layout, clinic, patient)


def template(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
             shape: Patient) -> Result:
    """The document rendered with its "Prepared for" values left as slots (``shape``: template_of
    a patient), kept (personalise/kept.py) while the loaded content pack and profile are the same objects."""
    key = (id(handout), id(clinic), kind.name, doc_id, layout.name, layout.mono, shape)
    return personalise.template(key, (handout, clinic), lambda: _render(handout, kind, doc_id, layout, clinic, shape))


def template_for(request: Request) -> Result:
    """The template of the request's document: its patient's values left as slots (render_pages)."""
    handout, kind, doc_id, layout, clinic = _inputs(request)
    return template(handout, kind, doc_id, layout, clinic, template_of(request.patient or Patient()))


def values_for(template: Result, patient: Patient) -> dict[str, str] | None:
    """The patient's values by slot field, if every one fits its slot of ``template`` as a full
    render would lay it out; None otherwise (and for a template without slots)."""
    return personalise.stamp_values(template.slots, patient)


def prepared(template: bytes) -> Prepared | None:
    """``template`` read once for fast stamping (personalise/kept.py); None for a file the fast stamp
    cannot read (it is then stamped through pikepdf)."""
    return personalise.prepared(template)


def stamped(template: Result, patient: Patient) -> Result | None:
    """``template`` (template()) with the patient's name and date set into its slots, reading as a
    full render does; None when a value would not fit its slot (the caller renders in full)."""
    values = values_for(template, patient)
    data = personalise.stamp_into(template.data, template.slots, values) if values is not None else None
    if data is None:
        return None
    about = template.about if template.about.patient is None else replace(template.about, patient=patient.name)
    return replace(template, data=data, personal=patient.name is not None, slots=(), about=about)


def run_member(template: Result, patient: Patient) -> Member | None:
    """The patient's handout as a print-run member: ``template`` with their values (print_run sets them
    in), if they fit its slots; None: make it in full (build) instead."""
    return personalise.member(template.data, template.slots, patient)


@dataclass(frozen=True)
class RowTemplate:
    """A document's template as a roster's rows use it: its logical pages (``pages``: a row's own file
    is stamped into them, then placed on print sheets if the layout imposes) and the same on the
    layout's print sheets (``sheets``: a print run's members are stamped there; ``pages`` itself
    where the layout does not impose)."""

    pages: Result
    sheets: Result


def row_template(template: Result) -> RowTemplate:
    """``template`` (template_for) ready for a roster's rows: imposed once, if its layout imposes."""
    return RowTemplate(template, impose(template))


@dataclass(frozen=True)
class RowMade:
    """A roster row made: its place in its layout's print run (a template with its values, or a PDF
    made in full) and, when asked, its own PDF and page count."""

    member: bytes | Member
    data: bytes = b""
    pages: int = 0


def roster_row(request: Request, template: RowTemplate | None = None, own: bool = False) -> RowMade:
    """A roster row (``request``, with its patient): stamped into ``template`` where its values fit the
    slots (``own``: its own file too, stamped and imposed as build() makes it), else made in full."""
    patient = request.patient
    if template is not None and patient is not None:
        member = run_member(template.sheets, patient)
        if member is not None and not own:
            return RowMade(member, b"", template.sheets.pages)
        made = stamped(template.pages, patient) if member is not None else None
        if member is not None and made is not None:
            made = impose(made)
            return RowMade(member, made.data, made.pages)
    made = build(request)
    return RowMade(made.data, made.data if own else b"", made.pages)


def row_file(row: RosterRow, layout: str) -> str:
    """A roster row's own file name: its row number, document and layout; never the patient's name."""
    return f"row-{row.row:04d}-{row.document}-{layout}.pdf"


def print_run(members: Sequence[tuple[bytes | Member, int]], title: str | None = None, pad: bool = True,
              into: BinaryIO | None = None) -> bytes:
    """One print-ready PDF of ``members`` (a PDF, or a run_member), each its count of times, in order,
    each starting on a front side (``pad``: a blank page after an odd one). ``into``: a file it is
    written to as it is saved, never held whole in memory (b"" is returned)."""
    return personalise.print_run(members, title, pad, into)


def run_title(layout: str, handouts: int) -> str:
    """A print run's title, naming the run (never a patient)."""
    from .export.impose import run_title as title

    return title(layout, handouts)


def _render(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
            patient: Patient | None) -> Result:
    from .export.tagging import tag

    made, tags = _drawn(handout, kind, doc_id, layout, clinic, patient)
    if tagged(layout) and tags is not None:  # print sheets (booklet, 2-up) claim no PDF/UA
        return replace(made, data=tag(made.data, tags))
    return made


def _drawn(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
           patient: Patient | None) -> tuple[Result, Record | None]:
    """The document rendered and fitted, untagged, and what the renderer marked (for tagging)."""
    from .plan.profile import apply
    from .render.fit import fit  # ReportLab's layout engine: only when something is drawn

    plan = apply(kind.plan(handout, doc_id), clinic, patient, handout.labels.clinic)
    fitted = fit(plan, kind, layout)
    data = fitted.data
    keep = "one page" if fitted.limit == 1 else f"{fitted.limit} pages"
    notes = review_notes(handout)
    notes += [f"{part} was left out of {doc_id} on {layout.name} to keep {keep}" for part in fitted.left_out]
    personal = patient is not None and patient.name not in (None, SLOT)
    named = patient.name if patient is not None and clinic is not None and clinic.profile.record_names else None
    about = Provenance(plan.title, handout.edition, handout.sheet.source.year, named,  # a template's: SLOT
                       handout.language, pack_edition(handout))
    return Result(data, fitted.pages, layout, kind.name, doc_id, kind.file_name(doc_id, layout.name),
                  fitted.body, fitted.left_out, tuple(notes), personal, about, fitted.slots), fitted.tags


def pack_edition(handout: Handout) -> str:
    """pack.yaml's ``edition`` of a pack ("" for a pack without one)."""
    return handout.pack.edition if handout.pack is not None else ""


def also_pack(name: str) -> Path | None:
    """``--also``'s pack: ``en`` is the bundled English sheet, a shipped pack's name (``es``) that pack,
    anything else a folder."""
    from .resources import resolve_pack, shipped_packs

    if name.strip().lower() in ("en", "en-us"):
        return None
    folder = resolve_pack(name)
    if folder is not None and not folder.is_dir():
        known = ", ".join(["en", *shipped_packs()])
        raise NotFoundError(f"--also {name}: no such language ({known}) and no content pack folder of that name")
    return folder


def two_languages(request: Request) -> Result:
    """The request's document in its pack's language, then in ``request.also``'s on the back: one PDF
    for duplex printing, each language starting on a front side, each part tagged with its language
    (export/twolang.py). Rendered in full (a patient's name too); layouts that impose pages on print
    sheets (booklet, 2-up) are not made in two languages."""
    from .export.twolang import Part, join

    handout, kind, doc_id, layout, clinic = _inputs(request)
    other = load_handout(also_pack(str(request.also)))
    if not tagged(layout):
        shared = f"{layout.name} prints pages on shared sheets; print two languages on letter, a4 or large-print"
        raise ContentError([shared])
    if other.language == handout.language:
        same = f"--also {request.also}: it is in {handout.language}, like the front; name another language"
        raise ContentError([same])
    parts = [_drawn(h, kind, doc_id, layout, clinic, request.patient) for h in (handout, other)]
    front, back = parts[0][0], parts[1][0]
    data = join([Part(made.data, tags, _language_name(h.language)) for (made, tags), h in zip(parts, (handout, other),
                                                                                              strict=True)],
                f"{front.about.title} / {back.about.title}")
    about = replace(front.about, language=f"{handout.language}+{other.language}",
                    pack_edition=f"{pack_edition(handout)}+{pack_edition(other)}")
    stem = front.file_name.removesuffix(".pdf")
    name = f"{stem}-{handout.language.split('-')[0]}-{other.language.split('-')[0]}.pdf".lower()
    notes = tuple(dict.fromkeys(front.notes + back.notes))
    return replace(front, data=data, pages=page_count(data), file_name=name, notes=notes, about=about,
                   left_out=front.left_out + back.left_out, slots=())


def _language_name(tag: str) -> str:
    """A language's own name for itself (``español``), from Babel's CLDR data; the tag if unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(tag, sep="-").language_name
    except (UnknownLocaleError, ValueError):
        return tag
    return (name[:1].upper() + name[1:]) if name else tag


def tagged(layout: Layout) -> bool:
    """Whether ``layout``'s documents are tagged and claim PDF/UA-1: every layout whose pages are
    the document's own (letter, a4, large print; colour and mono), not print sheets."""
    return layout.imposition == "none"


def warm_up(request: Request) -> None:
    """Import the render pipeline, register the main fonts, and load the request's content pack and
    clinic profile into their caches (a batch does this once before its workers fork)."""
    from .export import impose  # noqa: F401
    from .render import document, story  # noqa: F401
    from .render.fonts import register_main

    register_main()  # the fallback faces are registered when a text first needs them
    load_handout(request.content)
    if request.clinic is not None:
        load_clinic(request.clinic)


def about(document: str, content: Path | None = None) -> tuple[str, Provenance]:
    """A document's kind and what the education record says of it (title, edition, source year),
    without rendering it: for records of handouts made elsewhere (a batch's print runs)."""
    handout = load_handout(content)
    kind, doc_id = resolve(handout, document, None)
    return kind.name, Provenance(kind.plan(handout, doc_id).title, handout.edition, handout.sheet.source.year,
                                 language=handout.language, pack_edition=pack_edition(handout))


def content(folder: Path | None = None) -> Handout:
    """The content pack at ``folder`` (None: the bundled AAN sheet), loaded once while unchanged."""
    return load_handout(folder)


def layouts() -> dict[str, Layout]:
    """Every print layout by name, in the order of layouts.yaml."""
    from .design.layouts import all_layouts

    return all_layouts()


def documents(content: Path | None = None, kind: str | None = None) -> list[str]:
    """Every document of a content pack, in order (``full``, then each disorder's id), or those of
    one document kind."""
    handout = load_handout(content)
    return get_kind(kind).ids(handout) if kind else all_documents(handout)


def review_notes(handout: Handout, today: date | None = None) -> list[str]:
    """A note when the content's review date is over a year old (printing still goes ahead)."""
    reviewed = handout.sheet.meta.review_date
    age = ((today or date.today()) - reviewed).days
    if age <= REVIEW_AFTER_DAYS:
        return []
    note = (f"the content was last reviewed on {reviewed.isoformat()} ({age} days ago); "
            "check it against current guidance (`ivig-handout check`)")
    return [note]


# -- the render cache (personalise/disk.py): what a Result keeps in an entry, and reads back ------------

def cached(cache: RenderCache | None, request: Request, render: Callable[[Request], Result] = render_pages) -> Result:
    """``render(request)`` through the disk render ``cache`` (None: none): a stored rendering when its
    key is there, else rendered and stored. A patient's handout is never stored (rendered as asked)."""
    return personalise.cached(cache, request, render, ENTRIES)


def stored(cache: RenderCache | None, request: Request) -> Result | None:
    """The stored rendering of ``request`` in ``cache``, or None (no cache, no key, not stored)."""
    return personalise.lookup(cache, request, ENTRIES)


def _entry_values(request: Request, result: Result) -> dict[str, Any]:
    """What the PDF does not say: its body size, parts left out, notes (not the review note: it depends
    on the day), the record's patient (a template's: None or the slot, never a name) and the slots."""
    reviewed = set(review_notes(load_handout(request.content))) if result.notes else set()
    return {"body": result.body, "left_out": list(result.left_out),
            "notes": [n for n in result.notes if n not in reviewed], "patient": result.about.patient,
            "slots": [asdict(s) for s in result.slots]}


def _entry_result(request: Request, values: dict[str, Any], data: bytes) -> Result | None:
    """The Result of a stored entry: the document, kind, layout and file name the request resolves to,
    the PDF's own page count, and the stored values; None (a miss) unless the PDF opens, has the
    document's title, and the values read as those of a rendering of it. The content's review note is
    made anew (it depends on the day)."""
    try:
        handout = load_handout(request.content)
        kind, doc_id = resolve(handout, request.document, request.kind)
        layout, title = get_layout(request.layout, mono=request.mono), kind.plan(handout, doc_id).title
    except IvigError:
        return None  # rendered again, which reports it
    facts = pdf_facts(data)
    if facts is None or facts[1] != title or values.get("patient") not in (None, SLOT):
        return None
    pages = facts[0]
    try:
        slots = tuple(Slot(**{**s, "frame": tuple(s["frame"])}) for s in values["slots"])
        made = Result(data, pages, layout, kind.name, doc_id, kind.file_name(doc_id, layout.name),
                      float(values["body"]), _texts(values["left_out"]), _texts(values["notes"]),
                      False, Provenance(title, handout.edition, handout.sheet.source.year, values["patient"],
                                        handout.language, pack_edition(handout)), slots)
    except (KeyError, TypeError, ValueError):
        return None
    if not all(isinstance(s.page, int) and 0 <= s.page < pages for s in slots):
        return None
    return replace(made, notes=(*review_notes(handout), *made.notes))


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of texts")
    return tuple(value)


ENTRIES: Entries[Request, Result] = Entries(_entry_values, _entry_result)
__all__ += ["ENTRIES", "RenderCache", "cached", "stored"]


SITE_LAYOUTS = ("letter", "a4", "large-print")  # the PDFs beside each online page: tagged, the page's own size


@dataclass(frozen=True)
class OnlineSite:
    """The online copy (``ivig-handout site``): its HTML pages, index, stylesheet and logo by file name,
    and the request of each PDF beside a page (made with build(), or through a render cache)."""

    files: dict[str, bytes]
    pdfs: dict[str, Request]
    pages: dict[str, str]  # document id -> its page's file name


def online_site(content: Path | None = None, clinic: Path | None = None, mono: bool = False) -> OnlineSite:
    """The online copy of every document of a content pack, with the clinic's letterhead, questions
    line and note (never a patient: there is no patient to give). File names follow the clinic's
    ``qr_url`` pattern (online/names.py)."""
    from .online.site import build_site

    handout = load_handout(content)
    profile = load_clinic(clinic) if clinic is not None else None
    made = build_site(handout, profile, [get_layout(name, mono=mono) for name in SITE_LAYOUTS])
    pdfs = {pdf.name: Request(pdf.document, pdf.layout, content=content, clinic=clinic, kind=pdf.kind)
            for pdf in made.pdfs}
    return OnlineSite(made.files, pdfs, made.pages)


def site_problem(qr_url: str) -> str:
    """Why the online copy's files cannot be the pages a ``qr_url`` pattern leads to; "" when they can."""
    from .online.names import problem

    return problem(qr_url)


# -- rosters in memory -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterFile:
    """A day's roster in memory: the bytes of a CSV or XLSX file (``label``: its name in problems), and
    how its rows are made: the layout of rows without one, the copies of rows without a count, greyscale,
    the content pack, the clinic profile, and the document of rows without a disorder (None: required)."""

    data: bytes
    label: str = "roster.csv"
    layout: str = "letter"
    copies: int = 1
    mono: bool = False
    content: Path | None = None
    clinic: Path | None = None
    document: str | None = None
    allow_draft: bool = False  # rows may name a draft or out-of-date translation (printed with its band)

    def request(self, row: RosterRow) -> Request:
        """What ``row`` asks for (in its own language, if it names one)."""
        content = also_pack(row.language) if row.language is not None else self.content
        return Request(row.document, row.layout or self.layout, self.mono, content, self.clinic, row.patient,
                       also=row.also)


@dataclass(frozen=True)
class RosterRows:
    """A roster checked: its good rows (in roster order) and the problems of the others, side by side."""

    rows: tuple[RosterRow, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class PrintRuns:
    """A roster's print runs: each layout's PDF (every good row's handout x its copies, in roster order,
    each starting on a front side), the rows each run holds with their requests and copies (for the
    record), and the problems of the rows left out, as values."""

    runs: dict[str, bytes]
    rows: dict[str, tuple[tuple[RosterRow, Request, int], ...]]
    problems: tuple[Problem, ...]
    files: dict[str, bytes] = field(default_factory=dict)  # with files=True: each row's own PDF by row_file()


def roster(source: RosterFile) -> RosterRows:
    """Check every row of ``source`` (nothing is rendered): the good rows and the problems of the others
    (a problem of the whole file comes with no rows). Raises NotFoundError for an unknown ``layout`` or
    ``document`` of ``source`` itself."""
    from .inputs.roster import roster_rows

    handout = load_handout(source.content)
    find = document_finder(handout)
    default = find(source.document) if source.document is not None else None
    layout_finder(source.mono)(source.layout)
    rows, problems = roster_rows(source.data, source.label, find, layout_finder(source.mono), default,
                                 language=handout.language, languages=language_finder())
    drafts = [] if source.allow_draft else draft_rows(rows, source.label)
    refused = {p.line for p in drafts}
    return RosterRows(tuple(row for row in rows if row.row not in refused), problems + tuple(drafts))


def draft_rows(rows: Sequence[RosterRow], label: str) -> list[Problem]:
    """A problem for each row whose ``language`` or ``also`` names a draft or out-of-date translation
    (not given to patients without --allow-draft), in its column."""
    from .inputs.content import draft_problem

    found: list[Problem] = []
    for row in rows:
        for column, name in (("language", row.language), ("also", row.also)):
            folder = also_pack(name) if name is not None else None
            problem = draft_problem(load_handout(folder), folder) if name is not None else None
            if problem:
                found.append(Problem(label, row.row, column, problem, name or ""))
                break
    return found


def print_runs(source: RosterFile, checked: RosterRows | None = None, files: bool = False) -> PrintRuns:
    """The print run of each layout of ``source``'s good rows, in memory (nothing is written to disk);
    a row that cannot be made is left out, with its problem. ``checked``: roster(source), if done.
    ``files``: each row's own PDF as well (``.files``, by row_file(), in roster order)."""
    checked = checked or roster(source)
    problems = list(checked.problems)
    members: dict[str, list[tuple[bytes | Member, int]]] = {}
    rows: dict[str, list[tuple[RosterRow, Request, int]]] = {}
    own: dict[str, bytes] = {}
    templates: dict[int, tuple[Result, RowTemplate]] = {}
    for row in checked.rows:
        request, copies = source.request(row), row.copies or source.copies
        try:
            made = roster_row(request, _row_template(request, templates), files)
        except IvigError as exc:
            problems.append(Problem(source.label, row.row, "", (str(exc).splitlines() or ["cannot be made"])[0]))
            continue
        members.setdefault(request.layout, []).append((made.member, copies))
        rows.setdefault(request.layout, []).append((row, request, copies))
        if files:
            own[row_file(row, request.layout)] = made.data
    runs = {lay: print_run(made) for lay, made in members.items()}
    return PrintRuns(runs, {lay: tuple(held) for lay, held in rows.items()}, tuple(problems), own)


def _row_template(request: Request, held: dict[int, tuple[Result, RowTemplate]]) -> RowTemplate | None:
    """The template a row is stamped into (imposed once per run: ``held``); None for a row made in full
    (no patient, two languages)."""
    if request.patient is None or request.also is not None:
        return None
    template = template_for(request)  # kept in memory (personalise/kept.py): the same object per document
    found = held.get(id(template))
    if found is None:
        found = held[id(template)] = (template, row_template(template))
    return found[1]


def document_finder(handout: Handout) -> Callable[[str], str]:
    """A roster cell's document -> canonical id: ``full``, a disorder's id, alias, name or abbreviation,
    or a search word only it has ("miller fisher", "Guillain Barre"; any case: inputs/search.py)."""
    from .inputs.search import documents as searched
    from .inputs.search import hint, lookup, tied

    docs = searched(handout)

    def find(text: str) -> str:
        found = lookup(docs, text)
        if found.found is not None:
            return found.found.id
        if found.tied:
            raise NotFoundError(tied(found, "handout"))
        raise NotFoundError(f"unknown '{text}', {hint(found, 'expected a disorder id, alias or name')}")

    return find


def language_finder() -> Callable[[str], str]:
    """A roster cell's language -> the name of its pack (``en``, or a shipped pack's: ``es``): the name,
    the pack's language tag (``es-US``), or the language's name in English or in itself (``Spanish``,
    ``español``; any case); NotFoundError naming the languages there are."""
    from .resources import shipped_packs

    names = {"en": "en", "en-us": "en", "english": "en"}
    for name, folder in shipped_packs().items():
        tag = load_handout(folder).language
        names |= {name.lower(): name, tag.lower(): name, _language_name(tag).lower(): name,
                  _english_name(tag).lower(): name}

    def find(text: str) -> str:
        found = names.get(text.strip().lower())
        if found is None:
            raise NotFoundError(f"unknown language '{text}', expected {' or '.join(dict.fromkeys(names.values()))}")
        return found

    return find


def _english_name(tag: str) -> str:
    """A language's name in English (``Spanish``); the tag if Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(tag, sep="-").get_language_name("en") or tag)
    except (UnknownLocaleError, ValueError):
        return tag


def layout_finder(mono: bool) -> Callable[[str], str]:
    """A roster cell's layout -> its canonical name; NotFoundError suggesting the closest."""
    from difflib import get_close_matches

    from .design.layouts import all_layouts

    names = [*all_layouts(), *(f"{n}-mono" for n in all_layouts())]

    def find(text: str) -> str:
        try:
            return get_layout(text.strip().lower(), mono=mono).name
        except (NotFoundError, KeyError):
            close = get_close_matches(text.strip().lower(), names, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "expected a layout name"
            raise NotFoundError(f"unknown '{text}', {hint} (see `ivig-handout layouts`)") from None

    return find
