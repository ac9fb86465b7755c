"""Inputs stage, finding a document by what people type: the one resolver and ranker behind the CLI
(``one-pager "myasthenia gravis"``, ``print``), a roster's disorder column, a batch job's documents and
the web page's search.

Matching ignores case, accents, hyphens, spaces and other punctuation ("Guillain Barre",
"guillain-barré" and "GUILLAIN BARRE" are one name). A document is found, best first, by

1. its id or an alias (``mg``, ``myasthenia-gravis``; the full sheet: ``full``),
2. its name, abbreviation or label (``Myasthenia gravis``, ``MG``, ``Myasthenia gravis (MG)``),
3. a search word from the content pack (``weakness``, ``IVIG``; model.SearchWords),
4. the start of a word of any of those (``myasth``, ``gravis``, ``weak``),
5. a near spelling (``myastenia``): a suggestion only, "did you mean".

``lookup`` answers one name (the CLI, a roster cell, the page's form): the single document of the best
of tiers 1-3, or the documents it could be (several share a search word), or the suggestions of tiers
4-5. Nothing is printed from a prefix or a near spelling without the person choosing it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import IntEnum

from .model import Handout

FULL = "full"  # the full sheet's document id (plan.kinds.full_sheet; a reserved word: rules.RESERVED)
CUTOFF = 0.6  # how alike a near spelling must be (difflib's ratio): "gbz" is 0.67 of "gbs", "myastenia" 0.95
MIN_WORD = 3  # shorter words of a name are not compared on their own for a near spelling


class Tier(IntEnum):
    """How a document matched; lower is better."""

    ID = 1  # its id or an alias
    NAME = 2  # its name, abbreviation or label
    WORD = 3  # a search word
    PREFIX = 4  # the start of a word of any of the above
    NEAR = 5  # a near spelling (a suggestion)


def fold(text: str) -> str:
    """``text`` as matching sees it: no accents, case folded, every run of anything but letters and
    digits one space (``"Guillain-Barré  syndrome"`` -> ``"guillain barre syndrome"``)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", bare.casefold()))


def key(text: str) -> str:
    """``text`` with nothing between its words: what ids, names and words are compared by (``"post polio"``,
    ``"post-polio"`` and ``"Postpolio"`` are one key)."""
    return fold(text).replace(" ", "")


@dataclass(frozen=True)
class Document:
    """One document and the names it is found by, in its tiers (as written in the content pack)."""

    id: str
    label: str  # how it is shown: "Myasthenia gravis (MG)"
    ids: tuple[str, ...]
    names: tuple[str, ...]
    words: tuple[str, ...]
    _terms: tuple[tuple[Tier, str, str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        terms = [(tier, fold(text), text) for tier, texts in ((Tier.ID, self.ids), (Tier.NAME, self.names),
                                                               (Tier.WORD, self.words)) for text in texts]
        object.__setattr__(self, "_terms", tuple((t, f, f.replace(" ", ""), x) for t, f, x in terms if f))

    def match(self, query: str, loose: bool = True) -> tuple[Tier, str, float] | None:
        """The best tier ``query`` (folded) reaches, the term it matched, and for a near spelling how
        alike they are; None if it does not match at all. ``loose``: also by a prefix or near spelling."""
        compact = query.replace(" ", "")
        if not compact:
            return None
        exact = [(tier, text) for tier, _folded, whole, text in self._terms if whole == compact]
        if exact:
            tier, text = min(exact)
            return tier, text, 1.0
        if not loose:
            return None
        for _tier, folded, whole, text in self._terms:
            if f" {query}" in f" {folded}" or whole.startswith(compact):
                return Tier.PREFIX, text, 1.0
        return self._near(query)

    def _near(self, query: str) -> tuple[Tier, str, float] | None:
        best: tuple[float, str] = (0.0, "")
        for _tier, folded, _whole, text in self._terms:
            for candidate in {folded, *(w for w in folded.split() if len(w) >= MIN_WORD)}:
                ratio = SequenceMatcher(None, query, candidate).ratio()
                if ratio > best[0]:
                    best = (ratio, text)
        return (Tier.NEAR, best[1], best[0]) if best[0] >= CUTOFF else None


@dataclass(frozen=True)
class Match:
    document: Document
    tier: Tier
    term: str  # what it matched, as written in the content pack
    likeness: float = 1.0  # for a near spelling: how alike (difflib's ratio)


def documents(handout: Handout, labels: Mapping[str, str] | None = None,
              full: bool = True, disorders: bool = True) -> list[Document]:
    """The content pack's documents in order (the full sheet, then each disorder), with their names.
    ``labels``: how a caller shows some of them (the web page's "Full information sheet (every
    disorder)"), found like a name."""
    shown = dict(labels or {})
    out = []
    if full:
        sheet = handout.sheet
        label = shown.get(FULL, sheet.title)
        out.append(Document(FULL, label, (FULL,), tuple(dict.fromkeys((label, sheet.title))), sheet.search_words))
    if disorders:
        for d, _group in handout.disorders():
            label = shown.get(d.id, d.label)
            names = tuple(dict.fromkeys(n for n in (d.name, d.abbreviation, d.label, label) if n))
            out.append(Document(d.id, label, (d.id, *d.aliases), names, d.search_words))
    return out


def rank(docs: Iterable[Document], query: str, loose: bool = True) -> list[Match]:
    """Every document ``query`` matches, best first: by tier, near spellings by likeness, then in the
    content pack's order. ``loose=False``: by tiers ID, NAME and WORD only (quicker)."""
    folded = fold(query)
    found = []
    for order, doc in enumerate(docs):
        hit = doc.match(folded, loose)
        if hit is not None:
            found.append((hit[0], -hit[2], order, Match(doc, hit[0], hit[1], hit[2])))
    return [m for *_, m in sorted(found, key=lambda f: f[:3])]


@dataclass(frozen=True)
class Lookup:
    """What one typed name comes to: ``found`` (one document), or ``tied`` (the documents a shared
    search word or name finds: the person must choose), or ``close`` (suggestions: the starts of
    words, then near spellings, best first)."""

    query: str
    found: Document | None
    tied: tuple[Document, ...] = ()
    close: tuple[Document, ...] = ()


def lookup(docs: Sequence[Document], query: str, suggestions: int = 3) -> Lookup:
    """The document ``query`` names (tiers ID, NAME, WORD); else what it might be."""
    matches = rank(docs, query, loose=False) or rank(docs, query)
    if matches and matches[0].tier <= Tier.WORD:
        best = [m.document for m in matches if m.tier == matches[0].tier]
        return Lookup(query, best[0]) if len(best) == 1 else Lookup(query, None, tuple(best))
    return Lookup(query, None, close=tuple(m.document for m in matches[:suggestions]))


def quoted(ids: Iterable[str], joiner: str = " or ") -> str:
    """``'gbs' or 'cidp'``: ids as the CLI's messages name them."""
    return joiner.join(f"'{i}'" for i in ids)


def hint(found: Lookup, otherwise: str) -> str:
    """The CLI's "did you mean" for a name that found nothing: the suggestions' ids, or ``otherwise``."""
    return f"did you mean {quoted(d.id for d in found.close)}?" if found.close else otherwise


def tied(found: Lookup, what: str) -> str:
    """The CLI's words for a name several documents share (a search word such as "weakness")."""
    return (f"'{found.query.strip()}' could be any of {len(found.tied)} {what}s: "
            f"{quoted((d.id for d in found.tied), ', ')}; give one of these")
