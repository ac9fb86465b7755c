"""Render stage, tagging: flowables that open and close a marked-content sequence (BDC/EMC with an
MCID) as they draw, with the role their plan block gives them, and the canvas side of it.

Every page is drawn in artifact mode (``/Artifact BMC``): a marked flowable closes it, opens its own
sequence, draws, and reopens it, so box fills, rules, badge frames, bullets and the "(continued)"
headings are artifacts and nothing is left unmarked. The structure elements are made per block in
reading order (record.py); a flowable split across pages or columns keeps its element, so one
paragraph stays one element with marks on several pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable, KeepTogether, ListFlowable, Paragraph, Table
from reportlab.platypus.flowables import DDIndenter

from ..inputs.template import fill
from ..plan import blocks as p
from .badges import Badge
from .boxes import FramedRows
from .profile import LogoImage, QrCode
from .record import Annot, Element, Mark

ARTIFACT = "/Artifact BMC"


class Recorder:
    """One rendering's marks: the MCIDs used on each page and the open sequence (if any)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.annots: dict[int, int] = {}
        self.open: Element | None = None
        self.spaces: Iterator[bool] = iter(())  # per line of the paragraph drawing: wrapped (not <br/>)

    def begin(self, canv: Any, element: Element) -> bool:
        if self.open is not None:  # inside another marked flowable: its sequence holds this one
            return False
        page = canv.getPageNumber() - 1
        mcid = self.counts.get(page, 0)
        self.counts[page] = mcid + 1
        element.kids.append(Mark(page, mcid))
        self.open = element
        canv._code.append(f"EMC /{element.role} <</MCID {mcid}>> BDC")
        return True

    def end(self, canv: Any) -> None:
        self.open = None
        canv._code.append("EMC " + ARTIFACT)

    def annotation(self, canv: Any, url: str) -> None:
        """A link annotation was added to the current page: in the open element when that is a Link
        (the address's text and every annotation over it, a wrapped address one link), else in a
        Link element of its own in the open one."""
        page = canv.getPageNumber() - 1
        index = self.annots.get(page, 0)
        self.annots[page] = index + 1
        if self.open is None:
            return
        link = self.open if self.open.role == "Link" else self.open.add("Link")
        link.kids.append(Annot(page, index, url))


def recorder(canv: Any) -> Recorder | None:
    return getattr(canv, "_ivig_tags", None)


class SpacedText(PDFTextObject):
    """A text object that keeps the space ReportLab drops at each line wrap (inside marked content),
    so the text reads "by injection", not "byinjection". A space paints nothing."""

    def _textOut(self, text: str, TStar: int = 0) -> None:  # noqa: N802, N803
        rec = recorder(self._canvas)
        if TStar and rec is not None and rec.open is not None and next(rec.spaces, True) and not text.endswith(" "):
            text += " "
        super()._textOut(text, TStar)

    def textOut(self, text: str) -> None:  # noqa: N802
        """A paragraph's bullet: a space after it (not advancing the cursor ReportLab measures)."""
        super().textOut(text)
        rec = recorder(self._canvas)
        if rec is not None and rec.open is not None and text and not text.endswith(" "):
            self._code.append(self._formatText(" "))


def spaces(para: Paragraph) -> Iterator[bool]:
    """Per line of ``para`` as laid out: whether it ends at a wrap (not at a ``<br/>``), where
    SpacedText puts back the space ReportLab drops."""
    return iter([not getattr(line, "lineBreak", False) for line in para.blPara.lines])


class _Tagged:
    """Mixed into a flowable's class: draws inside a marked-content sequence of ``_se``; its split
    parts keep the same element."""

    _se: Element | None = None
    _drawn = False

    def draw(self) -> None:
        canv = self.canv  # type: ignore[attr-defined]
        rec = recorder(canv)
        # Drawn again (a table's header row repeated overleaf): an artifact the second time.
        opened = rec is not None and self._se is not None and not self._drawn and rec.begin(canv, self._se)
        self._drawn = True
        if opened and rec is not None and isinstance(self, Paragraph):
            rec.spaces = spaces(self)
        try:
            super().draw()  # type: ignore[misc]
        finally:
            if opened and rec is not None:
                rec.end(canv)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts: list[Flowable] = super().split(availWidth, availHeight)  # type: ignore[misc]
        for part in parts:
            if self._se is not None and part is not self:
                mark(part, self._se)
        return parts


