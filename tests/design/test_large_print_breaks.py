"""Large print's page breaks (issue 21): no list leaves a single item on a page, no box stands alone
on a page, a heading beside its badge wraps to two lines at most, and the evidence table's last row
is not squeezed into a narrow column. Read back from the PDFs (text, structure tree) and from the
flowables as they were laid out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pikepdf
import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer

from ivig_handout.api import Request, build
from ivig_handout.inputs.model import Handout
from ivig_handout.render import document, pages
from ivig_handout.render.badges import Badge
from ivig_handout.render.story import HeadingWithBadge

from ..pdfcheck import page_texts, squash
from ..render.test_clinic import EXAMPLE
from .test_layouts import LARGE, large


def _pages_of(element: pikepdf.Dictionary, pages: dict[tuple[int, int], int]) -> set[int]:
    """The pages ``element``'s marked content is on (its own and its kids')."""
    kids = element.get("/K")
    found = {pages[element.Pg.objgen]} if "/Pg" in element and isinstance(kids, int) else set()
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, int) and "/Pg" in element:
            found.add(pages[element.Pg.objgen])
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
            found.add(pages[kid.Pg.objgen])
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found |= _pages_of(kid, pages)
    return found


def _lists(data: bytes) -> Iterator[list[int]]:
    """Each list (L element) as the page of each of its items, in order."""
    with pikepdf.open(BytesIO(data)) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            node = stack.pop()
            for kid in node if isinstance(node, pikepdf.Array) else [node]:
                if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
                    continue
                if kid.S == "/L":
                    items = [k for k in (kid.K if isinstance(kid.K, pikepdf.Array) else [kid.K]) if k.S == "/LI"]
                    yield [min(_pages_of(item, pages)) for item in items]
                if "/K" in kid:
                    stack.append(kid.K)


@pytest.mark.parametrize("profile", (False, True), ids=("plain", "clinic"))
@pytest.mark.parametrize("name", LARGE)
def test_no_list_leaves_a_single_item_on_a_page(name: str, profile: bool, handout: Handout) -> None:
    """Where a list (the other disorders, the side effects) runs over a page break, at least two of
    its items are on each page (read from the structure tree: the page of each LI)."""
    lists = 0
    for doc, data in large(handout, name, profile):
        for items in _lists(data):
            on = Counter(items)
            assert len(items) < 2 or min(on.values()) >= 2, (doc, items)
            lists += 1
    assert lists >= 13 + 1  # the side effects in every document, the other disorders on the full sheet


@pytest.mark.parametrize("profile", (False, True), ids=("plain", "clinic"))
@pytest.mark.parametrize("name", LARGE)
def test_no_box_stands_alone_on_a_page(name: str, profile: bool, handout: Handout) -> None:
    """No page holds the side-effect box and nothing else (issue 21: the one-pagers' page 3 held the
    box alone, 43 % of it empty)."""
    se = handout.sheet.side_effects
    box = [se.heading, handout.labels.continued.replace("{heading}", se.heading), se.intro, *se.items, *se.after]
    for doc, data in large(handout, name, profile):
        for number, text in enumerate(page_texts(data), start=1):
            rest = squash(text)
            for part in sorted((squash(x) for x in box), key=len, reverse=True):
                rest = rest.replace(part, "")
            rest = rest.replace(f"Page {number} of", "")
            assert len(rest.strip(" 0123456789")) > 40, (doc, number, rest)


class _Captured:
    """The flowables of every document rendered while it is active (document.tagged_story)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.flows: list[Any] = []
        made = document.tagged_story

        def capture(theme: Any, plan: Any) -> Any:
            flows, tree = made(theme, plan)
            self.flows += flows
            return flows, tree

        monkeypatch.setattr(document, "tagged_story", capture)

    def of(self, kind: type) -> list[Any]:
        found, stack = [], list(self.flows)
        while stack:
            f = stack.pop()
            if isinstance(f, kind):
                found.append(f)
            stack += [x for x in (getattr(f, "para", None),) if x is not None]
        return found


