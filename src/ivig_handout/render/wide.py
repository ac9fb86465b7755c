"""Render stage, wide subsets (issue 25): a value outside printable ASCII drawn without a font of its
own. Once per process and slot type, every character the slot's face and its fallback face hold in
the Latin scripts (Latin-1, Latin Extended A and B, Vietnamese's Latin Extended Additional, general
punctuation), Greek and Cyrillic is given its code in a subset up front, on a canvas kept for drawing values, and the
same subsets are written into a PDF (fonts_pdf: those a value uses) whose page's resources hold their fonts. A
value is then drawn as the very paragraph a full render draws (slots.drawn) and names those fonts,
which the export stage copies into the template (export/stamp.py), with no ReportLab document made
and no font subset made per value. Values with another character take the old way (draw_values)."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO

from reportlab.pdfbase.pdfdoc import PDFError
from reportlab.pdfbase.pdfmetrics import getFont

from ..inputs.fonts import coverage
from ..inputs.text import normalise
from . import fonts
from .markup import is_bold
from .record import Slot
from .slots import PAGE, StampCanvas, drawn

# Codes are given in this order, so a name in one script mostly needs one subset (256 codes) of a face:
# the first subset holds ASCII and then the Greek and Russian alphabets (in the fallback face, which has
# them), Vietnamese's letters next, then Latin-1, Latin Extended A and B, punctuation, and the rest.
RANGES = ((0x20, 0x7E), (0x386, 0x3CE), (0x401, 0x401), (0x410, 0x451), (0x1EA0, 0x1EF9), (0x1A0, 0x1B0),
          (0x102, 0x103), (0x110, 0x111), (0x128, 0x129), (0x168, 0x169),  # Vietnamese's other letters
          (0xA0, 0x24F), (0x2010, 0x205E), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF))
_LOCK = threading.Lock()  # one drawing canvas per slot type, shared by a server's threads


@dataclass(frozen=True)
class Wide:
    """Wide subsets for slots in some fonts: the characters each face holds in them and the canvas
    values are drawn on (never saved); pdf() makes the fonts the drawings name."""

    key: tuple[tuple[str, ...], bool]  # the slots' fonts, and whether with their fallback faces
    names: frozenset[str]  # the subsets' fonts, as drawings name them
    internal: dict[str, str]  # face (font name) -> its name on the canvas (``F2``)
    chars: dict[str, frozenset[str]]  # face (font name) -> the characters its subsets hold
    canvas: StampCanvas

    either: dict[str, frozenset[str]]  # a slot's font -> the characters in its face's subsets or its fallback's


def wide_for(slots: Sequence[Slot], values: Sequence[str] = ()) -> Wide:
    """The wide subsets for ``slots``' fonts, with their fallback faces unless each of ``values`` is in
    those fonts' own subsets (the fallback's faces, 2.7 MB, are read only for a value that needs
    them): made the first time, then kept."""
    key = tuple(sorted({slot.font for slot in slots}))
    own = _wide(key, fallback=False)
    if values and all(own.either[font].issuperset(normalise(value)) for font in key for value in values):
        return own
    return _wide(key, fallback=True)


def covers(wide: Wide, slot: Slot, value: str) -> bool:
    """Whether ``value`` in ``slot`` is drawn in faces whose subsets hold each of its characters: the
    slot's face and its fallback hold every character of RANGES they have, and markup.to_markup draws
    each character in one of them that has it (where neither has it, in another font)."""
    return slot.font in wide.either and wide.either[slot.font].issuperset(normalise(value))


def draw_wide(wide: Wide, slot: Slot, value: str) -> bytes | None:
    """``value`` drawn in ``slot`` on the slot type's canvas: the content-stream operators, naming
    fonts of fonts_pdf, and the template's own face (``AtkinsonHyperlegible-Bold+0``) for its runs
    of printable ASCII in that face (None if a character is not in the subsets)."""
    with _LOCK:
        start = len(wide.canvas._code)
        try:
            made = drawn(wide.canvas, slot, value)
        except PDFError:  # a character not in the subsets after all: the caller draws it the old way
            return None
        finally:
            del wide.canvas._code[start:]  # the canvas keeps nothing of a value
    names = {name.decode() for name in _NAMES.findall(made)}
    if not wide.names.issuperset(names):  # (drawn in a face they are not of)
        return None
    own, face = wide.internal[slot.font].encode(), slot.frame[2].encode()

    def ascii_run(m: re.Match[bytes]) -> bytes:
        if m.group(1) != own or not _ascii_after(made, m.end()):
            return m.group(0)
        return b"/" + face + b"+0 " + m.group(2)

    return _ASCII_RUN.sub(ascii_run, made)


# A run of printable ASCII in a first subset (codes as in ASCII, as in the template's first subset of the
# same face): set in the template's own font, so a name adds only the subsets of its other letters.
_ASCII = rb"\((?:[ -'*-\[\]-~]|\\[()\\])*\)"
_ASCII_RUN = re.compile(rb"/(F\d+)\+0 ([\d.]+ Tf(?: [\d.]+ TL)? " + _ASCII + rb" Tj)")
_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)", re.S)  # a literal string (escapes: \( \) \\ and octal codes)
_NEXT_FONT = re.compile(rb"/F\d+\+\d+ [\d.]+ Tf|\bET\b")


def _ascii_after(ops: bytes, at: int) -> bool:
    """Whether every string shown from ``at`` in the same font (up to the next font set or the text's end)
    is printable ASCII too: a run split where markup escaped a character (``&``, ``<``, a quote) goes on
    in that font, and a code past ASCII is another letter in the template's face."""
    end = _NEXT_FONT.search(ops, at)
    return all(re.fullmatch(_ASCII, s) for s in _STRING.findall(ops, at, end.start() if end else len(ops)))


@cache
def _wide(slot_fonts: tuple[str, ...], fallback: bool) -> Wide:
    fonts.register_main()
    pairs = {font: (font, fonts.face_name(fonts.fallback(), is_bold(font)) if fallback else font)
             for font in slot_fonts}
    faces = tuple(dict.fromkeys(face for pair in pairs.values() for face in pair))
    drawing, _ = _filled(faces)
    names, internal = set(), {}
    for face in faces:
        state = getFont(face).state[drawing._doc]
        state.frozen = 1  # a character outside raises, never a new code
        names |= {f"{state.internalName}+{number}" for number in range(len(state.subsets))}
        internal[face] = state.internalName
    chars = {face: frozenset(chr(cp) for cp in getFont(face).state[drawing._doc].assignments if cp)
             for face in faces}
    return Wide((slot_fonts, fallback), frozenset(names), internal, chars, drawing,
                {font: chars[a] | chars[b] for font, (a, b) in pairs.items()})


def fonts_pdf(wide: Wide, drawings: list[bytes]) -> bytes:
    """A PDF whose first page's resources hold the fonts ``drawings`` name (and no other subset)."""
    return _fonts_pdf(wide.key, frozenset(name.decode() for ops in drawings for name in _NAMES.findall(ops)))


_NAMES = re.compile(rb"/(F\d+\+\d+) [\d.]+ Tf")


@lru_cache(maxsize=32)
def _fonts_pdf(key: tuple[tuple[str, ...], bool], names: frozenset[str]) -> bytes:
    """The wide subsets of ``key`` that ``names`` names made into a PDF, the others left out (making
    a subset's font program is most of the cost: about 20 ms each)."""
    faces = tuple(_wide(*key).chars)
    kept, out = _filled(faces)  # the same codes and names as the drawing canvas's
    for face in faces:
        state = getFont(face).state[kept._doc]
        state.unused = {number for number in range(len(state.subsets)) if f"{state.internalName}+{number}" not in names}
    kept.showPage()
    kept.save()
    return out.getvalue()


def _filled(faces: tuple[str, ...]) -> tuple[StampCanvas, BytesIO]:
    """A stamp canvas (and where it saves) with every character of RANGES each face holds given its
    code, in order."""
    out = BytesIO()
    canv = StampCanvas(out, pagesize=PAGE, invariant=1, pageCompression=0)
    for face in faces:
        font = getFont(face)
        held = coverage(face)
        codes = dict.fromkeys(cp for first, last in RANGES for cp in range(first, last + 1) if cp in held)
        font.splitString("".join(map(chr, codes)), canv._doc)
        for subset in range(len(font.state[canv._doc].subsets)):
            font.getSubsetInternalName(subset, canv._doc)
        canv.setFont(face, 10)  # (the page's resources name the fonts)
    return canv, out
