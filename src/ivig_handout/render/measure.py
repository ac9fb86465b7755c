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
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph

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


class Para(Paragraph):
    """A ReportLab Paragraph whose line breaking at a given width is done once (see the module)."""

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