@pytest.mark.parametrize("name", LARGE)
@pytest.mark.parametrize("doc", ("full", "gbs", "cidp", "mg", "diabetic-radiculoplexoneuropathy"))
def test_heading_beside_its_badge_wraps_twice_at_most(name: str, doc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A heading (or the title) with its badge beside it is two lines at most; a longer one has its
    badge under it (issue 21: a heading beside its badge wrapped to 4 lines)."""
    captured = _Captured(monkeypatch)
    build(Request(doc, name, clinic=EXAMPLE))
    headings = captured.of(HeadingWithBadge)
    assert headings
    for h in headings:
        lines = len(h.para.blPara.lines)
        assert h._stacked or lines <= 2, (h.para.text, lines)
    assert doc != "gbs" or any(h._stacked for h in headings)  # "IVIg for Guillain-Barré syndrome (GBS)"


@pytest.mark.parametrize("name", LARGE)
def test_evidence_table_rows_are_not_squeezed(name: str, monkeypatch: pytest.MonkeyPatch, handout: Handout) -> None:
    """The evidence table's disorder column is wide enough: its longest row (the disorders with not
    enough evidence) wraps to 5 lines at most (issue 21: 7 narrow lines; now 4 on Letter, 5 on A4),
    every badge still reads its whole rating."""
    captured = _Captured(monkeypatch)
    build(Request("full", name))
    words = set(handout.labels.ratings.model_dump().values())
    rows = [[_cell(c) for c in row] for f in captured.flows for row in getattr(f, "_cellvalues", ())]
    rows = [row for row in rows if isinstance(row[-1], Badge)]
    assert len(rows) == 7  # every rated disorder and the row of those with not enough evidence
    assert max(len(row[0].blPara.lines) for row in rows) <= 5, [len(row[0].blPara.lines) for row in rows]
    assert {row[-1].word for row in rows} <= words


def _cell(value: Any) -> Any:
    """A table cell's flowable (a laid-out table holds each as a tuple of one)."""
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def _reading_order(data: bytes) -> list[tuple[str, set[int]]]:
    """Every leaf-level structure element (headings, paragraphs, list bodies, cells, figures) in
    reading order, with the pages its content is on."""
    out: list[tuple[str, set[int]]] = []
    with pikepdf.open(BytesIO(data)) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}

        def walk(node: pikepdf.Object) -> None:
            kids = node.get("/K")
            elements = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                        if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            if not elements and node.get("/S") is not None:
                on = _pages_of(node, pages)
                if on:
                    out.append((str(node.S), on))
            for kid in elements:
                walk(kid)

        walk(pdf.Root.StructTreeRoot)
    return out


@pytest.mark.parametrize("profile", (False, True), ids=("plain", "clinic"))
@pytest.mark.parametrize("name", LARGE)
def test_no_heading_is_the_last_thing_on_a_page(name: str, profile: bool, handout: Handout) -> None:
    """Every heading (H2, H3) starts on the page where what follows it in reading order starts
    (read from the structure tree), so no page ends with a heading."""
    headings = 0
    for doc, data in large(handout, name, profile):
        order = _reading_order(data)
        for (role, on), (_, after) in zip(order, order[1:], strict=False):
            if role in ("/H2", "/H3"):
                assert min(after) == max(on), (doc, role, on, after)
                headings += 1
    assert headings > 13 * 3  # the full sheet's and every one-pager's headings


@pytest.mark.parametrize("name", LARGE)
def test_full_sheet_ends_with_the_notes_box_and_the_disclaimers_last_lines(name: str, handout: Handout) -> None:
    """The large-print full sheet with the clinic profile: the blank notes box comes last, after the
    disclaimer, on a page with at least the disclaimer's last two lines. (It stood before the notice,
    taking the room at the foot of the clinic's page that the notice needs: on Letter the trailer then
    went to a page of its own and spilled two lines onto a ninth.)"""
    data = dict(large(handout, name, True))["full"]
    texts = page_texts(data)
    heading = "Notes from your care team"
    assert [number for number, text in enumerate(texts, start=1) if heading in text] == [len(texts)]
    lines = [squash(line) for line in texts[-1].splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if heading in line)
    words = squash(handout.sheet.disclaimer).split()
    assert squash(" ".join(lines[:at])).endswith(" ".join(words[-5:])), lines
    assert at >= 2 and squash(" ".join(lines[at - 2:at])) in " ".join(words), lines  # two disclaimer lines or more


class _Block(Flowable):
    """A block that stays whole (as the notes box does), drawing one word."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return availWidth, 40.0

    def draw(self) -> None:
        self.canv.drawString(0, 10, "BLOCK")


def test_a_last_block_never_stands_alone_on_a_page() -> None:
    """pages.carried: where the text before the last block ends at the page's foot, its last two lines
    go overleaf with the block (without it, the block stood alone on the last page)."""
    width, style = 200.0, ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)
    para = Paragraph(" ".join(f"w{i}" for i in range(120)), style)
    height = para.wrap(width, 1e6)[1]
    out = BytesIO()
    doc = BaseDocTemplate(out, pagesize=(width, height + 1), leftMargin=0, rightMargin=0, topMargin=0, bottomMargin=0)
    doc.addPageTemplates([PageTemplate(frames=[Frame(0, 0, width, height + 1, 0, 0, 0, 0)])])
    doc.build(pages.carried([para, Spacer(1, 6), _Block()], width, 2))
    texts = page_texts(out.getvalue())
    assert len(texts) == 2
    overleaf = [line for line in texts[1].splitlines() if line.strip()]
    assert len(overleaf) == 3 and overleaf[-1] == "BLOCK" and overleaf[-2].endswith("w119"), overleaf
    assert squash(texts[0] + " " + " ".join(overleaf[:-1])) == " ".join(f"w{i}" for i in range(120))
