"""Render stage, boxes: a filled, bordered box of rows that stays whole, or splits between rows when it must.

A box that fits on a page is never split: if it does not fit in the room left, it moves whole to the
next page. Only a box taller than a whole page (large print with long edited content) splits, and
then it starts where it is: between its rows (heading, intro, each side effect, each closing
paragraph), never through a line; each part is drawn as a complete box, and every part after the
first opens with the "continued" heading. Fitting's late step (``lines``, large print's side-effect
box where kept whole it would miss the page target) lets it split after its lead-in too, or between
the lines of a paragraph, never leaving fewer than two lines of it on either page.
"""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, ListFlowable, Paragraph, Table
from reportlab.platypus.flowables import DDIndenter

# Wrap height used to measure rows: taller than any page.
_TALL = 1e6


def explode(flowable: Flowable) -> list[Flowable]:
    """A bullet list as its bulleted items (so a box may split between items); others unchanged."""
    if isinstance(flowable, ListFlowable):
        return list(flowable._content)
    return [flowable]


class FramedRows(Flowable):
    """Rows of flowables on a filled background inside a border, ``pad`` points in from it.
    ``flexible`` (large print): the box splits where it meets the page's foot, even when it would fit
    on a page of its own, rather than move on whole and leave the page before it part empty."""

    flexible = False
    lines = False  # fitting's "box split": a part may end after the lead-in or inside a paragraph (two lines on)

    def __init__(self, rows: list[Flowable], fill: Color, border: Color, pad: float, line: float = 1.5,
                 continued: Flowable | None = None, space: tuple[float, float] = (0.0, 0.0)) -> None:
        super().__init__()
        self.rows, self.fill, self.border, self.pad, self.line = rows, fill, border, pad, line
        self.continued = continued  # heading for the part after a split (None: no heading)
        self.spaceBefore, self.spaceAfter = space
        self._heights: list[float] = []

    def _pads(self) -> tuple[float, float]:
        return self.pad * 0.7, self.pad * 0.55  # top, bottom

    def _gap(self, i: int) -> float:
        """Space between row ``i`` and row ``i + 1``."""
        return max(float(self.rows[i].getSpaceAfter()), float(self.rows[i + 1].getSpaceBefore()))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        inner = availWidth - 2 * self.pad
        self._heights = [row.wrap(inner, _TALL)[1] for row in self.rows]
        top, bottom = self._pads()
        gaps = sum(self._gap(i) for i in range(len(self.rows) - 1))
        self.height = top + sum(self._heights) + gaps + bottom
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(self.fill)
        c.setStrokeColor(self.border)
        c.setLineWidth(self.line)
        c.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        c.restoreState()
        y = self.height - self._pads()[0]
        for i, (row, height) in enumerate(zip(self.rows, self._heights, strict=True)):
            y -= height
            row.drawOn(c, self.pad, y)
            if i + 1 < len(self.rows):
                y -= self._gap(i)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """[] (move whole to the next page) if the box fits on a page; else two complete boxes."""
        self.wrap(availWidth, availHeight)
        frame = getattr(self, "_frame", None)
        page = frame._height - frame._topPadding - frame._bottomPadding if frame else availHeight
        if self.height <= page and not self.flexible:
            return []
        top, bottom = self._pads()
        used, fits = top + bottom, 0
        for i, height in enumerate(self._heights):
            gap = self._gap(i - 1) if i else 0.0
            if used + gap + height > availHeight:
                break
            used, fits = used + gap + height, i + 1
        if self.lines:
            return self._parts(*self._through(fits, availHeight - used, availWidth - 2 * self.pad))
        fits = self._cut(fits) if self.flexible else fits
        if fits < 2 or fits == len(self.rows):
            return []
        return self._parts(self.rows[:fits], self.rows[fits:])

    def _parts(self, kept: list[Flowable], rest: list[Flowable]) -> list[Flowable]:
        """Two complete boxes: ``kept`` on this page, ``rest`` overleaf under the "continued" heading."""
        if not kept or not rest:
            return []
        look = (self.fill, self.border, self.pad, self.line)
        first = FramedRows(kept, *look, space=(self.spaceBefore, 0.0))
        more = ([self.continued] if self.continued is not None else []) + rest
        second = FramedRows(more, *look, continued=self.continued, space=(0.0, self.spaceAfter))
        second.flexible, second.lines = self.flexible, self.lines
        return [first, second]

    def _through(self, fits: int, room: float, inner: float) -> tuple[list[Flowable], list[Flowable]]:
        """``lines``: the rows to keep here and those overleaf. The paragraph the page's foot meets
        splits between its lines where two or more stay on each side (it follows at least the
        heading); else the box splits between rows, after its lead-in too; ([], []) where neither
        leaves two lines on each page."""
        rows = self.rows
        if 0 < fits < len(rows) and isinstance(rows[fits], Paragraph):
            halves = rows[fits].split(inner, room - self._gap(fits - 1))
            if len(halves) == 2:
                return [*rows[:fits], halves[0]], [halves[1], *rows[fits + 1:]]
        fits = self._cut(fits, leads=False)
        if fits < 2 or fits == len(rows) or _lines(rows[fits:], inner) < 2:
            return [], []
        return rows[:fits], rows[fits:]

    def _cut(self, fits: int, leads: bool = True) -> int:
        """The rows to keep on this page, at most ``fits``: never the heading or (``leads``) a lead-in
        (a paragraph just before the items) last, never a single item of a list on either side of the cut."""
        rows = self.rows
        counts = [_items(row) for row in rows]

        def run(indices: range) -> int:  # the items in the rows of a list from the cut on, one way
            total = 0
            for i in indices:
                if not counts[i]:
                    break
                total += counts[i]
            return total

        def bad(n: int) -> bool:
            lead = n == 1 or (leads and isinstance(rows[n - 1], Paragraph) and not isinstance(rows[n], Paragraph))
            inside = bool(counts[n - 1] and counts[n])
            return lead or (inside and min(run(range(n - 1, -1, -1)), run(range(n, len(rows)))) < 2)

        while 0 < fits < len(rows) and bad(fits):
            fits -= 1
        return fits


def _items(row: Flowable) -> int:
    """How many list items ``row`` holds: a bulleted item 1, a row of a grid of items its cells."""
    if isinstance(row, DDIndenter):
        return 1
    if not isinstance(row, Table):
        return 0
    cells = [c for line in row._cellvalues for c in line if c not in ("", None)]
    lists = [c for c in cells if isinstance(c, ListFlowable)  # a cell laid out: a tuple of flowables
             or (isinstance(c, (list, tuple)) and len(c) == 1 and isinstance(c[0], ListFlowable))]
    return len(lists) if lists and len(lists) == len(cells) else 0


def _lines(rows: list[Flowable], width: float) -> int:
    """About how many lines of text ``rows`` hold: a paragraph its lines, anything else its height in
    lines of the paragraphs' leading (at least one)."""
    leading = min((float(r.style.leading) for r in rows if isinstance(r, Paragraph)), default=0.0)
    total = 0
    for row in rows:
        height = row.wrap(width, _TALL)[1]
        if isinstance(row, Paragraph):
            total += len(row.blPara.lines)
        else:
            total += max(1, round(height / leading)) if leading else 1
    return total
