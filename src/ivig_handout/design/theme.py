"""Design stage, themes: the type styles and colours of one document kind in one layout, as plain
numbers (every number from the layout; render/ turns them into ReportLab styles)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..inputs.fonts import MAIN, face_name
from .layouts import KindSizes, Layout

BOLD = face_name(MAIN, bold=True)


@dataclass(frozen=True)
class TextStyle:
    """One paragraph style: face, size, line height (pt), colour (hex) and the space around it."""

    name: str
    font: str
    size: float
    leading: float
    colour: str
    space_before: float = 0.0
    space_after: float = 0.0


@dataclass(frozen=True)
class Theme:
    """The styles of one document kind (its layout section ``kind``) in one layout."""

    layout: Layout
    kind: KindSizes
    styles: dict[str, TextStyle]
    body_size: float
    small_size: float
    compact_band: bool = False  # fitting's compact letterhead (render/fit.py): tighter lines, smaller logo and QR
    space: float = 1.0  # fitting's tighter spacing: the fraction of the spaces kept (tightened)
    split_box: bool = False  # fitting's late step (large print): the side-effect box may split between lines

    def colour(self, name: str) -> str:
        """A colour of the layout by name (``ink``, ``rule``, a rating ...), as ``#rrggbb``."""
        return str(getattr(self.layout.colours, name))

    @property
    def max_pages(self) -> int:
        return self.kind.max_pages


SMALL_FLOOR = 8.0  # pt: the smallest type on any page


def make_theme(layout: Layout, kind: KindSizes, body: float | None = None) -> Theme:
    """Styles for a kind's section of a layout; ``body``: set the type at this body size instead of
    the section's (a page-limited kind tries the layout's full body size first)."""
    section_body = kind.body or layout.body
    body = body or section_body
    # the fine print (source, disclaimer) follows the body type down where fitting steps it below the
    # section's size, never under SMALL_FLOOR
    small = max(SMALL_FLOOR, (kind.small or layout.small) * min(1.0, body / section_body))
    scale = body / layout.body
    c = layout.colours
    lead = kind.leading or layout.leading

    def style(name: str, size: float, font: str = MAIN, colour: str = c.ink, before: float = 0.0,
              after: float = 0.0) -> TextStyle:
        return TextStyle(name, font, size, round(size * lead, 2), colour, before, after)

    space = _first(kind.paragraph_space, layout.paragraph_space * scale)
    section = _first(kind.section_space, layout.section_space * scale)
    h1, h2, h3 = (max(body, h * scale) for h in (layout.h1, layout.h2, layout.h3))
    styles = {
        "title": style("title", h1, BOLD, c.heading, after=space),
        "h1": style("h1", h2, BOLD, c.heading, before=section, after=space * 0.6),
        "h2": style("h2", h3, BOLD, c.heading, before=section * 0.8, after=space * 0.5),
        "h3": style("h3", max(body, h3 * 0.93), BOLD, c.ink, before=section * 0.6, after=space * 0.4),
        "lead": style("lead", body * 1.08, after=space),
        "body": style("body", body, after=space),
        "bullet": style("bullet", body, after=space * 0.25),
        "box_heading": style("box_heading", h3, BOLD, c.ink, after=space * 0.5),
        "small": style("small", small, colour=c.muted, after=space * 0.4),
        "small_bold": style("small_bold", small, BOLD, c.ink, after=space * 0.3),
        "badge": style("badge", layout.badge * scale, BOLD, c.ink),
        "cell": style("cell", body),
    }
    return Theme(layout, kind, styles, body, small)


def with_profile(theme: Theme) -> Theme:
    """``theme`` for a document printed with a clinic profile: its section's ``clinic_extra_pages``
    more pages (large print, booklet; never Letter or A4), and on a banded section the layout's
    ``clinic.band_margins``."""
    kind, layout = theme.kind, theme.layout
    update: dict[str, Any] = {}
    if kind.clinic_extra_pages:
        kind = kind.model_copy(update={"max_pages": kind.max_pages + kind.clinic_extra_pages})
    styles = theme.styles
    if kind.clinic_band and layout.clinic.band_margins:
        update["margins"] = layout.clinic.band_margins
    if kind.clinic_band and layout.clinic.band_leading:  # under a band: the section's lines a little closer
        lead = layout.clinic.band_leading
        styles = {name: replace(s, leading=round(s.size * lead, 2)) for name, s in styles.items()}
    if kind.clinic_band and layout.clinic.band_title:
        title = styles["title"]
        # as the layout sets it; smaller in proportion where fitting steps the body type down
        size = round(layout.clinic.band_title * min(1.0, theme.body_size / (kind.body or layout.body)), 2)
        styles = {**styles, "title": replace(title, size=size, leading=round(size * title.leading / title.size, 2))}
    return replace(theme, kind=kind, styles=styles, layout=layout.model_copy(update=update) if update else layout)


def tightened(theme: Theme, amount: float = 1.0) -> Theme:
    """``theme`` with its spacing tightened ``amount`` of the way (0 to 1) to the section's range
    (``tight_leading``, ``tight_space``): render/fit.py's third step. The same theme where the
    section sets no range."""
    kind = theme.kind
    space = 1 - (1 - kind.tight_space) * amount

    def lead(size: float, leading: float) -> float:
        ratio = leading / size
        least = kind.tight_leading if kind.tight_leading is not None else ratio
        return round(size * (ratio - (ratio - min(least, ratio)) * amount), 2)

    styles = {name: replace(s, leading=lead(s.size, s.leading), space_before=s.space_before * space,
                            space_after=s.space_after * space)
              for name, s in theme.styles.items()}
    return replace(theme, styles=styles, space=space)


def can_tighten(theme: Theme) -> bool:
    return theme.kind.tight_leading is not None or theme.kind.tight_space < 1


def _first(value: float | None, default: float) -> float:
    return default if value is None else value
