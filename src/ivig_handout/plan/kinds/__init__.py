"""Plan stage, document kinds: the registry. Each kind (one module here, one section under ``kinds:`` in
layouts.yaml) says which documents it makes, how each is planned, how it is fitted and how its files
are named; nothing else compares kind names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ...errors import NotFoundError
from ...inputs.model import Handout
from ..blocks import DocumentPlan

Fitting = Literal["flow", "page-limit"]


@dataclass(frozen=True)
class Kind:
    """One document kind."""

    name: str  # as a request names it: "full-sheet", "one-pager"
    noun: str  # how messages name a document of this kind: "full sheet", "one-pager"
    section: str  # its section under a layout's ``kinds:`` (type sizes, spacing, page limit)
    fitting: Fitting  # flow: as many pages as it takes; page-limit: held to the section's max_pages
    ids: Callable[[Handout], list[str]]  # the documents of this kind in a content pack, in order
    find: Callable[[Handout, str], str | None]  # a requested name -> canonical id (None: not this kind)
    plan: Callable[[Handout, str], DocumentPlan]  # canonical id -> plan
    stem: Callable[[str], str]  # canonical id -> file name stem (the layout name follows)

    def file_name(self, doc_id: str, layout: str) -> str:
        return f"{self.stem(doc_id)}-{layout}.pdf"


def _registry() -> dict[str, Kind]:
    from . import full_sheet, one_pager

    return {kind.name: kind for kind in (full_sheet.KIND, one_pager.KIND)}


KINDS: dict[str, Kind] = _registry()


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFoundError(f"unknown document kind '{name}' (choose from {', '.join(KINDS)})") from None


def resolve(handout: Handout, name: str, kind: str | None = None) -> tuple[Kind, str]:
    """The kind and canonical id of the document ``name`` (``full``, a disorder id or alias), looked
    up in ``kind`` only when given; NotFoundError with the closest names when nothing matches."""
    kinds = [get_kind(kind)] if kind else list(KINDS.values())
    for candidate in kinds:  # a canonical id first: no name search (a batch resolves each id many times)
        if name in candidate.ids(handout):
            return candidate, name
    for candidate in kinds:
        found = candidate.find(handout, name)
        if found is not None:
            return candidate, found
    raise NotFoundError(f"unknown document '{name}' (see `ivig-handout list`)")  # pragma: no cover - see find


def all_documents(handout: Handout) -> list[str]:
    """Every document a content pack makes, kind by kind: the full sheet, then each one-pager."""
    return [doc_id for kind in KINDS.values() for doc_id in kind.ids(handout)]


def kind_of(handout: Handout, doc_id: str) -> Kind:
    """The kind of a canonical document id."""
    return resolve(handout, doc_id)[0]
