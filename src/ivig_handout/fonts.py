"""Fonts stage: register the bundled TrueType fonts with ReportLab, once per process."""

from __future__ import annotations

from functools import lru_cache

from .resources import fonts_dir

# Family name -> (regular, bold, italic, bold italic) file names in fonts/.
FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "Atkinson": (
        "AtkinsonHyperlegible-Regular.ttf",
        "AtkinsonHyperlegible-Bold.ttf",
        "AtkinsonHyperlegible-Italic.ttf",
        "AtkinsonHyperlegible-BoldItalic.ttf",
    ),
    "DejaVu": (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
}
MAIN = "Atkinson"
FALLBACK = "DejaVu"
SUFFIXES = ("", "-Bold", "-Italic", "-BoldItalic")


def face_name(family: str, bold: bool = False, italic: bool = False) -> str:
    """ReportLab font name of one face, e.g. ``Atkinson-Bold``."""
    return family + SUFFIXES[(1 if bold else 0) + (2 if italic else 0)]


@lru_cache(maxsize=None)
def register_fonts() -> tuple[str, ...]:
    """Register every bundled face and family; return the registered font names. Idempotent."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names: list[str] = []
    folder = fonts_dir()
    for family, files in FAMILIES.items():
        for suffix, filename in zip(SUFFIXES, files):
            name = family + suffix
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
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


@lru_cache(maxsize=None)
def coverage(family: str) -> frozenset[int]:
    """Code points the regular face of ``family`` has a glyph for."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    face = pdfmetrics.getFont(family).face
    return frozenset(cp for cp, gid in face.charToGlyph.items() if gid)
