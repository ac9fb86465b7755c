"""Plan stage, common parts: the side-effect box, the trailer every document ends with, the PDF's
own description of itself."""

from __future__ import annotations

from collections.abc import Sequence

from ..inputs.model import RATINGS, Handout
from ..inputs.template import fill
from .blocks import Block, Disclaimer, DocumentPlan, Notice, SideEffectBox, SourceLine


def side_effect_box(handout: Handout) -> SideEffectBox:
    se = handout.sheet.side_effects
    continued = handout.labels.continued
    return SideEffectBox(se.heading, se.intro, se.items, se.after,
                         fill(continued, heading=se.heading) if continued else None)


def trailer(handout: Handout) -> list[Block]:
    """Notice, source line and disclaimer: on every document, never optional."""
    s, labels = handout.sheet, handout.labels
    src = s.source
    lines = (src.endorsement, f"©\xa0{src.copyright}" if not src.copyright.startswith("©") else src.copyright,
             src.citation, labels.newer_statement, f"{labels.status_label} {src.status}", *_translated(handout))
    return [
        Notice(labels.notice_heading, handout.notice()),
        SourceLine(labels.source_label, lines),
        Disclaimer(s.disclaimer),
    ]


def _translated(handout: Handout) -> tuple[str, ...]:
    """A translation's line naming the English original it was translated from."""
    pack, line = handout.pack, handout.labels.translated_from
    if pack is None or pack.translated_from is None:
        return ()
    return (fill(line, title=pack.translated_from.title, edition=pack.translated_from.edition),)


def make_plan(handout: Handout, kind: str, doc_id: str, title: str, blocks: Sequence[Block]) -> DocumentPlan:
    """The plan with the words for badges and the PDF metadata every document carries."""
    labels = handout.labels
    words: dict[str, str] = {r: labels.rating(r) for r in RATINGS}
    meta = {
        "author": labels.document_author,
        "subject": labels.document_subject,
        "keywords": ", ".join(labels.document_keywords),
        "lang": handout.language,
    }
    alt = {"logo": labels.logo_alt, "qr": labels.qr_alt, "link": labels.link_alt}
    return DocumentPlan(kind, doc_id, title, handout.sheet.title, tuple(blocks), words, meta, labels.page_footer,
                        band=handout.band, alt=alt)
