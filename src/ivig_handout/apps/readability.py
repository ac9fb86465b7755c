"""Apps stage, readability: Flesch-Kincaid grade and SMOG, computed offline.

Pure Python, no data files and no network (``textstat`` >= 0.7.9 downloads its
dictionaries at run time, so it is deliberately not used).

Counting rules, chosen to suit patient handouts:

* **Words** are runs of letters and digits. Internal hyphens and apostrophes
  keep a word whole (``long-term``, ``don't``), so does a ``.`` or ``,``
  between digits (``2.5``, ``1,000``); other punctuation is dropped. Numbers
  count as words. Dotted abbreviations (``e.g.``, ``U.S.``) are one word.
* **Sentences** end at ``.``, ``!``, ``?`` or ``…`` followed by white space
  (closing quotes and brackets may come between). A full stop does not end a
  sentence after a known abbreviation (``Dr.``, ``e.g.``, ``vs.``...) or when
  the next word starts with a lower-case letter. A line break also ends a
  sentence -- headings, list items and unpunctuated lines each count as
  one -- unless the next line starts with a lower-case letter (hard-wrapped
  prose). Leading list markers (``-``, ``*``, ``•``, ``1.``, ``2)``) are
  dropped. Pieces without any word are not sentences.
* **Syllables** come from :func:`count_syllables`, a heuristic for English
  that gets ordinary and medical vocabulary right most of the time (see its
  docstring for the rules). Polysyllables are words of three or more.

The formulas are the published ones, applied to the whole text:

* Flesch-Kincaid grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59
* SMOG index = 1.0430 * sqrt(polysyllables * 30 / sentences) + 3.1291

Both are left unrounded and unclamped (very easy text gives a negative
Flesch-Kincaid grade). Text without words measures as all zeros.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ACCEPTABLE_GRADE",
    "PREFERRED_GRADE",
    "Readability",
    "count_syllables",
    "flesch_kincaid_grade",
    "grade_verdict",
    "measure",
    "sentences",
    "smog_index",
    "words",
]

#: Target reading grades for patient material (AMA / NIH advice: 6th grade, at most 8th).
PREFERRED_GRADE = 6.0
ACCEPTABLE_GRADE = 8.0

# --------------------------------------------------------------------------- words

_HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
_APOSTROPHES = "'\u2019"
_WORD_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # dotted abbreviations: e.g. i.e. U.S.
    r"|[^\W_]+(?:(?:[" + _HYPHENS + _APOSTROPHES + r"]|(?<=\d)[.,](?=\d))[^\W_]+)*"
)


def words(text: str) -> list[str]:
    """The words of ``text``, punctuation stripped; numbers count as words."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text))


# --------------------------------------------------------------------------- sentences

_LIST_MARKER_RE = re.compile(r"^(?:[-*+\u2022\u2023\u25aa\u25e6\u2013\u2014]|\(?\d{1,3}[.)])\s+")
_TERMINATOR_RE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "prof", "st", "vs", "e.g", "i.e", "cf", "fig", "no", "approx", "dept", "jr", "sr"}
)


def _logical_lines(text: str) -> list[str]:
    """Join hard-wrapped lines; every other line break starts a new block."""
    blocks: list[str] = []
    current: str | None = None
    for raw in unicodedata.normalize("NFC", text).splitlines():
        line = raw.strip()
        if not line:
            current = None
            continue
        marker = _LIST_MARKER_RE.match(line)
        if marker:
            line = line[marker.end() :]
        elif current is not None and line[0].islower():
            blocks[-1] = current = current + " " + line
            continue
        blocks.append(line)
        current = line
    return blocks


def _ends_sentence(block: str, start: int, match: re.Match[str]) -> bool:
    """Whether the terminator ``match`` in ``block`` really ends a sentence."""
    if not match.group().startswith("."):
        return True
    following = block[match.end() :].lstrip()
    if following[:1].islower():
        return False
    last = block[start : match.start()].split()
    token = last[-1].lstrip("([\"'\u201c\u2018").lower() if last else ""
    return token not in _ABBREVIATIONS


