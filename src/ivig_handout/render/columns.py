"""Render stage, columns: set flowables in balanced columns that end level (one-pagers' text)."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Paragraph

Unit = list[Flowable]  # flowables that stay in one column together (a heading and what follows)
BIG = 1e6


class ColumnSet(Flowable):
    """``n`` columns side by side, read column by column. Paragraphs may continue in the next column
    (never leaving a single line behind or ahead); a heading always stays with the text after it.
    The split is the one that makes the tallest column as short as possible."""

    def __init__(self, flowables: list[Flowable], columns: int, gutter: float) -> None:
        super().__init__()
        self.units = _units(flowables)
        self.n, self.gutter = columns, gutter
        self._cols: list[list[Flowable]] = []
        self._for_width = -1.0
        self.width = self.height = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if availWidth != self._for_width:
            self._cw = (availWidth - self.gutter * (self.n - 1)) / self.n
            self._cols = _balance(self.units, self.n, _Measure(self.canv, self._cw))
            self._for_width = availWidth
        self.width = availWidth
        self.height = max(_Measure(self.canv, self._cw).height(c) for c in self._cols)
        return self.width, self.height

    def draw(self) -> None:
        for i, column in enumerate(self._cols):
            x, y = i * (self._cw + self.gutter), self.height
            for f in column:
                _, h = f.wrapOn(self.canv, self._cw, BIG)
                y -= f.getSpaceBefore() if y < self.height else 0  # none at the top of a column
                y -= h
                f.drawOn(self.canv, x, y)
                y -= f.getSpaceAfter() if h else 0


def _units(flowables: list[Flowable]) -> list[Unit]:
    """Group each flowable marked keepWithNext with the one after it; drop page-break hints."""
    units: list[Unit] = []
    group: Unit = []
    for f in flowables:
        if isinstance(f, CondPageBreak):
            continue
        group.append(f)
        if not getattr(f, "keepWithNext", False):
            units.append(group)
            group = []
    return units + ([group] if group else [])


class _Measure:
    """Heights of flowables set in a column of one width (wrapped on the document's canvas)."""

    def __init__(self, canv: object, width: float) -> None:
        self.canv, self.width = canv, width
        self._heights: dict[Flowable, float] = {}  # each flowable wrapped once (the search re-measures)
        self._splits: dict[tuple[Paragraph, int], list[Flowable]] = {}  # see split()

    def height(self, column: list[Flowable]) -> float:
        """Stacked height, as ColumnSet.draw stacks them (no space above the first visible flowable),
        without the space below the last."""
        total, after = 0.0, 0.0
        for f in column:
            h = self._heights.get(f)
            if h is None:
                h = self._heights[f] = f.wrapOn(self.canv, self.width, BIG)[1]
            total += after + (f.getSpaceBefore() if total else 0) + h
            after = f.getSpaceAfter() if h else 0
        return total

    def split(self, para: Paragraph, height: float) -> list[Flowable]:
        """``para`` split to ``height``. Paragraph.split depends on the height only through the number
        of whole lines that fit (with fixed leading), so the parts are made once per line count: the
        search asks again and again, and the same parts are then measured once."""
        key = None
        if getattr(para, "autoLeading", getattr(para.style, "autoLeading", "")) in ("", "off"):
            key = (para, int(height / float(para.style.leading)))  # as Paragraph.split counts lines
            parts = self._splits.get(key)
            if parts is not None:
                return parts
        para.wrapOn(self.canv, self.width, BIG)
        parts = list(para.split(self.width, height))
        if key is not None:
            self._splits[key] = parts
        return parts


def _fill(units: list[Unit], height: float, m: _Measure) -> tuple[list[Flowable], list[Unit]]:
    """One column of at most ``height``: whole units, then the first part of a paragraph that splits."""
    column: list[Flowable] = []
    for i, unit in enumerate(units):
        if m.height(column + unit) <= height:
            column += unit
            continue
        *head, last = unit
        if isinstance(last, Paragraph):
            above = column + head
            used = m.height(above) + (above[-1].getSpaceAfter() + last.getSpaceBefore() if above else 0)
            parts = m.split(last, height - used)
            if len(parts) == 2 and m.height(above + parts[:1]) <= height:
                return above + parts[:1], [[parts[1]], *units[i + 1:]]
        return column, units[i:]
    return column, []


def _try(units: list[Unit], n: int, height: float, m: _Measure) -> list[list[Flowable]] | None:
    columns = []
    rest = units
    for _ in range(n):
        column, rest = _fill(rest, height, m)
        columns.append(column)
    return None if rest else columns


def _balance(units: list[Unit], n: int, m: _Measure) -> list[list[Flowable]]:
    """The split whose tallest column is shortest (binary search on the column height, to 0.5 pt)."""
    everything = [f for u in units for f in u]
    total = m.height(everything)
    best = _try(units, n, total, m) or [everything]
    low, high = total / n, total
    while high - low > 0.5:
        mid = (low + high) / 2
        found = _try(units, n, mid, m)
        if found is None:
            low = mid
        else:
            best, high = found, mid
    return best
