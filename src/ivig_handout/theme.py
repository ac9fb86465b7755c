"""Theme stage: paragraph styles and colours derived from a Layout (every number from the layout)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from .fonts import MAIN, face_name
from .layouts import Layout

BOLD = face_name(MAIN, bold=True)


@dataclass(frozen=True)
class Theme:
    layout: Layout
    styles: dict[str, ParagraphStyle]
    body_size: float
    small_size: float
    compact: bool = False  # a one-pager: its compact variants of boxes, lists and source line

    def colour(self, name: str) -> Color:
        return HexColor(getattr(self.layout.colours, name))


def make_theme(layout: Layout, compact: bool = False) -> Theme:
    """Styles for a layout; ``compact`` uses the layout's one-pager sizes."""
    body = layout.one_pager_body if compact else layout.body
    small = layout.one_pager_small if compact else layout.small
    scale = body / layout.body
    c = layout.colours
    lead = (layout.one_pager_leading if compact else None) or layout.leading

    def style(name: str, size: float, font: str = MAIN, colour: str = c.ink, **kw: float) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=round(size * lead, 2), textColor=HexColor(colour),
            alignment=TA_LEFT, allowWidows=0, allowOrphans=0, **kw,
        )

    space = layout.paragraph_space * scale
    section = layout.section_space * scale
    if compact:
        space = _first(layout.one_pager_paragraph_space, space)
        section = _first(layout.one_pager_section_space, section)
    h1, h2, h3 = (max(body, h * scale) for h in (layout.h1, layout.h2, layout.h3))
    styles = {
        "title": style("title", h1, BOLD, c.heading, spaceAfter=space),
        "h1": style("h1", h2, BOLD, c.heading, spaceBefore=section, spaceAfter=space * 0.6),
        "h2": style("h2", h3, BOLD, c.heading, spaceBefore=section * 0.8, spaceAfter=space * 0.5),
        "h3": style("h3", max(body, h3 * 0.93), BOLD, c.ink, spaceBefore=section * 0.6, spaceAfter=space * 0.4),
        "lead": style("lead", body * 1.08, spaceAfter=space),
        "body": style("body", body, spaceAfter=space),
        "bullet": style("bullet", body, spaceAfter=space * 0.25),
        "box_heading": style("box_heading", h3, BOLD, c.ink, spaceAfter=space * 0.5),
        "small": style("small", small, colour=c.muted, spaceAfter=space * 0.4),
        "small_bold": style("small_bold", small, BOLD, c.ink, spaceAfter=space * 0.3),
        "badge": style("badge", layout.badge * (scale if compact else 1), BOLD, c.ink),
        "cell": style("cell", body, spaceAfter=0),
    }
    return Theme(layout, styles, body, small, compact)


def _first(value: float | None, default: float) -> float:
    return default if value is None else value