_CLASSES: dict[type, type] = {}


def _tagged_class(cls: type) -> type:
    """``cls`` with the _Tagged mixin (one class per flowable class)."""
    if cls not in _CLASSES:
        _CLASSES[cls] = type(f"Tagged{cls.__name__}", (_Tagged, cls), {})
    return _CLASSES[cls]


def mark(flowable: Flowable, element: Element) -> Flowable:
    """``flowable`` drawn as content of ``element`` (the object itself, its class given the mixin)."""
    if not isinstance(flowable, _Tagged):
        flowable.__class__ = _tagged_class(type(flowable))
    flowable._se = element
    return flowable


# Which flowables hold content ---------------------------------------------------------------
def leaves(item: Any) -> Iterator[Any]:
    """The content flowables (paragraphs, badges, images, QR codes) under ``item``, in reading order;
    flowables already marked (e.g. the columns' inner blocks) are skipped."""
    if isinstance(item, (list, tuple)):
        for x in item:
            yield from leaves(x)
    elif isinstance(item, _Tagged) or not isinstance(item, Flowable):
        return
    elif hasattr(item, "tag_parts"):
        yield from leaves(item.tag_parts())
    elif isinstance(item, (Paragraph, Badge, LogoImage, QrCode)):
        yield item
    elif isinstance(item, Table):
        for row in item._cellvalues:
            yield from leaves(list(row))
    elif isinstance(item, (KeepTogether, ListFlowable)):
        yield from leaves(item._content)
    elif isinstance(item, DDIndenter):
        yield from leaves(item._flowable)
    elif isinstance(item, FramedRows):
        yield from leaves(item.rows)


def _leaf(parent: Element, f: Any, role: str = "P", block: Any = None, alt: Mapping[str, str] | None = None) -> None:
    """``f`` as an element of ``parent``: a badge, logo or QR code as a Figure with its alternative
    text (the rating in words; the department or the pack's logo words; "QR code: ADDRESS"), in the pack's
    words (``alt``). A logo beside the clinic's printed name is an artifact: its name is read once, from
    the text."""
    alt = alt or {}
    if isinstance(f, Badge):
        mark(f, parent.add("Figure", alt=f.word))
    elif isinstance(f, LogoImage):
        if getattr(block, "name", None):
            return  # not marked: drawn as an artifact
        mark(f, parent.add("Figure", alt=getattr(block, "department", None) or alt.get("logo", "")))
    elif isinstance(f, QrCode):
        words = fill(alt.get("qr", "{url}"), url=getattr(block, "qr_url", None) or "")
        mark(f, parent.add("Figure", alt=words.strip()))
    else:
        mark(f, parent.add(role))


def _heading(root: Element, flows: Iterable[Any], level: int) -> None:
    for f in leaves(list(flows)):
        _leaf(root, f, f"H{level}")


def _rows(root: Element, rows: Iterable[Any], heading: int | None) -> None:
    """A box's rows: the first paragraph a heading (if ``heading``), bullet items one list, a grid of
    items a list, the rest paragraphs."""
    lst: Element | None = None
    first = True
    for row in rows:
        if isinstance(row, DDIndenter):  # one bulleted item (a list exploded into a box's rows)
            if lst is None:
                lst = root.add("L")
            _item(lst, row)
            continue
        if isinstance(row, Table) and _grid(row):  # rows of a grid (large print: a table each) one list
            lst = lst or root.add("L")
            _list(lst, [c for line in row._cellvalues for c in line], into=lst)
            continue
        lst = None
        for f in leaves(row):
            _leaf(root, f, f"H{heading}" if first and heading and isinstance(f, Paragraph) else "P")
            first = False


def _item(lst: Element, item: Any) -> None:
    body = lst.add("LI").add("LBody")
    for f in leaves(item):
        if isinstance(f, Paragraph):
            mark(f, body)
        else:
            _leaf(body, f)


