"""Render stage, the tagging record: what the renderer marked as it drew, as plain data (no ReportLab).

The renderer builds one ``Element`` per structure element from the plan's blocks (in reading order)
and, as each flowable draws, adds a ``Mark`` (page, MCID) of the marked-content sequence it opened;
a link annotation drawn inside one adds an ``Annot``. export/tagging.py writes the structure tree
from this record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mark:
    """A marked-content sequence: 0-based page index and its MCID on that page."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Annot:
    """A link annotation: 0-based page index and its position in the page's /Annots."""

    page: int
    index: int
    url: str = ""


@dataclass(eq=False)
class Element:
    """A structure element: its standard role (P, H1, Figure, Table, TH ...), alternative text,
    a table header's scope, its kids in reading order, and its language when it differs from the
    document's (a name in another script)."""

    role: str
    alt: str | None = None
    scope: str | None = None
    kids: list[Element | Mark | Annot] = field(default_factory=list)
    lang: str | None = None

    def add(self, role: str, alt: str | None = None, scope: str | None = None) -> Element:
        child = Element(role, alt, scope)
        self.kids.append(child)
        return child

    def marked(self) -> bool:
        """True if anything under it was drawn."""
        return any(not isinstance(k, Element) or k.marked() for k in self.kids)

    def walk(self) -> Iterator[Element]:
        yield self
        for k in self.kids:
            if isinstance(k, Element):
                yield from k.walk()


@dataclass(eq=False)
class Record:
    """A rendering's structure: the Document element, the title and language it claims."""

    root: Element
    title: str
    lang: str
    link_alt: str = ""  # a link's description when it has no address (the pack's link_alt)


@dataclass(frozen=True)
class Slot:
    """Where a template leaves the patient's name or date to be stamped in (render/stamp.py): which
    value (``name``, ``date``), the 0-based page, the widest the value may print (pt) and the width
    its paragraph is set in, and the paragraph's type (face, size, leading, colour as #rrggbb). In
    the template's content stream the place is the marker ``/IvigSlotN BMC EMC`` (N: its index). The
    frame is ReportLab's drawing of a one-run value there, cut around its string (render/slots.py)."""

    field: str
    page: int
    room: float
    width: float
    font: str
    size: float
    leading: float
    colour: str
    frame: tuple[str, str, str]  # a plain value's drawing around its string, and its face
