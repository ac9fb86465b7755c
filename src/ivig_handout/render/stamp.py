"""Render stage, stamping: a template of a handout leaves the patient's name and date out and reports
where they go (record.Slot); ``draw_stamps`` later draws each patient's values as the very paragraphs a
full render would draw there, for export/stamp.py to set into the template's pages.

A slot's paragraph is laid out like any one-line value (so the page is the page of any name that fits
its room) and draws only a marker, inside the marked-content sequence tagging gives it: the stamped
text lands in its place in the content stream and in the structure tree. A value wider than its room
would lay the line out differently: ``fits`` says so, and the caller renders that one in full."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .fonts import register_main
from .markup import is_bold, text_width, to_markup
from .record import Element, Slot
from .tagging import Recorder, SpacedText, spaces

NAME, DATE = "patient name", "date"  # a slot's field: the value it takes (and the field errors name)
PAGE = (612.0, 792.0)  # a stamp page's size: its text is set in the template's page, not on it


class SlotParagraph(Paragraph):
    """The name's or date's paragraph in a template: laid out as a one-line value, drawn as a marker;
    ``room`` is the widest value that keeps the line as laid out."""

    def __init__(self, style: ParagraphStyle, field: str, room: float) -> None:
        super().__init__("X", style)  # any one line: a value that fits its room takes one line too
        self.field, self.room = field, room
        self.set_width = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.set_width = float(availWidth)
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        return size

    def draw(self) -> None:
        canv = self.canv
        slots: list[Slot] = getattr(canv, "_ivig_slots", [])
        st = self.style
        slots.append(Slot(self.field, canv.getPageNumber() - 1, self.room, self.set_width, st.fontName,
                          float(st.fontSize), float(st.leading), "#" + st.textColor.hexval()[2:]))
        canv._code.append(f"/IvigSlot{len(slots) - 1} BMC EMC")  # export/stamp.py sets the value here


def fits(slot: Slot, value: str) -> bool:
    """Whether ``value`` prints within ``slot`` as a full render would lay it out (one line, the same row)."""
    register_main()  # (a roster whose templates all came from the cache has rendered nothing yet)
    return text_width(value, slot.size, bold=is_bold(slot.font)) <= slot.room


@dataclass(frozen=True)
class Stamp:
    """Patients' values drawn for templates: for each stamp page, each slot's drawing (content-stream
    operators, by slot index), and the fonts they name. Values in printable ASCII are drawn in the
    first subset of the template's own faces, which holds every ASCII glyph: ``faces`` maps the font
    names those drawings use to their faces (PostScript names). Other values need glyphs a template
    may lack: ``pdf`` is then a PDF whose first page's resources hold the fonts the others name."""

    ops: tuple[dict[int, bytes], ...]
    faces: dict[str, str] = field(default_factory=dict)
    pdf: bytes = b""


def draw_stamps(pages: Sequence[tuple[Sequence[Slot], Mapping[str, str]]]) -> Stamp:
    """Each (slots, values): every slot's value drawn at the origin as the paragraph a full render
    draws in its place (a template's slot sits at its paragraph's origin). A value in printable ASCII
    is drawn in the template's own face (``faces``), any other on a stamp page whose fonts ``pdf``
    holds. Deterministic; raises UncoveredCharacterError for a value it cannot print."""
    register_main()
    faces: dict[str, str] = {}
    buf = BytesIO()
    canv: _StampCanvas | None = None
    ops: list[dict[int, bytes]] = []
    for slots, values in pages:
        drawn: dict[int, bytes] = {}
        for index, slot in enumerate(slots):
            value = values[slot.field]
            if _plain(value):
                drawn[index] = _framed(slot, value, faces)
                continue
            if canv is None:
                canv = _StampCanvas(buf, pagesize=PAGE, invariant=1, pageCompression=0)
            drawn[index] = _drawn(canv, slot, value)
        ops.append(drawn)
    if canv is None:
        return Stamp(tuple(ops), faces)
    canv.showPage()  # one page with every drawing: its resources name every font they use
    canv.save()
    return Stamp(tuple(ops), faces, buf.getvalue())


def _plain(value: str) -> bool:
    """Printable ASCII: one run in the main face, in the first subset (codes as in ASCII)."""
    return bool(value) and all(" " <= ch <= "~" for ch in value)


PROBE = "X"


def _framed(slot: Slot, value: str, faces: dict[str, str]) -> bytes:
    """A plain value's drawing: the slot's frame (the drawing of PROBE) around the value's string."""
    before, after, used = _frame(slot)
    faces.update(used)
    text: str = escapePDF(value + " ")  # with the space at its line's end, as a full render draws it
    return before + b"(" + text.encode("latin-1") + b")" + after


@lru_cache(maxsize=256)
def _frame(slot: Slot) -> tuple[bytes, bytes, dict[str, str]]:
    """ReportLab's drawing of PROBE in ``slot``, cut around the probe's string, its fonts named by
    face (``AtkinsonHyperlegible-Bold+0``), and those names' faces. A plain value draws the same but
    for that string: one run, one line, left-aligned, in the same font and size."""
    canv = _StampCanvas(BytesIO(), pagesize=PAGE, invariant=1, pageCompression=0)
    code = _drawn(canv, slot, PROBE)
    faces = {name[1:]: getFont(font).face.name.decode() for font, name in canv._doc.fontMapping.items()
             if isinstance(getFont(font), TTFont)}
    for name, face in faces.items():
        code = code.replace(f"/{name}+0 ".encode(), f"/{face}+0 ".encode())
    before, probe, after = code.partition(f"({PROBE} )".encode())
    if not probe or f"({PROBE} )".encode() in after:
        raise AssertionError(f"the drawing of a {slot.field} does not show its text once")  # a ReportLab change
    return before, after, {f"{face}+0": face for face in faces.values()}


def _drawn(canv: _StampCanvas, slot: Slot, value: str) -> bytes:
    """``value`` drawn in ``slot`` on ``canv``: the content-stream operators."""
    start = len(canv._code)
    _draw(canv, slot, value)
    return "\n".join(canv._code[start:]).encode("latin-1")


def _draw(canv: _StampCanvas, slot: Slot, value: str) -> None:
    style = ParagraphStyle(f"stamp_{slot.field}", fontName=slot.font, fontSize=slot.size, leading=slot.leading,
                           textColor=HexColor(slot.colour), alignment=TA_LEFT, spaceBefore=0, spaceAfter=0)
    para = Paragraph(to_markup(value, slot.field, bold=is_bold(slot.font)), style)
    para.wrap(slot.width, slot.leading * 4)
    rec = canv._ivig_tags
    rec.open, rec.spaces = Element("P"), spaces(para)  # as inside its marked sequence in a full render
    try:
        para.drawOn(canv, 0, 0)
    finally:
        rec.open = None


class _StampCanvas(Canvas):
    """Draws text as the renderer's canvas does (the space at a line's end kept, tagging.SpacedText)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ivig_tags = Recorder()

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> SpacedText:  # noqa: N802
        return SpacedText(self, x, y, direction=direction)
