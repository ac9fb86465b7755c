"""Plan stage, the full information sheet: the whole source in source order, with an evidence summary
near the top. It flows onto as many pages as it takes."""

from __future__ import annotations

from ...inputs.model import Group, Handout
from ...inputs.search import FULL, documents, lookup
from ...inputs.template import fill
from ..blocks import Block, Bullets, DocumentPlan, Glance, Heading, Para, Title
from ..common import make_plan, side_effect_box, trailer
from . import Kind

__all__ = ["FULL", "KIND", "plan"]


def plan(handout: Handout, doc_id: str = FULL) -> DocumentPlan:
    """The whole source sheet, in source order, with an evidence summary near the top."""
    s = handout.sheet
    blocks: list[Block] = [Title(s.title)]
    blocks += [Para(p, "lead") for p in s.introduction]
    blocks.append(_glance(handout))
    blocks += _section(s.what_is_ivig.heading, s.what_is_ivig.paragraphs)
    blocks.append(Heading(s.helpful.heading, 1, bookmark=s.helpful.heading))
    for group in s.helpful.groups:
        blocks += _group(group)
    other = s.other_disorders
    blocks.append(Heading(other.heading, 1, badge="insufficient", bookmark=other.heading))
    blocks.append(Para(other.intro))
    blocks.append(Bullets(tuple(d.name for d in other.disorders)))
    blocks.append(side_effect_box(handout))
    blocks += [Para(p) for p in s.closing]
    blocks += trailer(handout)
    return make_plan(handout, KIND.name, FULL, s.title, blocks)


def _section(heading: str, paragraphs: tuple[str, ...]) -> list[Block]:
    return [Heading(heading, 1, bookmark=heading), *(Para(p) for p in paragraphs)]


def _group(group: Group) -> list[Block]:
    if len(group.disorders) == 1:
        only = group.disorders[0]
        out: list[Block] = [Heading(group.heading, 2, badge=only.rating, bookmark=group.heading)]
        return out + [Para(p) for p in (*group.paragraphs, *only.paragraphs)]
    out = [Heading(group.heading, 2, bookmark=group.heading)]
    out += [Para(p) for p in group.paragraphs]
    for disorder in group.disorders:
        out.append(Heading(disorder.label, 3, badge=disorder.rating, bookmark=disorder.label))
        out += [Para(p) for p in disorder.paragraphs]
    return out


def _glance(handout: Handout) -> Glance:
    rated = [(d.label, d.rating) for g in handout.sheet.helpful.groups for d in g.disorders]
    others = handout.sheet.other_disorders.disorders
    rated.append((", ".join(d.name for d in others), "insufficient"))
    labels = handout.labels
    continued = fill(labels.continued, heading=labels.glance_heading) if labels.continued else None
    return Glance(labels.glance_heading, labels.glance_intro, tuple(rated), continued)


def _find(handout: Handout, name: str) -> str | None:
    """``full``, the sheet's title or one of its search words ("IVIG", "immune globulin"): inputs/search.py."""
    return FULL if lookup(documents(handout, disorders=False), name).found is not None else None


KIND = Kind(
    name="full-sheet", noun="full sheet", section="full_sheet", fitting="flow",
    ids=lambda handout: [FULL], find=_find, plan=plan, stem=lambda doc_id: "ivig-information-sheet",
)
