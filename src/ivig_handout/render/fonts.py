"""Render stage, fonts: register the bundled TrueType faces with ReportLab, once per process."""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from typing import Any

from ..inputs.fonts import FALLBACK, FAMILIES, MAIN, SUFFIXES, face_name, face_path

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

    _no_discretionary_ligatures()
    if family not in FAMILIES:  # a fonts folder's font: one face for every style
        font = _tagged_ttfont()(family, str(face_path(family)))
        _subsets_once(font.face)
        pdfmetrics.registerFont(font)
        return (family,)
    names: list[str] = []
    for suffix in SUFFIXES:
        name = family + suffix
        font = _tagged_ttfont()(name, str(face_path(name)))
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


@cache
def _no_discretionary_ligatures() -> None:
    """ReportLab shapes with HarfBuzz's discretionary ligatures on (``dlig``), which, e.g., turn the
    name Muhammad into one vowelled ligature in Noto Sans Arabic. They are off by default in every
    text engine: a name prints as it is written."""
    from reportlab.pdfbase import ttfonts

    defaults = getattr(ttfonts.shapeFragWord, "__defaults__", None)
    if defaults and isinstance(defaults[0], dict):
        defaults[0]["dlig"] = False


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


def subset_tag(face_name: bytes, program: bytes) -> str:
    """The six capital letters that name a font subset (``ABCDEF+Face``, PDF 32000 9.6.4): read from a
    hash of the subset's font program, so the same glyphs get the same tag in every PDF and different
    glyphs (in one PDF or across the handouts of a print run) get different ones."""
    number = int.from_bytes(hashlib.sha256(face_name + b"\0" + program).digest()[:8], "big")
    letters = []
    for _ in range(6):
        number, letter = divmod(number, 26)
        letters.append(chr(ord("A") + letter))
    return "".join(letters)


@cache
def _tagged_ttfont() -> type:
    """ReportLab's TTFont with each subset named by :func:`subset_tag` instead of by its
    number (ReportLab's ``ttfonts.SUBSETN``: ``AAAAAA+``, ``AAAAAB+``, ... in every PDF).

    ``addObjects`` is ReportLab's own (5.x), the subset's base font name being the only change."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import TTFont

    class TaggedTTFont(TTFont):
        def addObjects(self, doc: Any) -> None:  # noqa: N802 (ReportLab's name)
            try:
                state = self.state[doc]
            except KeyError:
                state = self.state[doc] = self.State(self._asciiReadable)
            state.frozen = 1
            face = self.face
            for n, subset in enumerate(state.subsets):
                if n in getattr(state, "unused", ()):  # (wide.py: subsets no drawing names)
                    continue
                internal_name = self.getSubsetInternalName(n, doc)[1:]
                tag = subset_tag(face.name, face.makeSubset(subset)).encode("ascii")
                base_font_name = b"".join((tag, b"+", face.name, face.subfontNameX)).decode("pdfdoc")

                pdf_font = pdfdoc.PDFTrueTypeFont()
                pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
                pdf_font.Name = internal_name
                pdf_font.BaseFont = base_font_name
                pdf_font.FirstChar = 0
                pdf_font.LastChar = len(subset) - 1
                pdf_font.Widths = _widths(face, tuple(subset))

                cmap = pdfdoc.PDFStream()
                cmap.content = _to_unicode(base_font_name, subset)
                if doc.compression:
                    cmap.filters = [_kept_flate()]
                pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_font_name)
                pdf_font.FontDescriptor = _subset_objects(face, doc, base_font_name, subset)

                doc.Reference(pdf_font, internal_name)
                doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
            del self.state[doc]

    return TaggedTTFont


def _to_unicode(name: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap of ``subset``, a character past U+FFFF mapped to its UTF-16 pair:
    ReportLab (5.1) writes ``<1F600>``, which readers take for other characters (copying the text and
    screen readers lost it)."""
    from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

    made: str = makeToUnicodeCMap(name, subset)
    for code, char in enumerate(subset):
        if char > 0xFFFF:
            made = made.replace(f"\n<{code:02X}> <{char:04X}>\n",
                                f"\n<{code:02X}> <{chr(char).encode('utf-16-be').hex().upper()}>\n")
    return made


def _subset_objects(face: Any, doc: Any, name: str, subset: list[int]) -> Any:
    """ReportLab's ``TTFontFace.addSubsetObjects`` (5.x), its font program compressed by _kept_flate:
    the subset's program and its FontDescriptor added to ``doc``; a reference to the descriptor."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC

    font_file = pdfdoc.PDFStream()
    font_file.content = face.makeSubset(subset)
    font_file.dictionary["Length1"] = len(font_file.content)
    if doc.compression:
        font_file.filters = [_kept_flate()]
    reference = doc.Reference(font_file, f"fontFile:{face.filename}({name})")
    descriptor = pdfdoc.PDFDictionary({
        "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight, "Descent": face.descent,
        "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC, "FontBBox": pdfdoc.PDFArray(face.bbox),
        "FontName": pdfdoc.PDFName(name), "ItalicAngle": face.italicAngle, "StemV": face.stemV,
        "FontFile2": reference, "MissingWidth": face.defaultWidth,
    })
    return doc.Reference(descriptor, "fontDescriptor:" + name)


KEPT = 256  # compressed streams, and widths arrays, kept per process


@cache
def _kept_flate() -> Any:
    """ReportLab's Flate filter (PDFZCompress), each stream it compresses kept for the next PDF that
    embeds the same one: a subset's font program and its ToUnicode map, the same in handout after
    handout (the subsets are the same few: _subsets_once)."""
    from reportlab.pdfbase import pdfdoc

    class KeptFlate(pdfdoc.PDFStreamFilterZCompress):
        def __init__(self) -> None:
            self.kept: dict[bytes | str, bytes] = {}

        def encode(self, text: bytes | str) -> bytes:
            made = self.kept.get(text)
            if made is None:
                if len(self.kept) >= KEPT:
                    del self.kept[next(iter(self.kept))]
                made = self.kept[text] = super().encode(text)
            return made

    return KeptFlate()


_WIDTHS: dict[tuple[str, tuple[int, ...]], Any] = {}


def _widths(face: Any, subset: tuple[int, ...]) -> Any:
    """The /Widths array of ``face``'s ``subset`` as ReportLab formats it (a PDFArray of the glyph
    widths), formatted once per process: a number's format does not depend on the PDF."""
    from reportlab.pdfbase import pdfdoc

    key = (str(face.filename), subset)
    kept = _WIDTHS.get(key)
    if kept is None:
        if len(_WIDTHS) >= KEPT:
            del _WIDTHS[next(iter(_WIDTHS))]
        array = pdfdoc.PDFArray(list(map(face.getCharWidth, subset)))
        kept = _WIDTHS[key] = _formatted()(array.format(None))
    return kept


@cache
def _formatted() -> type:
    """A PDF object whose bytes are made already (ReportLab formats a PDFObject by its ``format``)."""
    from reportlab.pdfbase import pdfdoc

    class Formatted(pdfdoc.PDFObject):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def format(self, document: Any) -> bytes:
            return self.data

    return Formatted
