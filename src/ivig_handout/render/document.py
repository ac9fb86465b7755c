"""Render stage, documents: lay out a plan's flowables on the layout's pages and return the PDF bytes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from ..design.theme import Theme
from ..errors import FitError
from ..inputs.template import fill
from ..plan.blocks import DocumentPlan
from ..version import __version__
from .fonts import MAIN, face_name, register_main
from .markup import to_markup
from .record import Element, Mark, Record, Slot
from .story import paragraph_style, tagged_story
from .tagging import ARTIFACT, Recorder, SpacedText


@dataclass
class Drawn:
    """A finished rendering: the PDF bytes (b"" when discarded), its page count, and what it marked
    as it drew (the structure export/tagging.py writes)."""

    data: bytes = b""
    pages: int = 0
    tags: Record | None = None
    slots: tuple[Slot, ...] = ()  # a template's places for the patient's values (render/stamp.py)


def render(plan: DocumentPlan, theme: Theme, after: Sequence[Flowable] = (),
           discard: Callable[[], bool] | None = None) -> Drawn:
    """PDF of ``plan`` in ``theme``'s layout, and its page count; same input gives the same bytes.

    ``after``: flowables laid out after the plan's (e.g. a zero-size probe measuring the room left).
    ``discard``: asked once every page is laid out; True skips writing the PDF (about a third of
    the work) and returns b"" (a one-pager attempt that turned out too long).
    """
    register_main()  # the fallback faces: when markup first needs them
    layout = theme.layout
    buf = BytesIO()
    doc = _doc(buf, plan, theme)
    flowables, tree = tagged_story(theme, plan)
    story = flowables + list(after)
    drawn = Drawn(tags=Record(tree, plan.title, plan.meta.get("lang", "en-US"), plan.alt.get("link", "")))
    try:
        doc.build(story, canvasmaker=_footer_canvas(plan, theme, drawn, discard))
    except LayoutError as exc:
        raise FitError(
            f"'{plan.doc_id}' on layout '{layout.name}': a block is too tall for one page ({exc})"
        ) from None
    drawn.data = buf.getvalue()
    return drawn


def _doc(buf: BytesIO, plan: DocumentPlan, theme: Theme) -> BaseDocTemplate:
    layout = theme.layout
    top, right, bottom, left = layout.margins
    doc = BaseDocTemplate(
        buf, pagesize=layout.page, leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, invariant=1, initialFontName=MAIN, initialFontSize=theme.body_size,
        title=plan.title, author=plan.meta.get("author", ""), subject=plan.meta.get("subject", ""),
        keywords=plan.meta.get("keywords", ""), creator=f"ivig-handout {__version__}",
        producer=f"ivig-handout {__version__} (ReportLab)", lang=plan.meta.get("lang", "en-US"),
        displayDocTitle=True, pageCompression=1,
    )
    doc.addPageTemplates([PageTemplate("page", frames=_frames(theme))])
    return doc


def _frames(theme: Theme) -> list[Frame]:
    layout = theme.layout
    _top, _right, bottom, left = layout.margins
    n = layout.columns
    gutter = theme.body_size * 1.5
    width = (layout.frame_width - gutter * (n - 1)) / n
    return [
        Frame(left + i * (width + gutter), bottom, width, layout.frame_height, id=f"col{i}",
              leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        for i in range(n)
    ]


def plain_pages(theme: Theme) -> bool:
    """Whether the pages' content streams are written uncompressed: on a layout whose pages are not
    imposed (letter, A4, large print), whose PDF always leaves through pikepdf (export/tagging.py, or
    export/twolang.py), which writes ReportLab's page streams compressed anew (it undoes their
    ASCII85 and Flate and compresses the content again); given them plain, it compresses the same
    content to the same bytes, and neither ReportLab's compressing nor qpdf's undoing is done.
    Imposed pages (booklet, 2-up) are returned as drawn (render_pages), so they stay compressed."""
    return theme.layout.imposition == "none"


def _footer_canvas(plan: DocumentPlan, theme: Theme, drawn: Drawn,
                   discard: Callable[[], bool] | None = None) -> type[Canvas]:
    """A canvas class that draws "Page X of Y" footers once the page count is known, and records the
    count in ``drawn`` (and writes nothing if ``discard()`` says so then).

    Tagging (tagging.py): every page is drawn in artifact mode, which marked flowables leave and
    reenter; the footer is a pagination artifact.

    Pages that are not imposed (``plain_pages``) have their content streams written uncompressed."""
    running = to_markup(plan.running_title, "running title") if theme.layout.footer_title else ""
    plain = plain_pages(theme)

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if plain:
                self._pageCompression = 0  # the page content streams only (fonts stay compressed)
            self._pages: list[dict[str, Any]] = []
            self._ivig_tags = Recorder()
            self._ivig_url = ""
            self._ivig_slots: list[Slot] = []  # the template's slots, as they are drawn

        def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> SpacedText:  # noqa: N802
            return SpacedText(self, x, y, direction=direction)

        def linkURL(self, url: str, *args: Any, **kwargs: Any) -> None:  # noqa: N802
            self._ivig_url = url
            try:
                super().linkURL(url, *args, **kwargs)
            finally:
                self._ivig_url = ""

        def _addAnnotation(self, annotation: Any, name: Any = None, addtopage: int = 1) -> None:  # noqa: N802
            super()._addAnnotation(annotation, name, addtopage)
            if addtopage:
                self._ivig_tags.annotation(self, self._ivig_url)

        def showPage(self) -> None:  # noqa: N802
            self._code.insert(0, ARTIFACT)
            self._code.append("EMC")
            self._pages.append(dict(self.__dict__))
            self._doc.pageCounter += 1  # so a bookmark on the next page points at it (the page is added later)
            self._startPage()

        def save(self) -> None:
            drawn.pages = total = len(self._pages)
            drawn.slots = tuple(self._ivig_slots)
            if discard is not None and discard():
                return
            self._doc.pageCounter = 1  # the real showPage below adds the pages and counts them again
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                if plan.band:
                    self._draw_band(number - 1)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            self._code.append("/Artifact <</Type /Pagination /Subtype /Footer>> BDC")
            _draw_footer(self, theme, fill(plan.footer, page=number, pages=total), running)
            self._code.append("EMC")

        def _draw_band(self, page: int) -> None:
            """The draft band: content (a P of the structure tree), not an artifact."""
            mcid = self._ivig_tags.counts.get(page, 0)
            self._ivig_tags.counts[page] = mcid + 1
            element = Element("P", kids=[Mark(page, mcid)])
            if drawn.tags is not None:  # page 1's first in reading order, the others after the text
                kids = drawn.tags.root.kids
                kids.insert(0, element) if page == 0 else kids.append(element)
            self._code.append(f"/P <</MCID {mcid}>> BDC")
            _draw_band(self, theme, plan.band)
            self._code.append("EMC")

    return FooterCanvas


BAND_SIZE = 8.0  # pt: the draft band's type, smaller (to 5.5) where a layout's width needs it
BAND_MIN = 5.5


def _draw_band(canvas: Canvas, theme: Theme, text: str) -> None:
    """The draft band in the top margin: one bold line in a bordered box, across the text's width
    (a character the main face lacks in the fallback face, as everywhere)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    layout = theme.layout
    top, _right, _bottom, left = layout.margins
    face = face_name(MAIN, bold=True)
    pad = 3.0
    width = layout.frame_width
    size = min(BAND_SIZE, BAND_SIZE * (width - 2 * pad) / stringWidth(text, face, BAND_SIZE))
    height = size * 1.2 + 2 * pad
    if size < BAND_MIN or height + 2 > top:
        raise FitError(f"layout '{layout.name}': the draft translation band does not fit in the top margin "
                       "(make the margins or the page wider)")
    y = layout.page[1] - top + 2
    canvas.saveState()
    canvas.setFillColor(HexColor(theme.colour("notice_fill")))
    canvas.setStrokeColor(HexColor(theme.colour("notice_border")))
    canvas.setLineWidth(0.8)
    canvas.rect(left, y, width, height, stroke=1, fill=1)
    style = ParagraphStyle("draft_band", fontName=face, fontSize=size, leading=size * 1.2, alignment=TA_CENTER,
                           textColor=HexColor(theme.colour("ink")))
    para = Paragraph(to_markup(text, "draft band", bold=True), style)
    para.wrap(width - 2 * pad, height)
    para.drawOn(canvas, left + pad, y + pad)
    canvas.restoreState()


