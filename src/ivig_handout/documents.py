"""Orchestrator: content + document kind + layout -> PDF bytes (plan, theme, story, render, impose)."""

from __future__ import annotations

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

    A clinic profile's ruled notes box is the first thing to give way, before the type ever shrinks
    (the ladder: full type with the box, full type without it, one-pager type without it); leaving
    it out is reported in ``notices``. FitError (naming the disorder and layout) if nothing fits.
    """
    from .clinic import fit_advice, with_profile_pages, without_notes_box
    from .onepager import _render, _sizes, _too_long, fits

    theme = with_profile_pages(plan, theme)
    lighter = without_notes_box(plan)
    sizes = _sizes(theme)
    ladder = [(sizes[0], plan)] + ([(sizes[0], lighter)] if lighter else [])
    ladder += [(size, lighter or plan) for size in sizes[1:]]
    limit = theme.layout.one_pager_max_pages
    for size, candidate in ladder:
        rendered = _render(candidate, size)
        if fits(rendered, size, theme):  # within the limit; full size also with headroom
            if candidate is lighter and notices is not None:
                keep = "one page" if limit == 1 else f"{limit} pages"
                notices.append(f"the notes box was left out of {plan.doc_id} on {theme.layout.name} to keep {keep}")
            return rendered
    error = _too_long(lighter or plan, theme)
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
    return build_pdf(handout, doc, chosen, clinic, notices), chosen


def build_one_pagers(docs: list[str] | None = None, layout: str = "letter", mono: bool = False,
                     content_dir: Path | None = None, clinic: Clinic | None = None,
                     notices: list[str] | None = None) -> tuple[list[tuple[str, bytes]], Layout]:
    """One-pagers for ``docs`` (ids or aliases; None: every disorder, in source order), each paired
    with its canonical id. All are rendered before the caller writes any, so a disorder that does
    not fit (FitError) leaves no files behind."""
    handout = load_handout(content_dir)
    chosen = get_layout(layout, mono=mono)
    every = [d.id for d, _group in handout.disorders()]
    ids = every if docs is None else [find_disorder(handout, doc)[0].id for doc in docs]
    return [(i, build_pdf(handout, i, chosen, clinic, notices)) for i in ids], chosen
