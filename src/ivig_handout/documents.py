"""Orchestrator: content + document kind + layout -> PDF bytes (plan, theme, story, render, impose)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .content import find_disorder, load_handout
from .layouts import Layout, get_layout
from .model import Handout
from .plan import DocumentPlan, full_sheet, one_pager

if TYPE_CHECKING:
    from .clinic import Clinic
    from .onepager import Rendered
    from .theme import Theme

FULL = "full"


def plan_for(handout: Handout, doc: str) -> DocumentPlan:
    """Plan of ``doc``: ``full`` for the whole sheet, else a disorder id or alias."""
    if doc == FULL:
        return full_sheet(handout)
    disorder, group = find_disorder(handout, doc)
    return one_pager(handout, disorder, group)


def build_pdf(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
              notices: list[str] | None = None) -> bytes:
    """PDF bytes for one document in one layout, imposed on print sheets if the layout says so.

    ``clinic``: a loaded clinic profile (clinic.load_clinic) to print with it. ``notices`` collects
    one-line notes for the user (e.g. a notes box left out to keep a one-pager on one page).
    """
    return impose_for(layout, render_pages(handout, doc, layout, clinic, notices))


def render_pages(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
                 notices: list[str] | None = None) -> bytes:
    """The document's logical pages on the layout's page size (before any imposition)."""
    from .clinic import apply
    from .render import render
    from .theme import make_theme

    plan = apply(plan_for(handout, doc), clinic, handout.labels.clinic)
    theme = make_theme(layout, compact=plan.kind == "one-pager")
    if plan.kind == "one-pager":
        return fit_one_pager(plan, theme, notices).data  # FitError if past the layout's page limit
    return render(plan, theme)


def fit_one_pager(plan: DocumentPlan, theme: Theme, notices: list[str] | None = None) -> Rendered:
    """Render a one-pager at the largest type that keeps it within the layout's page limit.

    With a clinic profile (on a band layout: one letterhead band, the page's band margins), the ruled
    notes box gives way before the type steps down from the layout's body size to the one-pager size;
    at that size the "Prepared for" line, then the clinic's note give way where still needed
    (clinic.variants). They never give way only to keep the larger type: that would leave the
    full-size page's headroom empty instead. Each part left out is reported in ``notices``.
    FitError (naming the disorder and layout) if nothing fits.
    """
    from .clinic import as_band, fit_advice, profile_theme, variants
    from .onepager import _render, _sizes, _too_long, fits
    from .plan import NotesBox

    theme = profile_theme(plan, theme)
    plan = as_band(plan, theme.layout)
    tries = variants(plan)
    sizes = _sizes(theme)
    # The larger type with everything, or without the notes box only; the smaller never with the box.
    boxed = [t for t in tries if any(isinstance(b, NotesBox) for b in t[1].blocks)]  # the first, if any
    ladder = [(sizes[0], t) for t in (tries if len(sizes) == 1 else tries[:len(boxed) + 1])]
    ladder += [(size, t) for size in sizes[1:] for t in tries[len(boxed):]]
    limit = theme.layout.one_pager_max_pages
    for size, (dropped, candidate) in ladder:
        rendered = _render(candidate, size, lambda r, size=size: fits(r, size, theme))  # too long: not written
        if fits(rendered, size, theme):  # within the limit; full size also with headroom
            keep = "one page" if limit == 1 else f"{limit} pages"
            if notices is not None:
                notices += [f"{part} was left out of {plan.doc_id} on {theme.layout.name} to keep {keep}"
                            for part in dropped]
            return rendered
    error = _too_long(tries[-1][1], theme)
    raise type(error)(fit_advice(plan, str(error)))


def impose_for(layout: Layout, pages: bytes) -> bytes:
    """Place rendered pages on print sheets: booklet or 2-up, or unchanged for ``none``."""
    if layout.imposition == "none":
        return pages
    from .impose import impose_2up, impose_booklet

    return impose_booklet(pages) if layout.imposition == "booklet" else impose_2up(pages)


def default_name(doc: str, layout: Layout) -> str:
    stem = "ivig-information-sheet" if doc == FULL else f"ivig-{doc}"
    return f"{stem}-{layout.name}.pdf"


def build(doc: str = FULL, layout: str = "letter", mono: bool = False,
          content_dir: Path | None = None, clinic: Clinic | None = None,
          notices: list[str] | None = None) -> tuple[bytes, Layout]:
    handout = load_handout(content_dir)
    chosen = get_layout(layout, mono=mono)
    review_notice(handout, notices)
    return build_pdf(handout, doc, chosen, clinic, notices), chosen


def build_one_pagers(docs: list[str] | None = None, layout: str = "letter", mono: bool = False,
                     content_dir: Path | None = None, clinic: Clinic | None = None,
                     notices: list[str] | None = None) -> tuple[list[tuple[str, bytes]], Layout]:
    """One-pagers for ``docs`` (ids or aliases; None: every disorder, in source order), each paired
    with its canonical id. All are rendered before the caller writes any, so a disorder that does
    not fit (FitError) leaves no files behind."""
    handout = load_handout(content_dir)
    chosen = get_layout(layout, mono=mono)
    review_notice(handout, notices)
    every = [d.id for d, _group in handout.disorders()]
    ids = every if docs is None else [find_disorder(handout, doc)[0].id for doc in docs]
    return [(i, build_pdf(handout, i, chosen, clinic, notices)) for i in ids], chosen


REVIEW_AFTER_DAYS = 365


def review_notice(handout: Handout, notices: list[str] | None, today: date | None = None) -> None:
    """Add a notice when the content's review date is over a year old (printing still goes ahead)."""
    reviewed = handout.sheet.meta.review_date
    age = ((today or date.today()) - reviewed).days
    if notices is not None and age > REVIEW_AFTER_DAYS:
        notices.append(f"the content was last reviewed on {reviewed.isoformat()} ({age} days ago); "
                       "check it against current guidance (`ivig-handout check`)")
