"""Inputs stage, text safety: normalise text, choose a font per run of script (the bundled fonts, then
a clinic's fonts folder), put right-to-left runs in display order (python-bidi), and refuse any
character no font can print (or that must not be printed: controls, bidi embeddings); no ReportLab."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter

from ..errors import UncoveredCharacterError
from . import fonts

CJK_FIX = ("needs a CJK font, which is too large to bundle: install a TrueType one (e.g. fonts-wqy-zenhei) "
           "and give its folder with --fonts DIR (or fonts: in the clinic profile)")
SHAPED_ONLY = ("is in a script that is shaped, which prints in patients' names and clinic text but not yet in a "
               "content pack's text; remove it")
NO_FONT = ("is in no bundled font nor the fonts folder; remove it, or put a TrueType font that has it in a "
           "folder and give --fonts DIR (or fonts: in the clinic profile)")

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
# ZERO WIDTH NON-JOINER and JOINER change how a shaped script prints (a Persian name's letters that
# must not join; a Devanagari half form), and HarfBuzz honours them: kept in text that is shaped.
JOINERS = "\u200c\u200d"
_DROP_SHAPED = {code: None for code, _ in _DROP.items() if chr(code) not in JOINERS}


def check_text(text: str, field: str, shaped: bool = True) -> None:
    """Raise UncoveredCharacterError for the first character of ``text`` that cannot be printed
    (``shaped``: where text in a shaped script prints, i.e. names and clinic text; not a content pack)."""
    text = normalise(text)
    if not main_safe().issuperset(text):
        runs(text, field)
        if needs_shaping(text):
            if not shaped:
                raise UncoveredCharacterError(next(ch for ch in text if _complex(ch)), field, SHAPED_ONLY)
            display_runs(text, field)


def normalise(text: str) -> str:
    """Drop IGNORED characters (but the JOINERS in text that is shaped), NFC-normalise, collapse
    whitespace runs to one space, strip the ends."""
    drop = _DROP if text.isascii() or not needs_shaping(text) else _DROP_SHAPED
    text = unicodedata.normalize("NFC", text.translate(drop))
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
    """The family that prints the whole cluster: the main one if it can, else the fallback, else a
    font of a script that needs shaping, else a font of the fonts folder. A cluster of such a script
    (Arabic, Hebrew, Devanagari) takes its Noto font first, which is shaped (render/markup.py)."""
    for ch in cluster:
        reason = _refusal(ch)
        if reason:
            raise UncoveredCharacterError(ch, field, reason)
    for family in _candidates(needs_shaping(cluster)):
        if family_coverage(family).issuperset(cluster):
            return family
    bad = next((ch for ch in cluster if not any(ch in family_coverage(f) for f in _candidates(False))), cluster[0])
    raise UncoveredCharacterError(bad, field, CJK_FIX if _is_cjk(bad) else NO_FONT)


def _candidates(shaped: bool) -> tuple[str, ...]:
    bundled = (*fonts.SHAPED, fonts.MAIN, fonts.FALLBACK) if shaped else (fonts.MAIN, fonts.FALLBACK, *fonts.SHAPED)
    return bundled + fonts.extra_families()


def needs_shaping(text: str) -> bool:
    """Whether ``text`` has a character of a right-to-left script or of Devanagari (they print shaped,
    through the full renderer, never stamped)."""
    return any(_complex(ch) for ch in text)


def right_to_left(text: str) -> bool:
    """Whether ``text`` has a character of a right-to-left script."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


@lru_cache(maxsize=4096)
def _complex(ch: str) -> bool:
    if ch in IGNORED:  # (RIGHT-TO-LEFT MARK is of class R, but dropped: it makes no text shaped)
        return False
    return unicodedata.bidirectional(ch) in ("R", "AL") or "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff"


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO")) or "IDEOGRAPH" in name


