"""Plan stage, one-pagers: one disorder on one page (the layout's ``kinds.one_pager.max_pages``),
fitted by the page limit: what IVIg is, the source's words on the disorder, the side-effect box and
the trailer."""

from __future__ import annotations

from ...inputs.content import find_disorder
from ...inputs.model import Disorder, Group, Handout
from ...inputs.template import fill
from ..blocks import Block, Bullets, Columns, DocumentPlan, Heading, Para, Title
from ..common import make_plan, side_effect_box, trailer
from . import Kind


def plan(handout: Handout, doc_id: str) -> DocumentPlan:
    """One disorder on one page: title with its badge, what IVIg is, the source's words on it
    (its group's paragraphs, then its own, verbatim and in order; for a disorder the source only
    lists, the source's not-enough-evidence statement and its name, nothing invented), the
    side-effect box and the trailer."""
    disorder, group = find_disorder(handout, doc_id)
    s, labels = handout.sheet, handout.labels
    title = fill(labels.one_pager_title, name=disorder.label)
    body: list[Block] = [Heading(labels.one_pager_about, 2, bookmark=labels.one_pager_about)]
    body += [Para(p) for p in s.what_is_ivig.paragraphs]
    body.append(Heading(labels.one_pager_research, 2, bookmark=labels.one_pager_research))
    body += research(handout, disorder, group)
    shown = title.replace(f" ({disorder.abbreviation})", f"\xa0({disorder.abbreviation})")  # never "(GBS)" alone
    blocks: list[Block] = [Title(shown, badge=disorder.rating), Columns(tuple(body)), side_effect_box(handout)]
    blocks += trailer(handout)
    return make_plan(handout, KIND.name, disorder.id, title, blocks)


def research(handout: Handout, disorder: Disorder, group: Group | None) -> list[Block]:
    """What the source says about one disorder: its group's text and its own, or the list statement."""
    if group is None:
        return [Para(handout.sheet.other_disorders.intro), Bullets((disorder.name,))]
    return [Para(p) for p in (*group.paragraphs, *disorder.paragraphs)]


def _find(handout: Handout, name: str) -> str:
    """The disorder's id; NotFoundError suggesting the closest ids when there is none."""
    return find_disorder(handout, name)[0].id


KIND = Kind(
    name="one-pager", noun="one-pager", section="one_pager", fitting="page-limit",
    ids=lambda handout: [d.id for d, _group in handout.disorders()], find=_find, plan=plan,
    stem=lambda doc_id: f"ivig-{doc_id}",
)
