"""Render stage, fonts: register the bundled TrueType faces with ReportLab, once per process."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from ..inputs.fonts import FALLBACK, FAMILIES, MAIN, SUFFIXES, face_name
from ..resources import fonts_dir

__all__ = ["FALLBACK", "MAIN", "face_name", "fallback", "register_family", "register_fonts", "register_main"]


def register_fonts() -> tuple[str, ...]:
    """Register every bundled face and family; return the registered font names. Idempotent."""
    return tuple(name for family in FAMILIES for name in register_family(family))


def register_main() -> tuple[str, ...]:
    """Register the main family only. The fallback's faces (2.7 MB, about 30 ms to read) are
    registered the first time a text needs them (markup.to_markup, text_width)."""
    return register_family(MAIN)


def fallback() -> str:
    """The fallback family's name, its faces registered first if they are not yet."""
    register_family(FALLBACK)
    return FALLBACK


@cache
def register_family(family: str) -> tuple[str, ...]:
    """Register the four faces of one bundled family and its bold/italic mapping. Idempotent."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names: list[str] = []
    folder = fonts_dir()
    for suffix, filename in zip(SUFFIXES, FAMILIES[family], strict=True):
        name = family + suffix
        font = TTFont(name, str(folder / filename))
        _subsets_once(font.face)
        pdfmetrics.registerFont(font)
        names.append(name)
    pdfmetrics.registerFontFamily(
        family,
        normal=family,
        bold=family + "-Bold",
        italic=family + "-Italic",
        boldItalic=family + "-BoldItalic",
    )
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(family, bold, italic, face_name(family, bool(bold), bool(italic)))
    return tuple(names)


def _subsets_once(face: Any) -> None:
    """Make each subset font program of ``face`` once per process, not once per PDF.

    ReportLab embeds glyphs in subsets of up to 256 (the first keeps printable ASCII at its own
    codes), so handout after handout embeds the same few subsets; making one (TTFontFile.makeSubset,
    a pure function of the glyph list) costs about 0.3 ms. The bytes are the same either way. The
    most recent 64 are kept (a long-lived process printing many different texts stays small).
    """
    make = face.makeSubset

    @lru_cache(maxsize=64)
    def made(subset: tuple[int, ...]) -> bytes:
        return bytes(make(list(subset)))

    face.makeSubset = lambda subset: made(tuple(subset))
