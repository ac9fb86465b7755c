"""Render stage, markup: plain text as safe ReportLab Paragraph markup, with per-run font fallback."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from ..errors import UncoveredCharacterError
from ..inputs import text as plain
from ..inputs.fonts import SHAPED, coverage
from ..inputs.text import (
    SHAPED_ONLY,
    display_runs,
    main_safe,
    needs_shaping,
    right_to_left,
    runs,
    script_lang,
)
from . import fonts
from .measure import Para

BOLD = fonts.face_name(fonts.MAIN, bold=True)

# inputs/text.py's normalise (a pure function of the text), once per process for each text: a batch
# sets the same texts on page design after page design, and markup normalises each twice (to_markup,
# paragraph).
normalise = lru_cache(maxsize=8192)(plain.normalise)


def escape(text: str) -> str:
    """NFC-normalise ``text`` and escape it so a Paragraph prints it literally (no tags, no entities)."""
    return _escape(unicodedata.normalize("NFC", text))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_markup(text: str, field: str = "text", *, bold: bool = False, italic: bool = False, shaped: bool = False) -> str:
    """Paragraph markup for plain ``text``: escaped, whitespace collapsed, fallback runs in DejaVu.

    ``bold``/``italic`` must match the surrounding style or tags: ReportLab's ``<font face=...>``
    resets bold and italic to those of the face it names, so inside ``<b>`` (or a bold style) a plain
    ``<font face="DejaVu">`` would print regular; the run is therefore tagged with the exact face.
    Raises UncoveredCharacterError (naming ``field``) for the first character that cannot be printed.
    Text that is shaped (Arabic, Hebrew, Devanagari) prints only in a paragraph made by
    :func:`paragraph` (``shaped``: names and clinic text), and is refused elsewhere.
    """
    text = normalise(text)
    if main_safe().issuperset(text):  # fast path: everything in the main font
        return _escape(text)
    if needs_shaping(text):
        if not shaped:
            raise UncoveredCharacterError(next(ch for ch in text if needs_shaping(ch)), field, SHAPED_ONLY)
        return _shaped_markup(text, field, bold, italic)
    parts = runs(text, field)
    for family in {family for family, _ in parts} - {fonts.MAIN}:
        fonts.register_family(family)  # its faces registered before the first run that needs them
    return "".join(_escape(run) if family == fonts.MAIN
                   else f'<font face="{fonts.face_name(family, bold, italic)}">{_escape(run)}</font>'
                   for family, run in parts)


def _shaped_markup(text: str, field: str, bold: bool, italic: bool) -> str:
    """Markup for text that is shaped (ScriptParagraph): its pieces in display order (python-bidi),
    each in logical order, which HarfBuzz lays out in its own direction. ReportLab shapes a word
    (what lies between spaces) in the font of its first piece: display_runs keeps a word in one font."""
    out: list[str] = []
    for family, piece, _rtl in display_runs(text, field):
        if family == fonts.MAIN or piece == " ":
            out.append(_escape(piece))
        else:
            fonts.register_family(family)
            out.append(f'<font face="{fonts.face_name(family, bold, italic)}">{_escape(piece)}</font>')
    return "".join(out)


def paragraph(markup: str, style: ParagraphStyle, text: str, lines: Callable[[str], str] | None = None) -> Paragraph:
    """A Paragraph of ``markup`` (made from ``text`` by to_markup); a ScriptParagraph when ``text``
    is in a script that is shaped or other than Latin. ``lines``: the markup of a part of ``text``
    (to_markup), so right-to-left text that takes several lines is put in display order per line."""
    text = normalise(text)
    if main_safe().issuperset(text):
        return Para(markup, style)
    shaped, lang = needs_shaping(text), script_lang(text)
    if not shaped and lang is None:
        return Para(markup, style)
    rtl = right_to_left(text)
    return ScriptParagraph(markup, style, shaped=shaped, actual=text if shaped and not rtl else None, lang=lang,
                           lines=(text, lines) if rtl and lines is not None else None)


class ScriptParagraph(Para):
    """A paragraph in another script: shaped by HarfBuzz (ReportLab's ``shaping``) when it needs it,
    its text given in logical order as ``/ActualText`` (so extraction reads it as written, not as
    drawn; right-to-left text extracts from its glyphs, drawn in display order), and its language
    as the ``Lang`` of its structure element (and of its marked content). Right-to-left text that
    takes several lines is broken into lines first, each then put in display order (``lines``)."""

    def __init__(self, text: Any, style: Any = None, bulletText: Any = None, frags: Any = None,  # noqa: N803
                 *args: Any, shaped: bool = False, actual: str | None = None, lang: str | None = None,
                 lines: tuple[str, Callable[[str], str]] | None = None) -> None:
        if shaped:
            style = ParagraphStyle(f"{style.name}_shaped", parent=style, shaping=1)
        super().__init__(text, style, bulletText, frags, *args)  # (ReportLab's split makes parts so)
        self.actual, self.lang, self.lines = actual, lang, lines
        self.laid_for: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self.lines is not None and self.laid_for != availWidth:
            self.laid_for = availWidth
            text, markup = self.lines
            parts = _broken(text, availWidth, self.style.fontSize, is_bold(self.style.fontName))
            Paragraph.__init__(self, "<br/>".join(map(markup, parts)), self.style)
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        return size

    def draw(self) -> None:
        canv: Any = self.canv
        rec = getattr(canv, "_ivig_tags", None)
        if rec is not None and rec.open is not None and self.lang:
            rec.open.lang = self.lang
        props = [f"/Lang ({self.lang})"] if self.lang else []
        if self.actual is not None:
            props.append("/ActualText <" + ("\ufeff" + self.actual).encode("utf-16-be").hex().upper() + ">")
        canv._code.append(f"/Span <<{' '.join(props)}>> BDC")
        try:
            super().draw()
        finally:
            canv._code.append("EMC")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` as printed, each character in the font markup.py would choose for it."""
    text = normalise(text)
    if main_safe().issuperset(text):  # one run in the main face
        return float(stringWidth(text, fonts.face_name(fonts.MAIN, bold), size))
    if needs_shaping(text):
        return sum(_shaped_width(piece, fonts.face_name(family, bold), size)
                   for family, piece, _ in display_runs(text, "text"))
    main = coverage(fonts.MAIN)
    width = 0.0
    for ch in text:
        family = fonts.MAIN if ord(ch) in main else fonts.fallback()
        width += stringWidth(ch, fonts.face_name(family, bold), size)
    return width


def _shaped_width(piece: str, face: str, size: float) -> float:
    """The width of ``piece`` as HarfBuzz shapes it in ``face`` (ReportLab's shaping)."""
    from reportlab.lib.abag import ABag
    from reportlab.pdfbase.ttfonts import shapeFragWord

    fonts.register_family(face.partition("-")[0])
    plain = float(stringWidth(piece, face, size))
    return float(shapeFragWord([plain, (ABag(fontName=face, fontSize=size), piece)])[0])


def ink_below(text: str, size: float, bold: bool = False) -> float:
    """How far the shaped glyphs of ``text`` (in a script's font) reach below the main font's descent,
    in points: their ink extents as HarfBuzz places them (the tail and dots of a final Arabic yeh), so
    a line ruled under the text can be moved down by as much."""
    import uharfbuzz
    from reportlab.pdfbase.pdfmetrics import getFont

    if not text or not needs_shaping(text):
        return 0.0
    lowest = 0.0  # font units x size / units per em
    for family, piece, _ in display_runs(text, "text"):
        if family not in SHAPED:
            continue
        fonts.register_family(family)
        face = getFont(fonts.face_name(family, bold)).hbFace
        font = uharfbuzz.Font(face)
        buf = uharfbuzz.Buffer()
        buf.add_str(piece)
        buf.guess_segment_properties()
        uharfbuzz.shape(font, buf, {})
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            extents = font.get_glyph_extents(info.codepoint)
            if extents is not None:
                lowest = min(lowest, (pos.y_offset + extents.y_bearing + extents.height) / face.upem)
    main = getFont(fonts.face_name(fonts.MAIN, bold)).face.descent / 1000
    return float(max(0.0, main - lowest) * size)


def _broken(text: str, width: float, size: float, bold: bool) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` (a longer word: a line of its own)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def is_bold(font: str) -> bool:
    """Whether ``font`` is a bold face of the main family (markup's fallback runs must be bold too)."""
    return font in (BOLD, fonts.face_name(fonts.MAIN, True, True))
