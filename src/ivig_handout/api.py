"""The library API: the one door every front end uses (the command line and the batch runner today;
the web page and the printer next). A Request names what to make; build() returns a Result with the
PDF and the notes for the user as values."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .design.layouts import Layout, get_layout
from .export.impose import impose_for
from .export.pdfinfo import page_count
from .export.sinks import Artifact
from .export.sinks.record import Given, made_id
from .export.stamp import Prepared
from .inputs.content import load_handout
from .inputs.model import Handout
from .inputs.patient import SLOT, Patient, is_template, patient, template_of
from .inputs.profile import Clinic, load_clinic
from .plan.kinds import Kind, all_documents, get_kind, resolve
from .render.record import Slot

__all__ = ["REVIEW_AFTER_DAYS", "SITE_LAYOUTS", "OnlineSite", "Patient", "Provenance", "Request", "Result", "about",
           "build", "build_all", "content", "documents", "given", "impose", "layouts", "make", "online_site", "patient",
           "render_pages", "review_notes", "site_problem", "stamped", "template", "template_for", "values_for",
           "warm_up"]

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


@dataclass(frozen=True)
class Provenance:
    """What the education record needs beyond the PDF: the document's title, the content pack's edition
    and its source's year, and the patient's name only when the clinic's profile says ``record_names: yes``."""

    title: str
    edition: str
    source_year: int
    patient: str | None = None


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
                 printer, job_id, by, about.patient, about.title, made_id(sha256, copies) if result.personal else None)


def build(request: Request, stamp: bool = True) -> Result:
    """Make one document: planned, fitted, rendered and imposed on print sheets if the layout says so.
    A patient's values are stamped into the document's template where they fit (``stamp=False``:
    rendered in full, the plain way; both read the same).

    Raises an IvigError subclass (one line each: ContentError, NotFoundError, FitError) for anything
    the user can fix.
    """
    return impose(render_pages(request, stamp))


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
    differ only in imposition, such as booklet and 2-up, share one rendering)."""
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
    """The logical pages: a patient's values stamped into the document's template where they fit
    its slots (the template rendered once per process), otherwise a full render."""
    if stamp and patient is not None and not is_template(patient):
        made = stamped(template(handout, kind, doc_id, layout, clinic, template_of(patient)), patient)
        if made is not None:
            return made
    return _render(handout, kind, doc_id, layout, clinic, patient)


_TEMPLATES: dict[tuple[object, ...], tuple[Handout, Clinic | None, Result]] = {}
_KEEP_TEMPLATES = 64  # distinct (document, layout, clinic, values given): each about 60 KB


def template(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
             shape: Patient) -> Result:
    """The document rendered with its "Prepared for" values left as slots (``shape``: template_of
    a patient), kept while the loaded content pack and profile are the same objects."""
    key = (id(handout), id(clinic), kind.name, doc_id, layout.name, layout.mono, shape)
    held = _TEMPLATES.get(key)
    if held is not None and held[0] is handout and held[1] is clinic:
        return held[2]
    made = _render(handout, kind, doc_id, layout, clinic, shape)
    _keep(_TEMPLATES, key, (handout, clinic, made))
    return made


def _keep(kept: dict[Any, Any], key: Any, value: Any) -> None:
    """``kept[key] = value``, the oldest entry dropped past _KEEP_TEMPLATES."""
    if len(kept) >= _KEEP_TEMPLATES:
        del kept[next(iter(kept))]
    kept[key] = value


def template_for(request: Request) -> Result:
    """The template of the request's document: its patient's values left as slots (render_pages)."""
    handout, kind, doc_id, layout, clinic = _inputs(request)
    return template(handout, kind, doc_id, layout, clinic, template_of(request.patient or Patient()))


def values_for(template: Result, patient: Patient) -> dict[str, str] | None:
    """The patient's values by slot field, if every one fits its slot of ``template`` as a full
    render would lay it out; None otherwise (and for a template without slots)."""
    from .render.stamp import DATE, NAME, fits

    values = {NAME: patient.name or "", DATE: patient.date or ""}
    if not template.slots or not all(fits(slot, values[slot.field]) for slot in template.slots):
        return None
    return values


_PREPARED: dict[bytes, Prepared | None] = {}


def prepared(template: bytes) -> Prepared | None:
    """``template`` read once for fast stamping (kept for the templates kept); None for a file the
    fast stamp cannot read (it is then stamped through pikepdf)."""
    from .export.stamp import prepare

    if template not in _PREPARED:
        _keep(_PREPARED, template, prepare(template))
    return _PREPARED[template]


def stamped(template: Result, patient: Patient) -> Result | None:
    """``template`` (template()) with the patient's name and date set into its slots, reading as a
    full render does; None when a value would not fit its slot (the caller renders in full)."""
    from .export.stamp import fast_stamp, stamp
    from .render.stamp import draw_stamps

    values = values_for(template, patient)
    if values is None:
        return None
    drawn = draw_stamps([(template.slots, values)])
    fast = prepared(template.data)
    data = fast_stamp(fast, drawn) if fast is not None else None  # None too when a value needs its own fonts
    if data is None:
        try:
            data = stamp(template.data, drawn)
        except LookupError:  # a face the template does not have
            return None
    about = template.about if template.about.patient is None else replace(template.about, patient=patient.name)
    return replace(template, data=data, personal=patient.name is not None, slots=(), about=about)


def _render(handout: Handout, kind: Kind, doc_id: str, layout: Layout, clinic: Clinic | None,
            patient: Patient | None) -> Result:
    from .export.tagging import tag
    from .plan.profile import apply
    from .render.fit import fit  # ReportLab's layout engine: only when something is drawn

    plan = apply(kind.plan(handout, doc_id), clinic, patient, handout.labels.clinic)
    fitted = fit(plan, kind, layout)
    data = fitted.data
    if tagged(layout) and fitted.tags is not None:  # print sheets (booklet, 2-up) claim no PDF/UA
        data = tag(data, fitted.tags)
    keep = "one page" if fitted.limit == 1 else f"{fitted.limit} pages"
    notes = review_notes(handout)
    notes += [f"{part} was left out of {doc_id} on {layout.name} to keep {keep}" for part in fitted.left_out]
    personal = patient is not None and patient.name not in (None, SLOT)
    named = patient.name if patient is not None and clinic is not None and clinic.profile.record_names else None
    about = Provenance(plan.title, handout.edition, handout.sheet.source.year, named)  # a template's: SLOT
    return Result(data, fitted.pages, layout, kind.name, doc_id, kind.file_name(doc_id, layout.name),
                  fitted.body, fitted.left_out, tuple(notes), personal, about, fitted.slots)


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
    return kind.name, Provenance(kind.plan(handout, doc_id).title, handout.edition, handout.sheet.source.year)


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
