"""Document kinds: the registry, and one layouts.yaml section per kind (no ReportLab needed)."""

from __future__ import annotations

import pytest

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
