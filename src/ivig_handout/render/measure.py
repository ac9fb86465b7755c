"""Render stage, measuring: a Paragraph that breaks its lines once per width.

ReportLab wraps the same paragraph at the same width several times in one rendering (a frame
trying it, keep-together, splitting, balancing one-pager columns), and each wrap breaks its lines
again (``Paragraph.breakLines``: the glyph widths of every word). :class:`Para` keeps what the
last few breaks of this very paragraph gave, keyed by the widths, and hands the same lines back
while its fragments are the ones that break produced (a break replaces a paragraph's fragments
by its word list, so a paragraph of several runs hits only at the width it was last broken at;
a paragraph that is a piece of a split keeps its own lines and is not kept). A break that split a
word too long for its line, or hyphenated one, is not kept either: broken again from its word
list, ReportLab gives such a line another shape (an empty word before the piece), drawn otherwise.
What a break leaves on the paragraph (its widest line, the count of split words and hyphenations,
the first line's width less its bullet) is put back as the break left it, so a wrap or split
that follows sees what it would have seen.

A Para's markup is parsed once per process for each text and the style values the parser reads
(``_parsed``): a batch sets the same text on several page designs, and fitting sets it again on
each rung. The parse gives fragments (``ParaFrag``) that wrapping and splitting change, so each Para
takes copies of its own; the kept ones are never handed out.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText

KEPT = 4  # the widths a paragraph remembers its lines for (a frame's width, a column's, a box's)


class _Broken:
    """One break of a paragraph: its widths as given and as left, its result and what it set."""

    __slots__ = ("after", "bl", "bullet", "frags", "height", "hyphenations", "split_words", "style", "width_max")

    def __init__(self, para: Paragraph, after: list[float] | None, bl: Any) -> None:
        self.after, self.bl, self.frags, self.style, self.bullet = after, bl, para.frags, para.style, para.bulletText
        self.width_max = para.__dict__.get("_width_max")
        self.split_words = para.__dict__.get("_splitLongWordCount")
        self.hyphenations = para.__dict__.get("_hyphenations")
        self.height = para.__dict__.get("height")

    def fits(self, para: Paragraph) -> bool:
        return para.frags is self.frags and para.style is self.style and para.bulletText is self.bullet

    def restore(self, para: Paragraph, width: Any) -> Any:
        para._width_max, para._splitLongWordCount = self.width_max, self.split_words
        para._hyphenations, para.height = self.hyphenations, self.height
        if self.after is not None:
            width[:] = self.after
        return self.bl


# What ReportLab's parser (ParaParser._initial_frag) and _setup read of a paragraph's style.
PARSED_BY = ("fontName", "fontSize", "textColor", "underlineWidth", "underlineColor", "underlineOffset",
             "underlineGap", "strikeWidth", "strikeColor", "strikeOffset", "strikeGap", "linkUnderline",
             "textTransform")
PARSES = 4096  # the parses kept per process (a batch's documents need a few hundred)
_parsed: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


class Para(Paragraph):
    """A ReportLab Paragraph whose markup is parsed once per process and whose line breaking at a
    given width is done once (see the module)."""

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:  # noqa: N803
        if frags is not None or bulletText or cleaner is not cleanBlockQuotedText or not isinstance(text, str):
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        key = (text, self.caseSensitive, *(getattr(style, name, None) for name in PARSED_BY))
        try:
            known = _parsed.get(key)
        except TypeError:  # a style value that cannot be a key: parsed as ReportLab does
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        me: Any = self  # (ReportLab's attributes are untyped)
        if known is None:
            super()._setup(text, style, bulletText, frags, cleaner)
            if me.style is not style or me.bulletText:  # a <para> or <bullet> of its own: not kept
                return
            if len(_parsed) >= PARSES:
                del _parsed[next(iter(_parsed))]
            _parsed[key] = known = (me.text, me.frags)
        me.text, me.frags = known[0], [f.clone() for f in known[1]]
        me.style, me.bulletText, me.debug = style, bulletText, 0

    def breakLines(self, width: Any) -> Any:  # noqa: N802 (ReportLab's name)
        if getattr(self, "_splitpara", 0):  # a piece of a split: ReportLab returns its own lines
            return super().breakLines(width)
        key = tuple(width) if isinstance(width, (list, tuple)) else (width,)
        kept: dict[tuple[float, ...], _Broken] = self.__dict__.setdefault("_ivig_broken", {})
        known = kept.get(key)
        if known is not None and known.fits(self):
            return known.restore(self, width)
        bl = super().breakLines(width)
        if self._splitLongWordCount or self._hyphenations:  # broken again, ReportLab breaks such words anew
            return bl
        if len(kept) >= KEPT:
            del kept[next(iter(kept))]
        kept[key] = _Broken(self, list(width) if isinstance(width, list) else None, bl)
        return bl