def _split_block(block: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _TERMINATOR_RE.finditer(block):
        if _ends_sentence(block, start, match):
            pieces.append(block[start : match.end()].strip())
            start = match.end()
    pieces.append(block[start:].strip())
    return pieces


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (headings, list items and other lines count as sentences)."""
    return [piece for block in _logical_lines(text) for piece in _split_block(block) if words(piece)]


# --------------------------------------------------------------------------- syllables

# Words the rules get wrong. Plurals ("peoples") are looked up without their final "s".
_EXCEPTIONS: dict[str, int] = {
    "acne": 2,
    "apostrophe": 4,
    "argue": 2,
    "argued": 2,
    "catastrophe": 4,
    "diabetes": 4,
    "element": 3,
    "epitome": 4,
    "every": 2,
    "everybody": 4,
    "everyday": 3,
    "everyone": 3,
    "everything": 3,
    "everywhere": 3,
    "herpes": 2,
    "jeopardy": 3,
    "leopard": 2,
    "maybe": 2,
    "people": 2,
    "recipe": 3,
    "simile": 3,
}

# Endings after which a stem's final "e" stays silent: "safe|ly", "guide|line", "some|times".
_SUFFIXES: dict[str, int] = {
    "ly": 1,
    "ful": 1,
    "fully": 2,
    "less": 1,
    "ness": 1,
    "ment": 1,
    "ments": 1,
    "line": 1,
    "lines": 1,
    "time": 1,
    "times": 1,
    "thing": 1,
    "things": 1,
    "one": 1,
    "where": 1,
    "wise": 1,
    "wide": 1,
    "work": 1,
    "fore": 1,
}

# Word starts whose first two vowels are separate syllables: "co|operate", "re|act".
_HIATUS_PREFIXES = ("coag", "coex", "coin", "coop", "coor", "preex", "reev", "reex", "reim", "rein", "reit")

_VOWELS = "aeiou"
_NUMBER_OR_LETTERS_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def count_syllables(word: str) -> int:
    """Estimate the syllables of one English word.

    Rules, in order:

    * Apostrophes are dropped; hyphenated words and letter/digit mixes are
      counted part by part (``long-term`` = 2, ``B12`` = 1 + 2).
    * Numbers: one syllable per digit, plus one per decimal point -- a rough
      stand-in for reading them aloud (``2012`` = 4, ``30`` = 2, ``2.5`` = 3).
    * Initialisms -- 2 to 5 letters with at least two capitals, such as
      ``IVIg``, ``IgG``, ``CIDP``, ``GBS`` -- are read letter by letter: one
      syllable per letter (``W`` = 3). All-capital *words* of up to five letters
      are read the same way, so measure sentence-case text, not shouted headings.
    * A short exception table (``people``, ``every``, ``recipe``...).
    * Otherwise: count vowel groups (``y`` is a vowel except at the start of a
      word or after a vowel); split groups that are two syllables (``di|a``,
      ``i|o`` except in ``-tion``/``-sion``/``-cious``, ``u|a``, ``e|o``,
      ``-ing`` after a vowel, ``flu|id``, ``qui|et``...); drop a silent final
      ``e``, ``-es`` or ``-ed`` (but keep ``-le``/``-re`` after a consonant,
      ``-ed`` after t/d and ``-es`` after s, x, z, c, g, ch, sh); drop ``-que``
      and ``-gue``; add one for ``-sm`` and ``-thm``; count a silent-e stem
      before ``-ly``, ``-ment``, ``-ness``, ``-line``, ``-times``... on its own.
    * The minimum for anything with a letter or digit is 1; a string with
      neither counts 0.
    """
    text = word.translate({ord(c): None for c in _APOSTROPHES})
    return sum(_count_part(part) for part in _NUMBER_OR_LETTERS_RE.findall(text))


def _count_part(part: str) -> int:
    if part[0].isdigit():
        return sum(ch.isdigit() for ch in part) + part.count(".")
    if 2 <= len(part) <= 5 and sum(ch.isupper() for ch in part) >= 2:
        return sum(3 if ch in "Ww" else 1 for ch in part)
    sounded_final_e = part.lower().endswith("\u00e9")  # Barré, café
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", part) if not unicodedata.combining(ch)).lower()
    latin = "".join(ch for ch in folded if "a" <= ch <= "z")
    if not latin:
        return 1  # a word in another script: no better guess
    return _count_word(latin, sounded_final_e)


def _count_word(w: str, sounded_final_e: bool = False) -> int:
    if w in _EXCEPTIONS:
        return _EXCEPTIONS[w]
    if w.endswith("s") and w[:-1] in _EXCEPTIONS:
        return _EXCEPTIONS[w[:-1]]
    for suffix, value in _SUFFIXES.items():
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and len(stem) >= 3 and stem.endswith("e") and stem[-2] not in _VOWELS + "y":
            return _count_word(stem) + value
    return max(1, _count_vowel_groups(w, sounded_final_e))


def _vowel_flags(w: str) -> list[bool]:
    """Which letters are vowels; ``y`` is a consonant at the start of a word or after a vowel."""
    flags: list[bool] = []
    for i, ch in enumerate(w):
        flags.append(ch in _VOWELS or (ch == "y" and i > 0 and not flags[i - 1]))
    return flags


def _count_vowel_groups(w: str, sounded_final_e: bool) -> int:
    flags = _vowel_flags(w)
    count = 0
    i = 0
    while i < len(w):
        if not flags[i]:
            i += 1
            continue
        start = i
        while i + 1 < len(w) and flags[i + 1]:
            count += _splits(w, i, start)
            i += 1
        count += 1
        i += 1
    if not sounded_final_e and _silent_final_e(w, flags):
        count -= 1
    if re.search(r"[qg]ues?$", w) and w not in ("ague", "agues"):
        count -= 1  # technique, fatigue
    if re.search(r"(?:sm|thm)s?$", w):
        count += 1  # spasm, autism, rhythm
    if any(w.startswith(p) and len(w) > len(p) + 2 for p in _HIATUS_PREFIXES):
        count += 1  # cooperate, reimburse; not coins, coined, reins
    if w.startswith("react") or ("creat" in w and "creatur" not in w):
        count += 1  # reaction, create, pancreatic
    return count


def _splits(w: str, i: int, group_start: int) -> int:
    """1 if the adjacent vowels ``w[i]`` and ``w[i + 1]`` belong to different syllables."""
    a, b = w[i], w[i + 1]
    prev = w[i - 1] if i > 0 else ""
    prev2 = w[i - 2] if i > 1 else ""
    rest = w[i + 2 :]
    if a == "y":  # my|asthenia, dem|y|elinating; not lawyer, dye(s)
        return int(prev != "w" and not (b == "e" and rest in ("", "s", "d")))
    if b == "i" and rest.startswith("ng"):  # go|ing, be|ing, continu|ing
        return 1
    pair = a + b
    if pair == "ia":  # di|agnose, bacteri|a; not special, physician; but associ|ate
        return int(prev not in ("c", "t", "s", "g") or rest.startswith("t"))
    if pair == "io":  # radi|o, seri|ous; not nation, vision, cautious, fashion, million
        soft = prev in ("t", "s", "c", "x", "g") or (prev == "h" and prev2 == "s") or (prev == "l" and prev2 == "l")
        return int(not (soft and rest[:1] in ("n", "u")))
    if pair == "iu":  # sodi|um
        return 1
    if pair == "ie":  # qui|et, soci|ety, experi|ence, easi|er; not patient, studies, field
        if rest.startswith("t"):
            return 1
        if rest.startswith(("nc", "nt")):
            return int(prev not in ("t", "c") or prev2 == "s")
        return int(rest in ("r", "rs", "st") and len(w) > 4 and prev not in _VOWELS)
    if pair == "ea":  # ide|a, are|as; not sea, tea
        return int(rest in ("", "s") and group_start > 0 and any(ch in _VOWELS for ch in w[:group_start]))
    if pair in ("ua", "uo"):  # usu|al, du|o; not quality, language
        return int(prev not in ("q", "g"))
    if pair == "ue":  # flu|ent, cru|el; not tissue(s), continued, queen
        return int(prev not in ("q", "g") and rest[:1] != "" and rest[0] not in _VOWELS and rest not in ("s", "d"))
    if pair == "ui":  # flu|id, genu|ine, intu|ition; not build, suit, guide, quiet
        return int(prev not in ("q", "g") and (rest[:1] in ("n", "d") or rest[:2] in ("ti", "ty")))
    if pair == "eo":  # vide|o, ge|ology; not surgeon, gorgeous
        return int(not (prev in ("g", "c") and rest[:1] in ("n", "u")))
    return 0


def _silent_final_e(w: str, flags: list[bool]) -> bool:
    """Whether the word ends in a lone silent ``e``, ``-es`` or ``-ed`` (make, makes, moved)."""
    if w.endswith("e"):
        e = len(w) - 1
    elif w.endswith(("es", "ed")):
        e = len(w) - 2
    else:
        return False
    if e == 0 or flags[e - 1]:
        return False  # "e" alone or part of a longer vowel group: free, goes, died
    before = w[:e]
    if before[-1] in "lr" and len(before) >= 2 and not flags[e - 2] and before[-2] not in "lr":
        return False  # syllabic -le/-re after a consonant: muscle, settled, centre, hundred
    if w.endswith("ed"):
        return before[-1] not in "td"  # needed, injected
    if w.endswith("es"):
        return not (before[-1] in "sxzcg" or before.endswith(("ch", "sh")))  # causes, boxes, changes
    return True


# --------------------------------------------------------------------------- measures


def grade_verdict(grade: float) -> str:
    """Verdict of a reading grade against the targets: preferred, acceptable or above target."""
    if grade <= PREFERRED_GRADE:
        return "preferred"
    if grade <= ACCEPTABLE_GRADE:
        return "acceptable"
    return "above target"


@dataclass(frozen=True)
class Readability:
    """Counts and readability grades of one text."""

    words: int
    sentences: int
    syllables: int
    polysyllables: int
    flesch_kincaid_grade: float
    smog_index: float

    @property
    def grade(self) -> float:
        """The harder of the two grades (the conservative one to hold to a target)."""
        return max(self.flesch_kincaid_grade, self.smog_index)

    @property
    def verdict(self) -> str:
        """``"preferred"`` (grade <= 6), ``"acceptable"`` (<= 8) or ``"above target"``, from :attr:`grade`."""
        return grade_verdict(self.grade)

    def summary(self) -> str:
        """One line for reports, e.g. ``Flesch-Kincaid 7.1, SMOG 9.4: above target (1057 words, 80 sentences)``."""
        return (
            f"Flesch-Kincaid {self.flesch_kincaid_grade:.1f}, SMOG {self.smog_index:.1f}: {self.verdict} "
            f"({self.words} words, {self.sentences} sentences)"
        )


def flesch_kincaid_grade(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Flesch-Kincaid grade level from counts; 0.0 when there are no words or sentences."""
    if n_words <= 0 or n_sentences <= 0:
        return 0.0
    return 0.39 * (n_words / n_sentences) + 11.8 * (n_syllables / n_words) - 15.59


def smog_index(n_polysyllables: int, n_sentences: int) -> float:
    """SMOG index from counts; 0.0 when there are no sentences."""
    if n_sentences <= 0:
        return 0.0
    return 1.0430 * math.sqrt(n_polysyllables * 30 / n_sentences) + 3.1291


def measure(text: str) -> Readability:
    """Count ``text`` and grade it. Words are counted inside sentences, so list markers are left out."""
    sents = sentences(text)
    ws = [w for s in sents for w in words(s)]
    counts = [count_syllables(w) for w in ws]
    n_words, n_sentences = len(ws), len(sents)
    if n_words == 0 or n_sentences == 0:
        return Readability(0, 0, 0, 0, 0.0, 0.0)
    n_syllables = sum(counts)
    n_poly = sum(1 for c in counts if c >= 3)
    return Readability(
        words=n_words,
        sentences=n_sentences,
        syllables=n_syllables,
        polysyllables=n_poly,
        flesch_kincaid_grade=flesch_kincaid_grade(n_words, n_sentences, n_syllables),
        smog_index=smog_index(n_poly, n_sentences),
    )


# --------------------------------------------------------------------------- other languages


@dataclass(frozen=True)
class Spanish:
    """Spanish readability (``textstat`` with Pyphen's Spanish hyphenation for syllables, offline):
    Fernández-Huerta (0-100, higher is easier; 60-70 "normal", 70-80 "bastante fácil") and
    Szigriszt-Pazos on the INFLESZ scale (55-65 "normal", 65-80 "bastante fácil")."""

    fernandez_huerta: float
    szigriszt_pazos: float

    @property
    def inflesz(self) -> str:
        """The INFLESZ band of the Szigriszt-Pazos score (Barrio-Cantalejo et al. 2008)."""
        score = self.szigriszt_pazos
        bands = ((40, "muy difícil"), (55, "algo difícil"), (65, "normal"), (80, "bastante fácil"))
        return next((name for limit, name in bands if score < limit), "muy fácil")

    @property
    def verdict(self) -> str:
        """Plain patient material should read "normal" or easier on INFLESZ (55 and up)."""
        return "acceptable" if self.szigriszt_pazos >= SPANISH_TARGET else "above target"


SPANISH_TARGET = 55.0  # INFLESZ: "normal" from 55 (below: "algo difícil")


def measure_spanish(text: str) -> Spanish:
    """Fernández-Huerta and Szigriszt-Pazos of a Spanish ``text``."""
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang("es")
    return Spanish(float(stats.fernandez_huerta(text)), float(stats.szigriszt_pazos(text)))


def formulas(language: str) -> str | None:
    """Which formulas measure text in ``language`` (a BCP 47 tag): ``en``, ``es``, or None (none here:
    the reading level is "not available", never an English score on other text)."""
    primary = language.split("-", maxsplit=1)[0].lower()
    return primary if primary in ("en", "es") else None