# Languages by script, for the structure tree's Lang on text in a script other than the document's
_LANGS = (("ARABIC", "ar"), ("HEBREW", "he"), ("DEVANAGARI", "hi"), ("CYRILLIC", "ru"), ("GREEK", "el"),
          ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CJK", "zh"))


def script_lang(text: str) -> str | None:
    """The language of the first letter of ``text`` in a non-Latin script this knows (``ar``, ``he``,
    ``hi``, ``ru``, ``el``, ``ja``, ``ko``, ``zh``), or None (Latin, Vietnamese included, or none).
    A guess from the script: a name in Cyrillic is marked Russian, the most common reading."""
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            lang = next((code for script, code in _LANGS if name.startswith(script)), None)
            if lang:
                return lang
    return None


def _word_fonts(text: str, family_of: list[str]) -> list[str]:
    """``family_of`` (per character) with each word in one font where one covers it, as ReportLab
    shapes a word in one font: a word with a shaped script's letters in that script's font ("בן-עמי":
    the hyphen in Noto Sans Hebrew), a word of two other fonts in the fallback ("Nguyễn")."""
    at = 0
    for word in text.split(" "):
        span = range(at, at + len(word))
        used = {family_of[i] for i in span}
        shaped = used & set(fonts.SHAPED)
        family = next(iter(shaped)) if len(shaped) == 1 else fonts.FALLBACK if len(used) > 1 and not shaped else None
        if family is not None:
            covered = family_coverage(family)
            for i in span:
                if text[i] in covered:
                    family_of[i] = family
        at += len(word) + 1
    return family_of


def display_runs(text: str, field: str) -> list[tuple[str, str, bool]]:
    """Normalised ``text`` as printed left to right: (family, run in logical order, right-to-left)
    pieces in display (visual) order. The order is python-bidi's (rules L1 and L2 of the Unicode
    bidi algorithm); each piece is a word, or a part of one in one font, in one direction, that
    the shaper (HarfBuzz, through ReportLab) lays out in its own direction."""
    from bidi import algorithm

    text = normalise(text)
    family_of = _word_fonts(text, [family for family, run in runs(text, field) for _ in run])
    storage = algorithm.get_empty_storage()
    storage["base_level"] = algorithm.get_base_level(text)
    storage["base_dir"] = ("L", "R")[storage["base_level"]]
    algorithm.get_embedding_levels(_joiners_as_neighbours(text), storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    for step in (algorithm.explicit_embed_and_overrides, algorithm.resolve_weak_types,
                 algorithm.resolve_neutral_types, algorithm.resolve_implicit_levels,
                 algorithm.reorder_resolved_levels, algorithm.apply_mirroring):  # "(" in right-to-left: ")"
        step(storage, False)
    pieces: list[tuple[str, dict[int, str], bool]] = []
    for char in storage["chars"]:
        index, rtl = char["index"], bool(char["level"] % 2)
        last = pieces[-1] if pieces else None
        if (last is not None and last[0] == family_of[index] and last[2] == rtl and text[index] != " "
                and text[max(last[1])] != " " and index == list(last[1])[-1] + (-1 if rtl else 1)):
            last[1][index] = text[index] if text[index] in JOINERS else char["ch"]
        else:
            pieces.append((family_of[index], {index: text[index] if text[index] in JOINERS else char["ch"]}, rtl))
    out = [(family, "".join(chars[i] for i in sorted(chars)), rtl) for family, chars, rtl in pieces]
    _one_font_per_word(out, field)
    return out


def _joiners_as_neighbours(text: str) -> str:
    """``text`` for the bidi algorithm, each JOINER replaced by a letter of the direction of the strong
    character before it. The algorithm removes a joiner (class BN, rule X9), and its place, where a
    shaped word must stay one piece, takes the level of the text it joins."""
    out, strong = [], "a"
    for ch in text:
        if ch in JOINERS:
            out.append(strong)
            continue
        kind = unicodedata.bidirectional(ch)
        strong = {"L": "a", "R": "\u05d0", "AL": "\u0628"}.get(kind, strong)
        out.append(ch)
    return "".join(out)


def _one_font_per_word(pieces: list[tuple[str, str, bool]], field: str) -> None:
    """ReportLab shapes a word (what lies between spaces) as one run, in the font of its first piece,
    so a shaped word must be one piece: one font and one direction. "Dr.محمد" and "محمد2" are refused
    (a space between the parts prints them)."""
    word: list[tuple[str, str, bool]] = []
    for piece in pieces:
        word = [] if piece[1] == " " else [*word, piece]
        if len(word) > 1:
            raise UncoveredCharacterError(piece[1][0], field, "joins two scripts or directions in one word, which "
                                          "cannot be shaped together; put a space between them")


@lru_cache(maxsize=4096)
def _refusal(ch: str) -> str | None:
    """Why ``ch`` must not be printed whatever the fonts cover, or None."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return "is a control character; remove it"
    if category == "Cf" and ch != SOFT_HYPHEN and ch not in JOINERS:  # (joiners: only kept in shaped text)
        return "is an invisible formatting character the PDF cannot honour; remove it"
    if category == "Co":
        return "is a private-use character whose glyph differs from font to font; replace it"
    if category in ("Cs", "Cn"):
        return "is not a valid (assigned) Unicode character; replace it"
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
