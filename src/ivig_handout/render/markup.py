"""Render stage, markup: plain text as safe ReportLab Paragraph markup, with per-run font fallback."""

from __future__ import annotations

import unicodedata

from reportlab.pdfbase.pdfmetrics import stringWidth

from ..inputs.fonts import coverage
from ..inputs.text import main_safe, normalise, runs
from . import fonts

BOLD = fonts.face_name(fonts.MAIN, bold=True)


def escape(text: str) -> str:
    """NFC-normalise ``text`` and escape it so a Paragraph prints it literally (no tags, no entities)."""
    return _escape(unicodedata.normalize("NFC", text))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_markup(text: str, field: str = "text", *, bold: bool = False, italic: bool = False) -> str:
    """Paragraph markup for plain ``text``: escaped, whitespace collapsed, fallback runs in DejaVu.

    ``bold``/``italic`` must match the surrounding style or tags: ReportLab's ``<font face=...>``
    resets bold and italic to those of the face it names, so inside ``<b>`` (or a bold style) a plain
    ``<font face="DejaVu">`` would print regular; the run is therefore tagged with the exact face.
    Raises UncoveredCharacterError (naming ``field``) for the first character that cannot be printed.
    """
    text = normalise(text)
    if main_safe().issuperset(text):  # fast path: everything in the main font
        return _escape(text)
    parts = runs(text, field)
    if any(family != fonts.MAIN for family, _ in parts):
        fonts.fallback()  # its faces registered before the first run that needs them
    face = fonts.face_name(fonts.FALLBACK, bold, italic)
    return "".join(
        _escape(run) if family == fonts.MAIN else f'<font face="{face}">{_escape(run)}</font>'
        for family, run in parts
    )


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` as printed, each character in the font markup.py would choose for it."""
    text = normalise(text)
    if main_safe().issuperset(text):  # one run in the main face
        return float(stringWidth(text, fonts.face_name(fonts.MAIN, bold), size))
    main = coverage(fonts.MAIN)
    width = 0.0
    for ch in text:
        family = fonts.MAIN if ord(ch) in main else fonts.fallback()
        width += stringWidth(ch, fonts.face_name(family, bold), size)
    return width


def is_bold(font: str) -> bool:
    """Whether ``font`` is a bold face of the main family (markup's fallback runs must be bold too)."""
    return font in (BOLD, fonts.face_name(fonts.MAIN, True, True))
