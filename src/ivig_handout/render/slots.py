"""Render stage, slots: the template side of stamping (stamp.py). A slot's paragraph is laid out as a
one-line value and draws only a marker, inside the marked-content sequence tagging gives it; it
reports the slot (record.Slot) with the frame a plain value is drawn in. Values that need more than
a frame are drawn here as the very paragraphs a full render draws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from io import BytesIO
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .markup import is_bold, paragraph, to_markup
from .record import Element, Slot
from .tagging import Recorder, SpacedText, spaces

PAGE = (612.0, 792.0)  # a stamp page's size: its text is set in the template's page, not on it
PROBE = "X"


class SlotParagraph(Paragraph):
    """The name's or date's paragraph in a template: laid out as a one-line value, drawn as a marker;
    ``room`` is the widest value that keeps the line as laid out."""

    def __init__(self, style: ParagraphStyle, field: str, room: float) -> None:
        super().__init__(PROBE, style)  # any one line: a value that fits its room takes one line too
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
        slot = Slot(self.field, canv.getPageNumber() - 1, self.room, self.set_width, st.fontName,
                    float(st.fontSize), float(st.leading), "#" + st.textColor.hexval()[2:], ("", "", ""))
        slots.append(replace(slot, frame=frame_of(slot)))  # the frame is drawn with the slot's own type
        canv._code.append(f"/IvigSlot{len(slots) - 1} BMC EMC")  # export/stamp.py sets the value here


def frame_of(slot: Slot) -> tuple[str, str, str]:
    """ReportLab's drawing of PROBE in ``slot``, cut around the probe's string (before, after, as
    Latin-1 text), its font named by its face (``/AtkinsonHyperlegible-Bold+0``), and that face. A
    plain value draws the same but for that string: one run, one line, left-aligned, same type."""
    canv = StampCanvas(BytesIO(), pagesize=PAGE, invariant=1, pageCompression=0)
    code = drawn(canv, slot, PROBE)
    faces = {name[1:]: getFont(font).face.name.decode() for font, name in canv._doc.fontMapping.items()
             if isinstance(getFont(font), TTFont)}
    if len(faces) != 1:
        raise AssertionError(f"a {slot.field} is drawn in {len(faces)} faces")  # a ReportLab change
    (name, face), = faces.items()
    code = code.replace(f"/{name}+0 ".encode(), f"/{face}+0 ".encode())
    before, probe, after = code.partition(f"({PROBE} )".encode())
    if not probe or f"({PROBE} )".encode() in after:
        raise AssertionError(f"the drawing of a {slot.field} does not show its text once")  # a ReportLab change
    return before.decode("latin-1"), after.decode("latin-1"), face


def draw_values(values: Sequence[tuple[int, Slot, str]]) -> tuple[dict[int, bytes], bytes]:
    """Each (key, slot, value) drawn on one stamp page: the drawings by key, and the PDF whose page's
    resources hold the fonts they name."""
    buf = BytesIO()
    canv = StampCanvas(buf, pagesize=PAGE, invariant=1, pageCompression=0)
    made = {key: drawn(canv, slot, value) for key, slot, value in values}
    canv.showPage()  # one page with every drawing: its resources name every font they use
    canv.save()
    return made, buf.getvalue()


def drawn(canv: StampCanvas, slot: Slot, value: str) -> bytes:
    """``value`` drawn in ``slot`` on ``canv``: the content-stream operators."""
    start = len(canv._code)
    style = ParagraphStyle(f"stamp_{slot.field}", fontName=slot.font, fontSize=slot.size, leading=slot.leading,
                           textColor=HexColor(slot.colour), alignment=TA_LEFT, spaceBefore=0, spaceAfter=0)
    para = paragraph(to_markup(value, slot.field, bold=is_bold(slot.font)), style, value)  # (a name in Greek: its Lang)
    para.wrap(slot.width, slot.leading * 4)
    rec = canv._ivig_tags
    rec.open, rec.spaces = Element("P"), spaces(para)  # as inside its marked sequence in a full render
    try:
        para.drawOn(canv, 0, 0)
    finally:
        rec.open = None
    return "\n".join(canv._code[start:]).encode("latin-1")


class StampCanvas(Canvas):
    """Draws text as the renderer's canvas does (the space at a line's end kept, tagging.SpacedText)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ivig_tags = Recorder()

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> SpacedText:  # noqa: N802
        return SpacedText(self, x, y, direction=direction)
