"""Orchestrator: content + document kind + layout -> PDF bytes (plan, theme, story, render, impose)."""

from __future__ import annotations

from pathlib import Path

from .content import find_disorder, load_handout
from .layouts import Layout, get_layout
from .model import Handout
from .plan import DocumentPlan, full_sheet, one_pager

FULL = "full"


def plan_for(handout: Handout, doc: str) -> DocumentPlan:
    """Plan of ``doc``: ``full`` for the whole sheet, else a disorder id or alias."""
    if doc == FULL:
        return full_sheet(handout)
    disorder, group = find_disorder(handout, doc)
    return one_pager(handout, disorder, group)


def build_pdf(handout: Handout, doc: str, layout: Layout) -> bytes:
    """PDF bytes for one document in one layout."""
    from .render import render
    from .theme import make_theme

    plan = plan_for(handout, doc)
    theme = make_theme(layout, compact=plan.kind == "one-pager")
    return render(plan, theme)


def default_name(doc: str, layout: Layout) -> str:
    stem = "ivig-information-sheet" if doc == FULL else f"ivig-{doc}"
    return f"{stem}-{layout.name}.pdf"


def build(doc: str = FULL, layout: str = "letter", mono: bool = False,
          content_dir: Path | None = None) -> tuple[bytes, Layout]:
    handout = load_handout(content_dir)
    chosen = get_layout(layout, mono=mono)
    return build_pdf(handout, doc, chosen), chosen