def _grid(table: Table) -> bool:
    """A table of list items side by side (the side effects), each cell a one-item list or empty."""
    cells = [c for row in table._cellvalues for c in row if c not in ("", None)]
    return bool(cells) and all(isinstance(c, ListFlowable) for c in cells)


def _list(root: Element, flows: Iterable[Any], into: Element | None = None) -> None:
    """Each list an L of LI elements, each with its LBody (the bullet is drawn as an artifact);
    ``into``: the items go into this L."""
    for f in flows:
        if isinstance(f, ListFlowable):
            lst = into or root.add("L")
            for item in f._content:
                _item(lst, item)


def _glance(root: Element, flows: list[Any]) -> None:
    """The evidence at a glance: its heading, the intro, and a table whose rows each have the
    disorder as a row header and the badge as a cell (a row with no badge, such as large print's
    intro as a header row, is a paragraph before the table)."""
    for f in flows:
        if isinstance(f, Table):
            table: Element | None = None
            for row in f._cellvalues:
                label, badge = row[0], row[1:]
                if not any(isinstance(x, Badge) for x in leaves(list(badge))):
                    for cell in leaves(list(row)):
                        _leaf(root, cell)
                    continue
                table = table or root.add("Table")
                tr = table.add("TR")
                for cell in leaves(label):
                    mark(cell, tr.add("TH", scope="Row"))
                td = tr.add("TD")
                for cell in leaves(list(badge)):
                    _leaf(td, cell)
        elif isinstance(f, Paragraph):
            _leaf(root, f, "H2" if f.style.name == "h1" else "P")


def _one(root: Element, flows: Iterable[Any], block: p.Block, alt: Mapping[str, str] | None = None,
         starts: str = "prepared_") -> None:
    """Paragraphs, pictures; the "Prepared for" line's cells (label, name, date label, date) one P."""
    line: Element | None = None
    for f in leaves(list(flows)):
        if isinstance(f, Paragraph) and f.style.name.startswith(starts):
            if line is None:
                line = root.add("P")
            mark(f, line)
        elif isinstance(f, Paragraph) and (f.style.name == "qr_url" or f.text.startswith("<a ")):
            mark(f, root.add("P").add("Link"))  # a web address: the Link holds its text and its annotations
        else:
            _leaf(root, f, block=block, alt=alt)


def heading_levels(blocks: Iterable[p.Block]) -> dict[int, int]:
    """The structure level (H2, H3 ...) of each heading level a plan uses, with none skipped: the
    title is H1, the plan's highest heading level H2, the next H3."""
    used: set[int] = set()
    for block in blocks:
        if isinstance(block, p.Columns):
            used |= set(heading_levels(block.blocks))
        elif isinstance(block, p.Heading):
            used.add(block.level)
    return {level: 2 + i for i, level in enumerate(sorted(used))}


def tag_block(root: Element, block: p.Block, flows: list[Any], levels: dict[int, int],
              alt: Mapping[str, str] | None = None) -> None:
    """Give the flowables a builder made for ``block`` their structure elements, under ``root``
    (``levels``: heading_levels of the plan; ``alt``: its alternative texts)."""
    if isinstance(block, p.Columns):
        return  # the inner blocks were tagged as they were built
    if isinstance(block, p.Title):
        _heading(root, flows, 1)
    elif isinstance(block, p.Heading):
        _heading(root, flows, levels.get(block.level, 2))
    elif isinstance(block, p.Bullets):
        _list(root, flows)
    elif isinstance(block, p.Glance):
        _glance(root, flows)
    elif isinstance(block, (p.SideEffectBox, p.Notice)):
        for f in flows:
            if isinstance(f, FramedRows):
                rows = f.rows
                if len(rows) == 1 and isinstance(rows[0], Table):  # a one-pager's notice: labels beside
                    for label, texts in rows[0]._cellvalues:
                        _heading(root, [label], 2)
                        _rows(root, [texts], None)
                else:
                    _rows(root, rows, 2)
    else:
        _one(root, flows, block, alt)
