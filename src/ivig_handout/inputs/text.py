"""Inputs stage, text safety: normalise text and refuse any character the bundled fonts cannot print
(or that must not be printed: controls, bidi, right-to-left scripts); no ReportLab."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter

from ..errors import UncoveredCharacterError
from . import fonts

SOFT_HYPHEN = "\xad"

# Whitespace: every Unicode White_Space character except NO-BREAK SPACE. A run of them becomes one
# ASCII space and the ends are stripped. U+00A0 is kept because Atkinson has it and ReportLab does
# not break a line there ("10\xa0mg" stays together). FIGURE SPACE and NARROW NO-BREAK SPACE are
# no-break in Unicode, but ReportLab breaks lines at them anyway, so they are ordinary spaces here.
# U+001C..U+001F count as whitespace for str.split() but are controls, so they are refused.
SPACES = "\t\n\v\f\r \x85\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_SPACE_RUN = re.compile("[" + re.escape(SPACES) + "]+")

# Invisible characters that are dropped silently. They are the usual residue of copy-and-paste from
# word processors and web pages, have no visible glyph, and ReportLab could not honour them anyway
# (it does no shaping, no bidi, no variant selection), so the printed page is the same without them:
# ZERO WIDTH SPACE (ReportLab would even turn it into a word space), ZERO WIDTH (NON-)JOINER,
# LEFT-TO-RIGHT/RIGHT-TO-LEFT MARK, WORD JOINER, BYTE ORDER MARK, and the variation selectors
# (so "❤️" prints DejaVu's heart). Every other format character (category Cf: bidi embeddings and
# overrides, invisible maths operators, tag characters, ...) is refused with a clear error rather
# than dropped or printed, because it would make the source text mean something the PDF does not
# show. SOFT HYPHEN (Cf) is the exception: ReportLab honours it as a hyphenation point.
IGNORED = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_DROP = dict.fromkeys(map(ord, IGNORED))


def check_text(text: str, field: str) -> None:
    """Raise UncoveredCharacterError for the first character of ``text`` that cannot be printed."""
    text = normalise(text)
    if not main_safe().issuperset(text):
        runs(text, field)


def normalise(text: str) -> str:
    """Drop IGNORED characters, NFC-normalise, collapse whitespace runs to one space, strip the ends."""
    text = unicodedata.normalize("NFC", text.translate(_DROP))
    return _SPACE_RUN.sub(" ", text).strip(" ")


def runs(text: str, field: str) -> list[tuple[str, str]]:
    """Split normalised ``text`` into (family, run) pairs, merging neighbours of the same family."""
    tagged = [(_family(cluster, field), cluster) for cluster in _clusters(text)]
    return [(family, "".join(c for _, c in group)) for family, group in groupby(tagged, key=itemgetter(0))]


def _clusters(text: str) -> Iterator[str]:
    """A base character with the combining marks after it, so a mark never changes font from its base."""
    cluster = ""
    for ch in text:
        if cluster and unicodedata.category(ch)[0] == "M":
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
    if cluster:
        yield cluster


def _family(cluster: str, field: str) -> str:
    """The family that prints the whole cluster: the main one if it can, else the fallback."""
    for ch in cluster:
        reason = _refusal(ch)
        if reason:
            raise UncoveredCharacterError(ch, field, reason)
    main, fallback = family_coverage(fonts.MAIN), family_coverage(fonts.FALLBACK)
    if main.issuperset(cluster):
        return fonts.MAIN
    if fallback.issuperset(cluster):
        return fonts.FALLBACK
    bad = next(ch for ch in cluster if ch not in fallback)
    raise UncoveredCharacterError(bad, field)


@lru_cache(maxsize=4096)
def _refusal(ch: str) -> str | None:
    """Why ``ch`` must not be printed whatever the fonts cover, or None."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return "is a control character; remove it"
    if category == "Cf" and ch != SOFT_HYPHEN:
        return "is an invisible formatting character the PDF cannot honour; remove it"
    if category == "Co":
        return "is a private-use character whose glyph differs from font to font; replace it"
    if category in ("Cs", "Cn"):
        return "is not a valid (assigned) Unicode character; replace it"
    if unicodedata.bidirectional(ch) in ("R", "AL"):
        # ReportLab has no bidi algorithm: Hebrew, Arabic, ... would print in reversed order.
        return "is in a right-to-left script, which the PDF renderer would print in reversed order; replace it"
    return None


@cache
def family_coverage(family: str) -> frozenset[str]:
    """Characters that all four faces of ``family`` have, so <b>/<i> around a run never lose a glyph.

    (DejaVu's oblique faces lack e.g. Arabic that its regular face has; Atkinson's faces all agree.)
    """
    faces = [fonts.face_name(family, bold, italic) for bold in (False, True) for italic in (False, True)]
    return frozenset(map(chr, frozenset.intersection(*map(fonts.coverage, faces))))


@cache
def main_safe() -> frozenset[str]:
    """Main-font characters that are never refused: text made only of these needs no per-char work."""
    return frozenset(ch for ch in family_coverage(fonts.MAIN) if _refusal(ch) is None)
