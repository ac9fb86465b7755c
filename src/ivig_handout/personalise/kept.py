"""Personalise stage, templates kept in memory: a document's template (its "Prepared for" values left
as slots) per (content pack, clinic profile, document, layout, values given), and each template's PDF
read once for the fast stamp. Both bounded: the oldest entry goes first."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from ..export.stamp import Prepared

T = TypeVar("T")
KEEP = 64  # distinct (document, layout, clinic, values given): each about 60 KB


class Kept(Generic[T]):
    """Values by key, at most ``keep`` of them; ``owners`` are objects a value is only good for while
    they are the same objects (the loaded content pack and clinic profile)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.held: dict[Hashable, tuple[tuple[object, ...], T]] = {}

    def get(self, key: Hashable, owners: tuple[object, ...], make: Callable[[], T]) -> T:
        """The value kept for ``key`` and ``owners``, else ``make()`` kept."""
        held = self.held.get(key)
        if held is not None and all(a is b for a, b in zip(held[0], owners, strict=True)):
            return held[1]
        made = make()
        if key not in self.held and len(self.held) >= self.keep:
            del self.held[next(iter(self.held))]
        self.held[key] = (owners, made)
        return made

    def clear(self) -> None:
        self.held.clear()


_PREPARED: Kept[Prepared | None] = Kept()


def prepared(template: bytes) -> Prepared | None:
    """``template`` read once for the fast stamp (kept for the templates kept); None for a file the fast
    stamp cannot read (it is then stamped through pikepdf)."""
    from ..export.stamp import prepare

    return _PREPARED.get(template, (), lambda: prepare(template))


_TEMPLATES: Kept[object] = Kept()


def template(key: Hashable, owners: tuple[object, ...], make: Callable[[], T]) -> T:
    """A document's template kept for ``key`` while ``owners`` (the loaded content pack and clinic
    profile) are the same objects, else ``make()`` kept."""
    return cast(T, _TEMPLATES.get(key, owners, make))


def forget() -> None:
    """Drop every template and prepared template kept (tests; a long-lived caller after an edit)."""
    _TEMPLATES.clear()
    _PREPARED.clear()
