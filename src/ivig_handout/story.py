"""Story stage: turn a DocumentPlan's blocks into ReportLab flowables, one small builder each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from . import plan as p
from .badges import Badge
from .fonts import MAIN
from .markup import to_markup
from .theme import Theme


class Bookmark(Flowable):
    """Zero-size flowable that adds a PDF outline entry where it lands."""

    def __init__(self, title: str, level: int, key: str) -> None:
        super().__init__()
        self.title, self.level, self.key = title, level, key
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, 0)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)


class HeadingWithBadge(Flowable):
    """A heading paragraph with its evidence badge to the right, top-aligned."""

    def __init__(self, para: Paragraph, badge: Badge, gap: float) -> None:
        super().__init__()
        self.para, self.badge, self.gap = para, badge, gap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        bw, bh = self.badge.wrap(availWidth, availHeight)
        text_w = availWidth - bw - self.gap
        if text_w < availWidth * 0.45:  # narrow column: badge goes under the heading
            self._stacked = True
            _, ph = self.para.wrap(availWidth, availHeight)
            self.width, self.height = availWidth, ph + bh + self.gap * 0.5
        else:
            self._stacked = False
            _, ph = self.para.wrap(text_w, availHeight)
            self.width, self.height = availWidth, max(ph, bh)
        self._ph, self._bh, self._bw = ph, bh, bw
        return self.width, self.height

    def getSpaceBefore(self) -> float:  # noqa: N802
        return float(self.para.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # noqa: N802
        return float(self.para.getSpaceAfter())

    def draw(self) -> None:
        if self._stacked:
            self.para.drawOn(self.canv, 0, self.height - self._ph)
            self.badge.drawOn(self.canv, 0, 0)
            return
        self.para.drawOn(self.canv, 0, self.height - self._ph)
        self.badge.drawOn(self.canv, self.width - self._bw, self.height - self._bh)


class StoryBuilder:
    def __init__(self, theme: Theme, plan: p.DocumentPlan) -> None:
        self.theme, self.plan = theme, plan
        self.st = theme.styles
        self._marks = 0
        self._after_heading = False

    def para(self, text: str, style: str, field: str = "text") -> Paragraph:
        st = self.st[style]
        bold = st.fontName.endswith("Bold") or st.fontName.endswith("BoldItalic")
        return Paragraph(to_markup(text, field, bold=bold), st)

    def badge(self, rating: str, size: float | None = None) -> Badge:
        t = self.theme
        return Badge(rating, self.plan.ratings[rating], size or self.st["badge"].fontSize,
                     t.colour(rating), t.colour("ink"))

    def build(self) -> list[Flowable]:
        out: list[Flowable] = []
        previous = None
        for block in self.plan.blocks:
            self._after_heading = isinstance(previous, p.Heading)
            out += BUILDERS[type(block)](self, block)
            previous = block
        return out

    def bookmark(self, title: str, level: int) -> Bookmark:
        self._marks += 1
        return Bookmark(title, level, f"s{self._marks}")

    # One builder per block type ------------------------------------------------------------
    def title(self, b: p.Title) -> list[Flowable]:
        return [self.bookmark(b.text, 0), self.para(b.text, "title")]

    def heading(self, b: p.Heading) -> list[Flowable]:
        style = {1: "h1", 2: "h2", 3: "h3"}[b.level]
        para = self.para(b.text, style)
        head: Flowable = para
        if b.badge:
            head = HeadingWithBadge(para, self.badge(b.badge), self.theme.body_size)
        # A heading never ends a page: it keeps with what follows, and a run of headings
        # (section heading, then group heading) is kept together as one.
        out: list[Flowable] = [] if self._after_heading else [CondPageBreak(self.theme.body_size * 8)]
        if b.bookmark:
            out.append(self.bookmark(b.bookmark, 0 if b.level == 1 else 1))
        out.append(head)
        for flowable in out[-2:]:
            flowable.keepWithNext = True
        return out

    def paragraph(self, b: p.Para) -> list[Flowable]:
        return [self.para(b.text, b.style)]

    def bullets(self, b: p.Bullets) -> list[Flowable]:
        return [self._list(b.items)]

    def _list(self, items: tuple[str, ...]) -> ListFlowable:
        size = self.theme.body_size
        return ListFlowable(
            [ListItem(self.para(item, "bullet"), value="•") for item in items],
            bulletType="bullet", start="•", bulletFontName=MAIN, bulletFontSize=size,
            leftIndent=size * 1.2, bulletColor=self.theme.colour("heading"),
        )

    def glance(self, b: p.Glance) -> list[Flowable]:
        rows = [[self.para(label, "cell"), self.badge(rating)] for label, rating in b.rows]
        badge_w = max(r[1].width for r in rows)
        layout = self.theme.layout
        table = Table(rows, colWidths=[layout.frame_width - badge_w - 12, badge_w + 12], hAlign="LEFT")
        table.setStyle(self._table_style(len(rows)))
        head = self.para(b.heading, "h1")
        head.keepWithNext = True
        return [self.bookmark(b.heading, 0), head, self.para(b.intro, "body"), table]

    def _table_style(self, n: int) -> TableStyle:
        t = self.theme
        pad = t.body_size * 0.25
        return TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), MAIN),
            ("FONTSIZE", (0, 0), (-1, -1), t.body_size),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, n - 2), 0.5, t.colour("rule")),
            ("TOPPADDING", (0, 0), (-1, -1), pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ])

    def big_badge(self, b: p.BigBadge) -> list[Flowable]:
        badge = self.badge(b.rating, self.theme.styles["h3"].fontSize)
        badge.hAlign = "LEFT"
        return [badge, Spacer(1, self.theme.body_size * 0.4)]

    def side_effects(self, b: p.SideEffectBox) -> list[Flowable]:
        inner: list[Flowable] = [self.para(b.heading, "box_heading"), self.para(b.intro, "body"),
                                 self._list(b.items)]
        inner += [self.para(x, "body") for x in b.after]
        return [self.bookmark(b.heading, 0), self._box(inner, "box_fill", "box_border")]

    def notice(self, b: p.Notice) -> list[Flowable]:
        inner = [self.para(b.heading, "box_heading"), self.para(b.text, "body")]
        return [self._box(inner, "notice_fill", "notice_border")]

    def _box(self, inner: list[Flowable], fill: str, border: str) -> Flowable:
        t = self.theme
        pad = t.body_size * 0.7
        table = Table([[inner]], colWidths=[t.layout.frame_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), MAIN),
            ("BACKGROUND", (0, 0), (-1, -1), t.colour(fill)),
            ("BOX", (0, 0), (-1, -1), 1.5, t.colour(border)),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.4),
        ]))
        box = KeepTogether([Spacer(1, t.body_size * 0.4), table, Spacer(1, t.body_size * 0.5)])
        return box

    def source(self, b: p.SourceLine) -> list[Flowable]:
        first = f"{b.label} {b.lines[0]}"
        paras = [self.para(first, "small")] + [self.para(x, "small") for x in b.lines[1:]]
        return [Spacer(1, self.theme.body_size * 0.5), KeepTogether(paras)]

    def disclaimer(self, b: p.Disclaimer) -> list[Flowable]:
        return [self.para(b.text, "small")]


BUILDERS: dict[type, Callable[[StoryBuilder, Any], list[Flowable]]] = {
    p.Title: StoryBuilder.title,
    p.Heading: StoryBuilder.heading,
    p.Para: StoryBuilder.paragraph,
    p.Bullets: StoryBuilder.bullets,
    p.Glance: StoryBuilder.glance,
    p.BigBadge: StoryBuilder.big_badge,
    p.SideEffectBox: StoryBuilder.side_effects,
    p.Notice: StoryBuilder.notice,
    p.SourceLine: StoryBuilder.source,
    p.Disclaimer: StoryBuilder.disclaimer,
}


def build_story(theme: Theme, plan: p.DocumentPlan) -> list[Flowable]:
    return StoryBuilder(theme, plan).build()
