"""Document kinds: the registry, and one layouts.yaml section per kind (no ReportLab needed)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ivig_handout.design.layouts import all_layouts
from ivig_handout.errors import NotFoundError
from ivig_handout.inputs.model import Handout
from ivig_handout.plan.blocks import Columns, Disclaimer, Notice, SourceLine, Title
from ivig_handout.plan.kinds import KINDS, all_documents, get_kind, kind_of, resolve


def test_every_layout_section_names_a_registered_kind() -> None:
    sections = {kind.section for kind in KINDS.values()}
    for name, layout in all_layouts().items():
        assert set(layout.kinds) <= sections, name
        assert layout.kind("one_pager").max_pages >= 1 and layout.kind("full_sheet") is not None


def test_one_page_layouts_hold_one_pagers_to_one_page_and_long_ones_allow_more() -> None:
    layouts = all_layouts()
    assert {n for n, lay in layouts.items() if lay.kind("one_pager").max_pages == 1} == {"letter", "a4"}
    assert layouts["large-print"].kind("one_pager").max_pages == 4
    assert layouts["booklet"].kind("one_pager").body == 11 and layouts["letter"].kind("one_pager").body == 11
    assert layouts["a4"].kind("one_pager").clinic_band and not layouts["booklet"].kind("one_pager").clinic_band


def test_documents_resolve_by_id_alias_or_name_case_insensitively(handout: Handout) -> None:
    assert resolve(handout, "full")[0] is get_kind("full-sheet")
    assert resolve(handout, " Myasthenia ") == (get_kind("one-pager"), "mg")
    with pytest.raises(NotFoundError, match="did you mean 'gbs'"):
        resolve(handout, "gbz")
    with pytest.raises(NotFoundError, match="unknown document kind 'poster'"):
        resolve(handout, "full", kind="poster")


def test_all_documents_in_order_and_named_by_their_kind(handout: Handout) -> None:
    docs = all_documents(handout)
    assert docs[0] == "full" and docs[1:] == [d.id for d, _ in handout.disorders()] and len(docs) == 13
    assert kind_of(handout, "full").file_name("full", "a4") == "ivig-information-sheet-a4.pdf"
    assert kind_of(handout, "cidp").file_name("cidp", "letter-mono") == "ivig-cidp-letter-mono.pdf"


def test_each_kind_plans_its_blocks_and_always_ends_with_the_trailer(handout: Handout) -> None:
    for doc in all_documents(handout):
        kind, doc_id = resolve(handout, doc)
        plan = kind.plan(handout, doc_id)
        assert plan.kind == kind.name and plan.doc_id == doc_id and isinstance(plan.blocks[0], Title)
        assert [type(b) for b in plan.blocks[-3:]] == [Notice, SourceLine, Disclaimer]
        assert any(isinstance(b, Columns) for b in plan.blocks) == (kind.name == "one-pager")


# --- ids and file names ------------------------------------------------------------------------------

def test_reserved_words_are_the_names_the_program_gives_other_things() -> None:
    """Every word a request, a job or a batch gives its own meaning is a reserved id (inputs.rules)."""
    from ivig_handout.batch.jobs import ALL
    from ivig_handout.batch.runner import PRINT_RUN
    from ivig_handout.inputs.rules import FULL_SHEET_STEM, RESERVED
    from ivig_handout.plan.kinds.full_sheet import FULL

    stems = {get_kind("full-sheet").stem(FULL).removeprefix("ivig-")}
    assert {FULL, ALL, PRINT_RUN, FULL_SHEET_STEM} | stems <= set(RESERVED)
    assert stems == {FULL_SHEET_STEM}
    assert get_kind("one-pager").stem("gbs") == "ivig-gbs"  # the rule in inputs.rules assumes this form


def test_no_two_documents_share_a_file_name(handout: Handout) -> None:
    names = [layout for layout in all_layouts()] + [f"{layout}-mono" for layout in all_layouts()]
    files = [kind_of(handout, doc).file_name(doc, layout) for doc in all_documents(handout) for layout in names]
    assert len(files) == len(set(files)) == 13 * 16


# Names made of a few words, so that one is often another plus a dash and a word (as gbs-large-print
# is gbs plus -large-print, and large-print-a4 is large-print plus -a4): where file names could clash.
_WORDS = st.sampled_from(["a", "b", "a4", "information", "sheet"])
_ID = st.lists(_WORDS, min_size=1, max_size=3).map("-".join)
_LAYOUT = st.lists(_WORDS, min_size=1, max_size=3).map("-".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ID, min_size=1, max_size=8, unique=True), st.lists(_LAYOUT, min_size=1, max_size=6, unique=True))
def test_ids_the_rules_accept_never_share_a_file_name_on_any_layouts(ids: list[str], layouts: list[str]) -> None:
    """Whatever the layouts are called, the ids inputs.rules accepts give every document its own file."""
    from ivig_handout.inputs.model import Disorder, Sheet
    from ivig_handout.inputs.rules import sheet_problems
    from ivig_handout.inputs.yamlio import Located
    from ivig_handout.plan.kinds.full_sheet import FULL

    base = load_handout_once().sheet
    others = tuple(Disorder(id=i, name=f"Disorder {i}") for i in ids)
    sheet = base.model_copy(update={
        "helpful": base.helpful.model_copy(update={"groups": base.helpful.groups[:1]}),
        "other_disorders": base.other_disorders.model_copy(update={"disorders": others}),
    })
    group_ids = [d.id for g in sheet.helpful.groups for d in g.disorders]
    assume(not sheet_problems(Sheet.model_validate(sheet.model_dump()), Located(None, "sheet.yaml")))
    full, one = get_kind("full-sheet"), get_kind("one-pager")
    files = [full.file_name(FULL, layout) for layout in layouts]
    files += [one.file_name(i, layout) for i in [*group_ids, *ids] for layout in layouts]
    assert len(files) == len(set(files)), (ids, layouts)


def load_handout_once() -> Handout:
    from ivig_handout.inputs.content import load_handout

    return load_handout()
