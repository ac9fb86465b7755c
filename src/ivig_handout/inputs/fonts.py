"""Inputs stage, fonts: the bundled font families as facts (files, face names, which characters each
face covers), read straight from the TrueType cmap tables: no ReportLab, so any stage may ask."""

from __future__ import annotations

import os
import struct
from functools import cache
from pathlib import Path

from ..resources import fonts_dir
from .files import read_regular

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
    # Scripts that need shaping (and, for Arabic and Hebrew, the bidi algorithm): static Noto faces,
    # regular and bold; no italic exists, so the italic faces are the upright ones.
    **{f"Noto{script}": (f"NotoSans{script}-Regular.ttf", f"NotoSans{script}-Bold.ttf",
                         f"NotoSans{script}-Regular.ttf", f"NotoSans{script}-Bold.ttf")
       for script in ("Arabic", "Hebrew", "Devanagari")},
}
MAIN = "Atkinson"
FALLBACK = "DejaVu"
SHAPED = ("NotoArabic", "NotoHebrew", "NotoDevanagari")  # tried first for the characters of their scripts
SUFFIXES = ("", "-Bold", "-Italic", "-BoldItalic")
FONT_LIMIT = 32 * 1024 * 1024  # bytes: the bundled faces are under 1 MB each


def face_name(family: str, bold: bool = False, italic: bool = False) -> str:
    """Font name of one face, e.g. ``Atkinson-Bold`` (a fonts folder's family has one face)."""
    if family in _EXTRA:
        return family
    return family + SUFFIXES[(1 if bold else 0) + (2 if italic else 0)]


def face_file(face: str) -> str:
    """The file name of a face name such as ``DejaVu-BoldItalic``."""
    family, _, style = face.partition("-")
    return FAMILIES[family][SUFFIXES.index(f"-{style}" if style else "")]


def face_path(face: str) -> Path:
    """Where a face's file is: the bundled fonts, or a clinic's fonts folder (extra_families)."""
    family = face.partition("-")[0]
    return _EXTRA[family] if family in _EXTRA else fonts_dir() / face_file(face)


# Fonts from a clinic's fonts folder (``fonts:`` in the profile, ``--fonts DIR``): family name -> file.
# Each is one face (used for bold and italic too). Kept for the process; IVIG_FONTS (set by --fonts)
# names the folder to worker processes.
_EXTRA: dict[str, Path] = {}
FONTS_ENV = "IVIG_FONTS"


def use_folder(folder: Path) -> None:
    """Take the TrueType fonts (``*.ttf``) of ``folder`` as fallbacks after the bundled ones."""
    for path in sorted(folder.glob("*.ttf")):
        if path.is_file():
            _EXTRA.setdefault("X" + "".join(ch for ch in path.stem if ch.isalnum()), path)


def extra_families() -> tuple[str, ...]:
    """The fonts folder's families (use_folder, and the folder IVIG_FONTS names)."""
    folder = os.environ.get(FONTS_ENV)
    if folder and not _EXTRA:
        use_folder(Path(folder))
    return tuple(_EXTRA)


@cache
def coverage(face: str) -> frozenset[int]:
    """Code points the face (a family or face name, e.g. ``DejaVu-Bold``) has a glyph for."""
    data = read_regular(face_path(face), FONT_LIMIT)
    cmap = _cmap(data)
    return frozenset(filter(cmap.get, cmap))  # (the code points whose glyph is not 0)


@cache
def advances(path: str) -> tuple[dict[int, float], float]:
    """A TrueType face's widths as ReportLab reads them (TTFontFile.extractInfo): each character's glyph
    advance in thousandths of an em, and glyph 0's for a character the face lacks; read from the file's
    cmap, head, hhea and hmtx tables, once per face file."""
    font = read_regular(Path(path), FONT_LIMIT)
    tables = _tables(font)
    per_em = struct.unpack(">H", font[tables[b"head"] + 18: tables[b"head"] + 20])[0]
    metrics = struct.unpack(">H", font[tables[b"hhea"] + 34: tables[b"hhea"] + 36])[0]
    advance = struct.unpack(f">{2 * metrics}H", font[tables[b"hmtx"]: tables[b"hmtx"] + 4 * metrics])[::2]
    scaled = [float(width) if per_em == 1000 else width * (1000 / per_em) for width in advance]
    widths = {cp: scaled[min(glyph, metrics - 1)] for cp, glyph in _cmap(font).items()}
    if 0x20 in widths:  # (ReportLab: a no-break space as wide as a space, or the other way)
        widths[0xA0] = widths[0x20]
    elif 0xA0 in widths:
        widths[0x20] = widths[0xA0]
    return widths, scaled[0]


def _tables(font: bytes) -> dict[bytes, int]:
    """The font's table directory: tag -> offset."""
    return {font[12 + 16 * i: 16 + 16 * i]: struct.unpack(">I", font[20 + 16 * i: 24 + 16 * i])[0]
            for i in range(struct.unpack(">H", font[4:6])[0])}


def _cmap(font: bytes) -> dict[int, int]:
    """Code point -> glyph id from the font's Unicode cmap subtable (format 12 preferred, else 4)."""
    start = _tables(font)[b"cmap"]
    count = struct.unpack(">H", font[start + 2: start + 4])[0]
    subtables: dict[tuple[int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack(">HHI", font[start + 4 + 8 * i: start + 12 + 8 * i])
        subtables[platform, encoding] = start + offset
    for key in ((3, 10), (0, 4), (3, 1), (0, 3)):
        if key in subtables:
            at = subtables[key]
            kind = struct.unpack(">H", font[at: at + 2])[0]
            return _format12(font, at) if kind == 12 else _format4(font, at)
    return {}


def _format4(font: bytes, at: int) -> dict[int, int]:
    segments = struct.unpack(">H", font[at + 6: at + 8])[0] // 2
    arrays = [struct.unpack(f">{segments}H", font[at + 14 + k * 2 * segments + (2 if k else 0):
                                                   at + 14 + (k + 1) * 2 * segments + (2 if k else 0)])
              for k in range(4)]
    ends, starts, deltas, range_offsets = arrays
    offsets_at = at + 16 + 6 * segments
    out: dict[int, int] = {}
    for seg, (first, last, delta, range_offset) in enumerate(zip(starts, ends, deltas, range_offsets, strict=True)):
        for cp in range(first, last + 1):
            if cp == 0xFFFF:
                continue
            if range_offset == 0:
                glyph = (cp + delta) & 0xFFFF
            else:
                where = offsets_at + 2 * seg + range_offset + 2 * (cp - first)
                glyph = struct.unpack(">H", font[where: where + 2])[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            out[cp] = glyph
    return out


def _format12(font: bytes, at: int) -> dict[int, int]:
    groups = struct.unpack(">I", font[at + 12: at + 16])[0]
    out: dict[int, int] = {}
    for first, last, glyph in struct.iter_unpack(">III", font[at + 16: at + 16 + 12 * groups]):
        out.update(zip(range(first, last + 1), range(glyph, glyph + last - first + 1), strict=True))  # (no Python loop)
    return out
