"""Render stage, stamping: a template of a handout leaves the patient's name and date out and reports
where they go (record.Slot, drawn by slots.py); ``draw_stamps`` later draws each patient's values as
the very paragraphs a full render would draw there, for export/stamp.py to set into the template.

A value in printable ASCII is the slot's frame (the drawing of a probe, reported with the slot) around
the value's string, in the template's own face: that needs neither ReportLab's paragraphs nor a font
of its own, so a roster whose templates come from the cache draws its names without them. A value
wider than its slot's room would lay the line out differently: ``fits`` says so, and the caller
renders that one in full. ``fits`` reads a value from the width tables of the main face and, for the
characters it lacks, the fallback face (no ReportLab: a roster of names in the main face's characters
whose templates come from the cache imports none); only a value within a hair of its slot's room is
measured by ReportLab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from typing import cast

from ..inputs.fonts import FALLBACK, MAIN, advances, coverage, face_name, face_path
from ..inputs.text import main_safe, needs_shaping, normalise, script_lang
from .fonts import register_main
from .record import Slot

NAME, DATE = "patient name", "date"  # a slot's field: the value it takes (and the field errors name)


LANGS = ("el", "ru")  # names in these scripts are stamped too (wide.py), tagged as a full render tags them


def fits(slot: Slot, value: str) -> bool:
    """Whether ``value`` prints within ``slot`` as a full render would lay it out (one line, the same
    row). A shaped value never does (only a full render shapes it and gives its text in logical
    order); one in Greek or Cyrillic does when the wide subsets hold it (it is tagged with its
    language as markup.ScriptParagraph tags it); one in another script never does."""
    text = normalise(value)
    bold = slot.font in _bold_faces()
    if main_safe().issuperset(text):
        width = main_width(text, slot.size, bold)
    elif needs_shaping(text):
        return False
    else:
        lang = script_lang(text)
        if lang is not None and (lang not in LANGS or not _in_wide(slot, text)):
            return False
        width = mixed_width(text, slot.size, bold)
    if abs(width - slot.room) > NEAR:  # (else summed as ReportLab sums it, below)
        return width <= slot.room
    from .markup import is_bold, text_width

    register_main()  # (a roster whose templates all came from the cache has rendered nothing yet)
    return text_width(value, slot.size, bold=is_bold(slot.font)) <= slot.room


NEAR = 0.001  # pt: a value whose width from the table is this close to its slot's room is measured by ReportLab


def main_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` (normalised, in the main face's characters) in the main face, from that
    face's width table: markup.text_width's figure, give or take the rounding of the sum."""
    widths, default = _widths(face_name(MAIN, bold))
    return sum(map(widths.get, map(ord, text), repeat(default, len(text)))) * size / 1000


def mixed_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` (normalised, not shaped) with each character in the main face if that
    face has it, else in the fallback face, from their width tables: markup.text_width's figure for
    such text, give or take the rounding of the sum."""
    main = coverage(MAIN)
    own, fallback = _widths(face_name(MAIN, bold)), _widths(face_name(FALLBACK, bold))
    total = 0.0
    for ch in text:
        widths, default = own if ord(ch) in main else fallback
        total += widths.get(ord(ch), default) * size * 0.001
    return total


@cache
def _widths(face: str) -> tuple[dict[int, float], float]:
    """A face's width table (inputs.fonts.advances), by face name."""
    return advances(str(face_path(face)))


@cache
def _bold_faces() -> tuple[str, str]:
    """The main family's bold faces (markup.is_bold, without ReportLab)."""
    return face_name(MAIN, bold=True), face_name(MAIN, bold=True, italic=True)


def _in_wide(slot: Slot, text: str) -> bool:
    from .wide import covers, wide_for

    return covers(wide_for([slot], [text]), slot, text)


def lang_of(value: str) -> str | None:
    """The language a value is tagged with (a name in Greek or Cyrillic), else None."""
    text = normalise(value)
    return None if main_safe().issuperset(text) else script_lang(text)


@dataclass(frozen=True)
class Stamp:
    """Patients' values drawn for templates: for each stamp page, each slot's drawing (content-stream
    operators, by slot index), and the fonts they name. Values in printable ASCII are drawn in the
    first subset of the template's own faces, which holds every ASCII glyph: ``faces`` maps the font
    names those drawings use to their faces (PostScript names). Other values need glyphs a template
    may lack: ``pdf`` is then a PDF whose first page's resources hold the fonts the others name. A
    value in Greek or Cyrillic is drawn in a span with its language, which its structure element must
    carry too (``langs``)."""

    ops: tuple[dict[int, bytes], ...]
    faces: dict[str, str] = field(default_factory=dict)
    pdf: bytes = b""
    langs: tuple[dict[int, str], ...] = ()  # per page, by slot index: the language of a value tagged with one


def draw_stamps(pages: Sequence[tuple[Sequence[Slot], Mapping[str, str]]]) -> Stamp:
    """Each (slots, values): every slot's value drawn at the origin as the paragraph a full render
    draws in its place (a template's slot sits at its paragraph's origin). Deterministic; raises
    UncoveredCharacterError for a value it cannot print."""
    faces: dict[str, str] = {}
    ops: list[dict[int, bytes]] = [{} for _ in pages]
    others: list[tuple[int, Slot, str]] = []  # (page x 1,000 + slot index, slot, value): drawn by ReportLab
    for number, (slots, values) in enumerate(pages):
        for index, slot in enumerate(slots):
            value = values[slot.field]
            if _plain(value):
                ops[number][index] = _framed(slot, value, faces)
            else:
                others.append((number * 1000 + index, slot, value))
    if not others:
        return Stamp(tuple(ops), faces)
    register_main()
    drawn, pdf = _draw_others(others)
    if pdf and any(b"+0 " in made for made in drawn.values()):  # ASCII runs in the template's own faces
        faces.update({f"{slot.frame[2]}+0": slot.frame[2] for _, slot, _ in others})
    langs: list[dict[int, str]] = [{} for _ in pages]
    for key, made in drawn.items():
        ops[key // 1000][key % 1000] = made
    for key, _, value in others:
        lang = lang_of(value)
        if lang is not None:
            langs[key // 1000][key % 1000] = lang
    return Stamp(tuple(ops), faces, pdf, tuple(langs) if any(langs) else ())


def _draw_others(others: list[tuple[int, Slot, str]]) -> tuple[dict[int, bytes], bytes]:
    """The values that are not plain, drawn: in the wide subsets made once per process where they
    hold every character (wide.py), else on a stamp page with fonts of their own."""
    from .wide import covers, draw_wide, fonts_pdf, wide_for

    wide = wide_for([slot for _, slot, _ in others], [value for _, _, value in others])
    if all(covers(wide, slot, value) for _, slot, value in others):
        made = {key: draw_wide(wide, slot, value) for key, slot, value in others}
        if all(made.values()):
            drawings = cast(dict[int, bytes], made)
            return drawings, fonts_pdf(wide, list(drawings.values()))
    from .slots import draw_values  # ReportLab's paragraphs, and fonts of their own

    return draw_values(others)


def _plain(value: str) -> bool:
    """Printable ASCII: one run in the main face, in the first subset (codes as in ASCII)."""
    return bool(value) and all(" " <= ch <= "~" for ch in value)


def _framed(slot: Slot, value: str, faces: dict[str, str]) -> bytes:
    """A plain value's drawing: the slot's frame around the value's string (with the space at its
    line's end, as a full render draws it)."""
    before, after, face = slot.frame
    faces[f"{face}+0"] = face
    text = (value + " ").replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")  # a PDF string
    return f"{before}({text}){after}".encode("latin-1")