def _draw_footer(canvas: Canvas, theme: Theme, page_text: str, running: str) -> None:
    """A rule, the running title (if the layout has one) at the left, "Page X of Y" at the right.

    Both must fit on one line in the bottom margin: a layout where they do not is a design error,
    reported rather than drawn overlapping.
    """
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    layout = theme.layout
    style = paragraph_style(theme.styles["small"])
    _top, right, bottom, left = layout.margins
    y = bottom - style.fontSize * 1.9
    width = layout.frame_width
    pw = stringWidth(page_text, style.fontName, style.fontSize) * 1.05 + 2
    right_aligned = ParagraphStyle("footer_page", parent=style, alignment=TA_RIGHT)
    parts = [(Paragraph(to_markup(page_text, "page footer"), right_aligned), pw, layout.page[0] - right - pw)]
    if running:
        parts.append((Paragraph(running, style), width - pw - style.fontSize, left))
    for para, avail, _ in parts:
        para.wrap(avail, style.leading * 3)
        if avail <= 0 or len(para.blPara.lines) > 1 or y - style.fontSize * 0.3 < 0:
            raise FitError(
                f"layout '{layout.name}': the page footer does not fit on one line in the bottom margin "
                f"(set footer_title: false, or make `small` or the margins fit)"
            )
    canvas.saveState()
    canvas.setStrokeColor(HexColor(theme.colour("rule")))
    canvas.setLineWidth(0.6)
    canvas.line(left, y + style.fontSize * 1.25, layout.page[0] - right, y + style.fontSize * 1.25)
    for para, _, x in parts:
        para.drawOn(canvas, x, y)
    canvas.restoreState()
