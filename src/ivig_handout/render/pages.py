"""Render stage, pages: where large print breaks its pages. The text breaks between lines (no page is
left half empty because a whole section moved on), with page breaks measured from the flowables:

- a heading (or a run of headings) keeps with the first lines of what follows (``lines``: 2);
- a lead-in (a paragraph ending in ":") keeps with the first item of its list;
- where the text before a block that stays whole (the side-effect box, a clinic box, the trailer)
  would end on a page less than half full, because the block does not fit after it and goes
  overleaf either way, the text breaks earlier: inside the paragraph (or before the heading) that
  leaves that page at least half full.

Heights are measured here, in one column of ``width``; the breaks are decided as the pages are laid
out, where the room left on the page is known (``Balance``, ``Balanced``). Paragraphs never leave a
single line on a page (the styles allow no widows or orphans).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, ListFlowable, Paragraph, Spacer, Table, TableStyle

from .boxes import FramedRows

TALL = 1e6  # wrap height for measuring: taller than any page
SLACK = 4.0  # pt more than half a page for the text before a whole block (lines round it down)


def heading(f: Flowable | None) -> bool:
    return bool(getattr(f, "is_heading", False))


def gap(a: Flowable, b: Flowable) -> float:
    """The space between two flowables, as a frame gives it (the larger of the two spaces)."""
    return float(max(a.getSpaceAfter(), b.getSpaceBefore()))


def lead_in(f: Flowable, following: Flowable | None) -> bool:
    """A paragraph ending in ":" just before a list, or a flowable marked ``leads`` (a table's intro;
    the notice, kept with the source line's first lines so the last page holds more than the trailer)."""
    if getattr(f, "leads", False) and following is not None:
        return True
    if not isinstance(f, Paragraph) or not isinstance(following, ListFlowable):
        return False
    text = f.text.rstrip()
    while text.endswith(">") and "<" in text:  # closing markup after the last word
        text = text[:text.rindex("<")].rstrip()
    return bool(text.endswith(":"))


def tall(f: Flowable, width: float) -> float:
    """``f``'s height in one column of ``width`` (lists and kept groups: their parts and spaces)."""
    if isinstance(f, (ListFlowable, KeepTogether)):
        sized = [(x, tall(x, width)) for x in f._content]
        sized = [(x, h) for x, h in sized if h]
        return sum(h for _, h in sized) + sum(gap(a, b) for (a, _), (b, _) in pairwise(sized))
    return float(f.wrap(width, TALL)[1])


def first_lines(flows: list[Flowable], i: int, lines: int, width: float) -> float:
    """The height ``flows[i]`` needs at the foot of a page to start there: a paragraph its first
    ``lines`` lines (all of it where it cannot split leaving two lines on each page), a lead-in all
    of it and its list's first item, a table its header row and first ``lines`` rows, a list its
    first item; anything else all of it."""
    f = flows[i]
    following = flows[i + 1] if i + 1 < len(flows) else None
    if isinstance(f, ListFlowable):  # splits between its items
        return float(f._content[0].wrap(width, TALL)[1]) if f._content else 0.0
    whole = tall(f, width)
    if isinstance(f, Table):
        return float(sum(f._rowHeights[:f.repeatRows + lines]))
    if following is not None and lead_in(f, following):
        j = i + 1
        while j + 1 < len(flows) and isinstance(flows[j], Spacer):  # the spaces before what it leads to
            whole += tall(flows[j], width)
            j += 1
        return whole + gap(f, flows[j]) + first_lines(flows, j, lines, width)
    if not isinstance(f, Paragraph):
        return whole
    leading = float(f.style.leading)
    return whole if round(whole / leading) < lines + 2 else lines * leading


def measured_breaks(flows: list[Flowable], lines: int, width: float, height: float,
                    marks: type[Flowable]) -> list[Flowable]:
    """``flows`` with a CondPageBreak before each run of headings, measured to leave room for the
    heading(s) and the first ``lines`` lines after them, and before each lead-in, room for it and its
    list's first item. ``marks``: the zero-size bookmark flowables, which go with their heading."""
    out: list[Flowable] = []
    before: Flowable | None = None  # the last flowable placed that is not a bookmark
    for i, f in enumerate(flows):
        need = float(f.getSpaceBefore())  # all of it: the break put here (zero size) ends the overlap
        if heading(f) and not heading(before):  # a run of headings (with their bookmarks) and what follows
            j, last = i, f
            while j < len(flows) and (heading(flows[j]) or isinstance(flows[j], marks)):
                if heading(flows[j]):
                    need += (gap(last, flows[j]) if j > i else 0.0) + tall(flows[j], width)
                    last = flows[j]
                j += 1
            last.keepWithNext = False  # the measured break keeps it with its first lines instead
            need += gap(last, flows[j]) + first_lines(flows, j, lines, width) if j < len(flows) else 0.0
        elif lead_in(f, flows[i + 1] if i + 1 < len(flows) else None) and not heading(before):
            need += first_lines(flows, i, lines, width)
        else:
            need = 0.0
        if need:
            at = len(out)
            while at and isinstance(out[at - 1], marks):  # a heading's bookmark goes with it
                at -= 1
            out.insert(at, CondPageBreak(min(need, height / 2)))
        out.append(f)
        if not isinstance(f, marks):
            before = f
    return out


class Page:
    """The page arithmetic for the text before a whole block: how much of it to keep on this page."""

    def __init__(self, height: float, top_space: float) -> None:
        self.height, self.top_space = height, top_space
        self.target = height / 2 + SLACK  # the text the page before the block gets, at least

    def keep(self, rest: float, later: float, block: float, room: float) -> float | None:
        """How much of the text from here (``rest`` pt up to the block; ``later`` from the next place
        it may break) to keep on this page, ``room`` pt being left on it; None: no break here. Only
        where the text would spill less than half a page overleaf, the block not fitting after it
        (so the block goes overleaf either way and the page count stays), and this page stays at
        least half full."""
        spill = rest - room  # what goes overleaf (at least: a line lost at the page's foot adds to it)
        target, height = self.target, self.height
        if not (0 < spill < target and spill - self.top_space + block > height and later < target <= rest):
            return None
        keep = rest - target
        return keep if height - room + keep >= height / 2 else None


class Balance(CondPageBreak):
    """Before a run of headings: the page breaks here where that leaves the text overleaf half a page."""

    def __init__(self, page: Page, rest: float, later: float, block: float) -> None:
        super().__init__(0)
        self.page, self.rest, self.later, self.block = page, rest, later, block

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        keep = self.page.keep(self.rest, self.later, self.block, availHeight)
        self.height = availHeight + 1 if keep is not None else 0
        return super().wrap(availWidth, availHeight)  # type: ignore[no-any-return]


class Balanced(Flowable):
    """A paragraph that, where it must, splits before the page's foot (or moves on whole, if it does
    not follow a heading: ``movable``)."""

    def __init__(self, para: Paragraph, page: Page, rest: float, later: float, block: float, movable: bool) -> None:
        super().__init__()
        self.para, self.page, self.movable = para, page, movable
        self.rest, self.later, self.block = rest, later, block
        self.keepWithNext = para.getKeepWithNext()

    def _keep(self, availHeight: float) -> float | None:  # noqa: N803
        keep = self.page.keep(self.rest, self.later, self.block, availHeight)
        if keep is None:
            return None
        if keep < 2 * self.para.style.leading:  # no orphan: the whole paragraph goes on, if it may
            return 0.0 if self.movable else None
        return keep

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = self.para.wrap(availWidth, availHeight)
        if self._keep(availHeight) is not None:
            return self.width, availHeight + 1  # does not fit here: the frame splits it (below)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        keep = self._keep(availHeight)
        if keep is None:
            return list(self.para.split(availWidth, availHeight))
        overleaf = CondPageBreak(self.page.height * 2)
        parts = list(self.para.split(availWidth, keep)) if keep else []
        if len(parts) == 2:
            return [parts[0], overleaf, parts[1]]
        return [overleaf, self.para] if self.movable else list(self.para.split(availWidth, availHeight))

    def draw(self) -> None:
        self.para.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self) -> float:  # noqa: N802
        return float(self.para.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # noqa: N802
        return float(self.para.getSpaceAfter())


def balanced(flows: list[Flowable], width: float, height: float, marks: type[Flowable],
             text: tuple[type[Flowable], ...] = ()) -> list[Flowable]:
    """``flows`` with the text before each block that stays whole ready to break earlier: a Balance
    before each run of headings, each paragraph a Balanced one. ``text``: more flowable types that
    are text (split or moved with it) rather than whole blocks."""
    def flexible(f: Flowable) -> bool:
        return (isinstance(f, (Paragraph, ListFlowable, CondPageBreak, ContinuedTable, marks, *text)) or heading(f)
                or (isinstance(f, FramedRows) and f.flexible))

    page = Page(height, max((f.getSpaceBefore() for f in flows), default=0.0))
    sizes = [tall(f, width) for f in flows]
    replaced: dict[int, list[Flowable]] = {}
    end = len(flows)
    for e in range(len(flows) - 1, -1, -1):
        if not flexible(flows[e]):
            end = e  # a whole block: the text before it leads up to it
            continue
        if (e + 1 < len(flows) and flexible(flows[e + 1])) or end == len(flows):
            continue
        # flows[e] is the last piece of text before the block at ``end`` (after any spacers).
        k = next((i for i in range(end, len(flows)) if not isinstance(flows[i], Spacer)), len(flows) - 1)
        block = sum(sizes[end:k + 1]) + gap(flows[e], flows[end])
        rest, later, following, between = 0.0, 0.0, None, False
        for i in range(e, -1, -1):
            f = flows[i]
            if not flexible(f):
                break
            if sizes[i]:  # spaces overlap, but not across a zero-size flowable (a break, a bookmark)
                if following is not None:
                    rest += f.getSpaceAfter() + following.getSpaceBefore() if between else gap(f, following)
                rest, following, between = rest + sizes[i], f, False
            else:
                between = True
            prior = next((x for x in reversed(flows[:i]) if not isinstance(x, marks)), None)
            if isinstance(f, CondPageBreak):
                replaced[i] = [Balance(page, rest, later, block), f]
                later = rest
            elif isinstance(f, Paragraph) and not heading(f):
                replaced[i] = [Balanced(f, page, rest, later, block, movable=not heading(prior))]
                later = rest
    return [x for i, f in enumerate(flows) for x in replaced.get(i, (f,))]


class ContinuedTable(Table):
    """A table that may split between rows; the part overleaf opens with a header row ``continued``
    ("Evidence at a glance (continued)") across its columns, drawn as an artifact (it is not read
    twice). ``make``: the table of some rows (with the header row or not), styled."""

    continued: Flowable | None = None
    make: Callable[[list[list[Any]], bool], ContinuedTable] | None = None
    headed = False  # the first row is the "continued" header
    rows: list[list[Any]]  # the rows below it

    @classmethod
    def of(cls, rows: list[list[Any]], widths: list[float], style: Callable[[int], TableStyle],
           continued: Flowable) -> ContinuedTable:
        def make(data: list[list[Any]], headed: bool) -> ContinuedTable:
            table = cls([[continued, ""], *data] if headed else data, colWidths=widths, hAlign="LEFT")
            table.setStyle(style(len(data) + headed))
            if headed:
                table.setStyle([("SPAN", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "LEFT")])
            table.continued, table.make, table.headed, table.rows = continued, make, headed, data
            return table

        return make(rows, False)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if len(parts) != 2 or self.make is None or not isinstance(parts[0], Table):
            return parts
        kept = min(len(parts[0]._cellvalues) - self.headed, len(self.rows) - 2)  # two rows go on at least
        if kept < 2:  # the header, or a single row: the whole table goes on
            return []
        return [self.make(self.rows[:kept], self.headed), self.make(self.rows[kept:], True)]


class Carried(Flowable):
    """The text just before the document's last block (large print's notes box): where the block does
    not fit after it on the page, the text's last ``lines`` lines go overleaf with it, so the block
    never stands alone on a page (the text moves on whole where it cannot split so)."""

    def __init__(self, text: Flowable, after: float, lines: int) -> None:
        super().__init__()
        self.text, self.after, self.lines = text, after, lines

    def _carries(self, availWidth: float, availHeight: float) -> bool:  # noqa: N803
        self.width, self.height = self.text.wrap(availWidth, availHeight)
        return bool(self.height <= availHeight < self.height + self.after)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._carries(availWidth, availHeight):
            return self.width, availHeight + 1  # the frame splits it (below)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        if not self._carries(availWidth, availHeight):
            return list(self.text.split(availWidth, availHeight))
        para = getattr(self.text, "para", self.text)
        parts = list(para.split(availWidth, self.height - self.lines * float(para.style.leading)))
        return [parts[0], CondPageBreak(TALL), parts[1]] if len(parts) == 2 else []

    def draw(self) -> None:
        self.text.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self) -> float:  # noqa: N802
        return float(self.text.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # noqa: N802
        return float(self.text.getSpaceAfter())


def carried(flows: list[Flowable], width: float, lines: int) -> list[Flowable]:
    """``flows`` with the text before a last block that stays whole (not text: the notes box) kept
    with it by its last ``lines`` lines (``Carried``)."""
    solid = [i for i, f in enumerate(flows) if not isinstance(f, Spacer)]
    if len(solid) < 2 or isinstance(flows[solid[-1]], (Paragraph, Balanced)):
        return flows
    text, block = solid[-2], solid[-1]
    if not isinstance(flows[text], (Paragraph, Balanced)):
        return flows
    after = sum(tall(f, width) for f in flows[text + 1:block + 1]) + gap(flows[text], flows[block])
    return [*flows[:text], Carried(flows[text], after, lines), *flows[text + 1:]]
