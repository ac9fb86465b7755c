"""Render stage, story: turn a DocumentPlan's blocks into ReportLab flowables, one small builder each."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
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

from ..design.theme import TextStyle, Theme
from ..plan import blocks as p
from . import pages
from . import profile as clinic_story
from .badges import Badge
from .boxes import FramedRows, explode
from .columns import ColumnSet
from .fonts import MAIN
from .markup import paragraph, to_markup
from .pages import TALL, ContinuedTable
from .record import Element
from .tagging import heading_levels, tag_block


def paragraph_style(style: TextStyle) -> ParagraphStyle:
    """The ReportLab style of a theme's text style (left-aligned, no widows or orphans)."""
    return ParagraphStyle(
        style.name, fontName=style.font, fontSize=style.size, leading=style.leading,
        textColor=HexColor(style.colour), alignment=TA_LEFT, allowWidows=0, allowOrphans=0,
        spaceBefore=style.space_before, spaceAfter=style.space_after,
    )


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
    """A heading paragraph with its evidence badge to the right, top-aligned; the badge goes under the
    heading where the heading would wrap beside it to more than ``LINES`` lines."""

    LINES = 2

    def __init__(self, para: Paragraph, badge: Badge, gap: float) -> None:
        super().__init__()
        self.para, self.badge, self.gap = para, badge, gap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        bw, bh = self.badge.wrap(availWidth, availHeight)
        text_w = availWidth - bw - self.gap
        # Narrow column, a word that would be cut, or more than two lines: the badge goes under the heading.
        if text_w < availWidth * 0.45 or self.para.minWidth() > text_w or self._lines(text_w) > self.LINES:
            self._stacked = True
            _, ph = self.para.wrap(availWidth, availHeight)
            self.width, self.height = availWidth, ph + bh + self.gap * 0.5
        else:
            self._stacked = False
            _, ph = self.para.wrap(text_w, availHeight)
            self.width, self.height = availWidth, max(ph, bh)
        self._ph, self._bh, self._bw = ph, bh, bw
        return self.width, self.height

    def _lines(self, width: float) -> int:
        self.para.wrap(width, TALL)
        return len(self.para.blPara.lines)

    def tag_parts(self) -> list[Flowable]:
        """What it holds, in reading order (tagging.py tags them, not the pair)."""
        return [self.para, self.badge]

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
        self.kind = theme.kind
        # Under a letterhead band (a profile on a one-page layout) the boxes sit a little closer.
        self._banded = any(isinstance(b, p.ClinicBand) for b in plan.blocks)
        self.st = {name: paragraph_style(style) for name, style in theme.styles.items()}
        self._marks = 0
        self._after_heading = False
        self._before_heading = False
        self.tree = Element("Document")  # the structure elements, block by block (tagging.py)
        self.levels = heading_levels(plan.blocks)

    def para(self, text: str, style: str, field: str = "text") -> Paragraph:
        st = self.st[style]
        bold = st.fontName.endswith("Bold") or st.fontName.endswith("BoldItalic")
        # (a clinic's note may be in a shaped script: markup.paragraph shapes it; a content pack's text is
        # refused by `check` first)
        return paragraph(to_markup(text, field, bold=bold, shaped=True), st, text,
                         lambda line: to_markup(line, field, bold=bold, shaped=True))

    def colour(self, name: str) -> Color:
        """A colour of the layout by name, as ReportLab draws it."""
        return HexColor(self.theme.colour(name))

    def badge(self, rating: str, size: float | None = None, stacked: bool = False) -> Badge:
        return Badge(rating, self.plan.ratings[rating], size or self.st["badge"].fontSize,
                     self.colour(rating), self.colour("ink"), stacked)

    @property
    def large(self) -> bool:
        """Large print: one column whose text breaks between lines (see pages.py)."""
        return bool(self.kind.keep_lines) and self.kind.columns == 1

    def build(self) -> list[Flowable]:
        if self.large:
            # Large print: the text breaks between lines, so no page is left half empty; headings
            # and lead-ins get exactly the room they need (see _release_headings). The source line
            # and the disclaimer break between lines too (never leaving one line behind).
            flows = self._blocks(self.plan.blocks if self.kind.compact else _notes_last(self.plan.blocks))
            layout = self.theme.layout
            while self.theme.split_box and flows and isinstance(flows[-1], Spacer):
                flows.pop()  # fitting's late step: no space after the last block to push it overleaf
            return _release_headings(flows, self.kind.keep_lines, (layout.frame_width, layout.frame_height))
        return _release_headings(self._blocks(self.plan.blocks))

    def _blocks(self, blocks: tuple[p.Block, ...]) -> list[Flowable]:
        out: list[Flowable] = []
        previous = None
        for i, block in enumerate(blocks):
            self._after_heading = isinstance(previous, p.Heading)
            self._before_heading = i + 1 < len(blocks) and isinstance(blocks[i + 1], p.Heading)
            flows = BUILDERS[type(block)](self, block)
            tag_block(self.tree, block, flows, self.levels, self.plan.alt)  # each flowable learns its structure element
            out += flows
            previous = block
        return out

    def bookmark(self, title: str, level: int) -> Bookmark:
        self._marks += 1
        return Bookmark(title, level, f"s{self._marks}")

    # One builder per block type ------------------------------------------------------------
    def title(self, b: p.Title) -> list[Flowable]:
        para = self.para(b.text, "title")
        if b.badge is None:
            return [self.bookmark(b.text, 0), para]
        badge = self.badge(b.badge, self.st["h2"].fontSize)
        return [self.bookmark(b.text, 0), HeadingWithBadge(para, badge, self.theme.body_size)]

    def heading(self, b: p.Heading) -> list[Flowable]:
        style = {1: "h1", 2: "h2", 3: "h3"}[b.level]
        para = self.para(b.text, style)
        head: Flowable = para
        if b.badge:
            head = HeadingWithBadge(para, self.badge(b.badge), self.theme.body_size)
        # A heading never ends a page: it keeps with what follows, and a run of headings
        # (section heading, then group heading) is kept together as one. With keep_lines (large
        # print), _release_headings puts the page break before the run, measured; else it is here.
        lines = 11 if self._before_heading else 8  # room for the heading(s) and a few lines after
        measured = self._after_heading or self.large
        out: list[Flowable] = [] if measured else [CondPageBreak(self.theme.body_size * lines)]
        if b.bookmark:
            out.append(self.bookmark(b.bookmark, 0 if b.level == 1 else 1))
        out.append(head)
        for flowable in out[-2:]:
            flowable.keepWithNext = True
        head.is_heading = True  # see _release_headings
        return out

    def columns(self, b: p.Columns) -> list[Flowable]:
        """One-pagers: the blocks in balanced columns, read column by column; else one after another."""
        inner = self._blocks(b.blocks)
        n = self.kind.columns
        if n == 1:
            return inner
        columns = ColumnSet(inner, n, gutter=self.theme.body_size * 1.5)  # gutter as in render._frames
        columns.spaceBefore = self.st["h2"].spaceBefore  # the first heading's, dropped at a column top
        columns.spaceAfter = self.st["body"].spaceAfter
        return [columns]

    def paragraph(self, b: p.Para) -> list[Flowable]:
        return [self.para(b.text, b.style)]

    def bullets(self, b: p.Bullets) -> list[Flowable]:
        return [self._list(b.items)]

    def _list(self, items: tuple[str, ...]) -> ListFlowable:
        """A bulleted list; where it splits between pages, at least two items on each side."""
        size = self.theme.body_size
        flowable = ListFlowable(
            [ListItem(self.para(item, "bullet"), value="•") for item in items],
            bulletType="bullet", start="•", bulletFontName=MAIN, bulletFontSize=size,
            leftIndent=size * 1.2, bulletColor=self.colour("heading"),
        )
        content = flowable._content
        for i in {0, len(content) - 2} if len(content) > 1 else ():  # the first two, the last two together
            content[i].keepWithNext = True
        return flowable

    def glance(self, b: p.Glance) -> list[Flowable]:
        # Large print: the badge's words on two lines, so the disorders' column is wide enough.
        rows = [[self.para(label, "cell"), self.badge(rating, stacked=self.large)] for label, rating in b.rows]
        badge_w = max(r[1].width for r in rows)
        layout = self.theme.layout
        widths = [layout.frame_width - badge_w - 12, badge_w + 12]
        head = self.para(b.heading, "h1")
        head.keepWithNext = True
        if self.large:
            # Large print: the table may split between rows (kept whole it would leave page 1 a third
            # full); the part overleaf opens with a header row "Evidence at a glance (continued)".
            head.is_heading = True  # kept with the intro and the first rows (_release_headings)
            intro = self.para(b.intro, "body")
            intro.leads = True  # kept with the table's first rows (pages.lead_in)
            continued = self.para(b.continued or b.heading, "box_heading")
            table = ContinuedTable.of(rows, widths, self._table_style, continued)
            return [self.bookmark(b.heading, 0), head, intro, table]
        table = Table(rows, colWidths=widths, hAlign="LEFT")
        table.setStyle(self._table_style(len(rows)))
        return [self.bookmark(b.heading, 0), head, self.para(b.intro, "body"), table]

    def _table_style(self, n: int) -> TableStyle:
        t = self.theme
        pad = t.body_size * 0.25
        return TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), MAIN),
            ("FONTSIZE", (0, 0), (-1, -1), t.body_size),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, n - 2), 0.5, self.colour("rule")),
            ("TOPPADDING", (0, 0), (-1, -1), pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ])

    def side_effects(self, b: p.SideEffectBox) -> list[Flowable]:
        columns = self.kind.list_columns
        items = self._grid(b.items, columns) if columns > 1 else explode(self._list(b.items))
        inner: list[Flowable] = [self.para(b.heading, "box_heading"), self.para(b.intro, "body"), *items]
        inner += [self.para(x, "body") for x in b.after]
        continued = self.para(b.continued or b.heading, "box_heading")
        mark = self.bookmark(b.heading, 0)
        # On the page the box lands on, when it moves whole to the next page (large print: it splits).
        mark.keepWithNext = not self.large
        box = self._box(inner, "box_fill", "box_border", continued)
        box.flexible = self.large  # large print: starts on the page before, where that has room
        box.lines = self.large and self.theme.split_box  # fitting's late step: after its lead-in, between lines
        return [mark, box]

    def _grid(self, items: tuple[str, ...], columns: int) -> list[Flowable]:
        """Short items side by side, row by row in their order; a longer item gets a row of its own."""
        t = self.theme
        width = t.layout.frame_width - 2 * self._box_pad()
        cell = width / columns
        bullet = self.st["bullet"]
        indent = bullet.fontSize * 1.2
        rows: list[list[str]] = []
        wide: list[int] = []
        for item in items:
            if stringWidth(item, bullet.fontName, bullet.fontSize) + indent * 2 > cell:
                wide.append(len(rows))
                rows.append([item])
            elif rows and len(rows[-1]) < columns and len(rows) - 1 not in wide:
                rows[-1].append(item)
            else:
                rows.append([item])
        # Each item a list of one (its bullet drawn apart from its text, as an artifact).
        data: list[list[Any]] = [[self._list((x,)) for x in row] + [""] * (columns - len(row)) for row in rows]
        # Large print: a table per row, so a box that splits may split between the rows.
        parts = [([line], [0] if r in wide else []) for r, line in enumerate(data)] if self.large else [(data, wide)]
        tables: list[Flowable] = []
        for part, spans in parts:
            table = Table(part, colWidths=[cell] * columns, hAlign="LEFT")
            table.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), MAIN),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), indent),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), bullet.spaceAfter),
                *(("SPAN", (0, r), (-1, r)) for r in spans),
            ]))
            tables.append(table)
        return tables

    def _box_pad(self) -> float:
        return self.theme.body_size * (0.7 if self.theme.space == 1 else 0.5)  # tighter where fitting tightens

    def notice(self, b: p.Notice) -> list[Flowable]:
        if self.kind.compact:  # one-pagers: the heading beside the text, not above it
            rows: list[tuple[str, tuple[str, ...]]] = [(b.heading, (b.text,))]
            if b.clinic_note:  # the clinic's own note first, in the same box, divided by a rule
                rows.insert(0, (b.clinic_note.heading, b.clinic_note.note))
            return self._notice_leads([self._box([self._beside(rows)], "notice_fill", "notice_border")])
        inner = [self.para(b.heading, "box_heading"), self.para(b.text, "body")]
        return self._notice_leads([self._box(inner, "notice_fill", "notice_border")])

    def _notice_leads(self, flows: list[Flowable]) -> list[Flowable]:
        """The notice keeps with the source line (large print: with its first lines, pages.lead_in;
        the full sheet elsewhere: with all of it and the disclaimer), so the last page holds more than
        the trailer."""
        for f in flows:
            f.leads = self.large
            f.keepWithNext = not self.large and not self.kind.compact
        return flows

    def _beside(self, rows: list[tuple[str, tuple[str, ...]]]) -> Table:
        """Each row a bold label in a narrow first column (as wide as the widest label, at most 30 % of
        the box) and its paragraphs beside it, all in body size; a label longer than that goes above its
        paragraphs, which then take the box's whole width. Rows are divided by a thin rule."""
        t = self.theme
        style = ParagraphStyle("label", parent=self.st["body"], fontName=self.st["box_heading"].fontName)
        width = t.layout.frame_width - 2 * self._box_pad()
        widths = [stringWidth(heading, style.fontName, style.fontSize) + t.body_size for heading, _ in rows]
        beside = [w <= width * 0.3 for w in widths]
        first = max((w for w, b in zip(widths, beside, strict=True) if b), default=width * 0.3)
        data: list[list[Any]] = []
        ends: list[int] = []  # each row's last table row
        spans: list[int] = []
        for (heading, texts), side in zip(rows, beside, strict=True):
            label = paragraph(to_markup(heading, "text", bold=True, shaped=True), style, heading)
            body = [self.para(text, "cell") for text in texts] if len(texts) > 1 else self.para(texts[0], "cell")
            if not side:  # above its paragraphs, each across the box
                spans += [len(data), len(data) + 1]
                data += [[label, ""], [body, ""]]
            else:
                data.append([label, body])
            ends.append(len(data) - 1)
        gap = self.st["body"].spaceAfter
        table = Table(data, colWidths=[first, width - first], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), MAIN),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *((side, (0, 0), (-1, -1), 0) for side in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING")),
            ("BOTTOMPADDING", (0, 0), (-1, -1), gap),
            *(("SPAN", (0, r), (-1, r)) for r in spans),
            *(command for r in ends[:-1] for command in (
                ("LINEBELOW", (0, r), (-1, r), 0.6, self.colour("notice_border")),
                ("BOTTOMPADDING", (0, r), (-1, r), gap * 1.5), ("TOPPADDING", (0, r + 1), (-1, r + 1), gap * 1.5))),
        ]))
        return table

    def _box(self, inner: list[Flowable], fill: str, border: str, continued: Flowable | None = None) -> FramedRows:
        """Kept on one page where it fits on one; a box taller than a page splits between rows (boxes.py)."""
        t = self.theme
        return FramedRows(inner, self.colour(fill), self.colour(border), self._box_pad(), continued=continued,
                          space=(t.body_size * 0.4, t.body_size * (0.25 if self._banded else 0.5)))

    def source(self, b: p.SourceLine) -> list[Flowable]:
        first = f"{b.label} {b.lines[0]}"
        if self.kind.compact:  # one-pagers: one paragraph, the lines parted by a middle dot
            space = self.theme.body_size * (0.25 if self._banded else 0.5)
            return [Spacer(1, space), self.para("\xa0· ".join((first, *b.lines[1:])), "small")]
        paras = [self.para(first, "small")] + [self.para(x, "small") for x in b.lines[1:]]
        for para in paras:  # kept together, and with the disclaimer: it never stands alone on a page
            para.keepWithNext = not self.large  # large print: they break between lines, as the text does
        space = Spacer(1, self.theme.body_size * 0.5)
        space.keepWithNext = not self.large  # the notice before it keeps with it (_notice_leads)
        return [space, *paras]

    def disclaimer(self, b: p.Disclaimer) -> list[Flowable]:
        para = self.para(b.text, "small")
        if self.large:  # the document's end: no space after it to push anything overleaf
            para.style = ParagraphStyle("disclaimer", parent=para.style, spaceAfter=0)
        return [para]

    # Clinic profile blocks: the flowables live in render/profile.py -------------------------------
    def clinic_header(self, b: p.ClinicHeader) -> list[Flowable]:
        return clinic_story.header(self, b)

    def prepared_for(self, b: p.PreparedFor) -> list[Flowable]:
        return clinic_story.prepared_for(self, b)

    def clinic_contact(self, b: p.ClinicContact) -> list[Flowable]:
        flows = clinic_story.contact(self, b)
        if not self.large:
            return flows
        # Large print: the questions line keeps with the note under it, and the QR code may go
        # overleaf (kept whole, the three leave most of a page empty where they do not fit).
        out: list[Flowable] = []
        for f in flows:
            parts = list(f._content) if isinstance(f, KeepTogether) else [f]
            if len(parts) > 2 and isinstance(parts[0], Paragraph):  # the questions line, a space, the note
                for part in parts[:2]:
                    part.keepWithNext = True
            out += parts
        if self.theme.split_box:  # fitting's late step: the spaces between them tighten with the rest
            out = [Spacer(f.width, f.height * self.theme.space) if isinstance(f, Spacer) else f for f in out]
        solid = [i for i, f in enumerate(out) if not isinstance(f, Spacer)]
        if self.theme.compact_band and b.qr_url and len(solid) > 1 and solid[-1] - solid[-2] == 2:
            out[solid[-1] - 1] = Spacer(1, 0)  # compacted: the QR code follows the box straight on
        return out

    def notes_box(self, b: p.NotesBox) -> list[Flowable]:
        return clinic_story.notes_box(self, b)

    def clinic_band(self, b: p.ClinicBand) -> list[Flowable]:
        return clinic_story.band(self, b)


BUILDERS: dict[type, Callable[[StoryBuilder, Any], list[Flowable]]] = {
    p.Columns: StoryBuilder.columns,
    p.Title: StoryBuilder.title,
    p.Heading: StoryBuilder.heading,
    p.Para: StoryBuilder.paragraph,
    p.Bullets: StoryBuilder.bullets,
    p.Glance: StoryBuilder.glance,
    p.SideEffectBox: StoryBuilder.side_effects,
    p.Notice: StoryBuilder.notice,
    p.SourceLine: StoryBuilder.source,
    p.Disclaimer: StoryBuilder.disclaimer,
    p.ClinicHeader: StoryBuilder.clinic_header,
    p.PreparedFor: StoryBuilder.prepared_for,
    p.ClinicContact: StoryBuilder.clinic_contact,
    p.NotesBox: StoryBuilder.notes_box,
    p.ClinicBand: StoryBuilder.clinic_band,
}


def _notes_last(blocks: tuple[p.Block, ...]) -> tuple[p.Block, ...]:
    """Large print, the full sheet: the blank notes box to write in goes last, after the disclaimer.
    Before the notice it took the room at the foot of the clinic's page that the notice needs, and
    the trailer (taller than a page since it cites the 2023 statement) then ran to a page of its own
    for two lines. Last, it keeps with the disclaimer's last lines (pages.carried)."""
    notes = tuple(b for b in blocks if isinstance(b, p.NotesBox))
    return (*(b for b in blocks if not isinstance(b, p.NotesBox)), *notes)


def _release_headings(flows: list[Flowable], lines: int = 0,
                      frame: tuple[float, float] = (0.0, 0.0)) -> list[Flowable]:
    """On the page (not in columns), a heading followed by a paragraph need not drag the whole
    paragraph to the next page: the CondPageBreak before it leaves room for its first lines, and
    the paragraph may then continue overleaf. Other keep-with-next pairs stay.

    With ``lines`` (large print, one column ``frame`` = (width, height)): the text breaks between
    lines; the page breaks are measured (pages.py): a heading keeps with its first ``lines`` lines,
    a lead-in with its list, and the text before a block that stays whole fills its last page at
    least half."""
    if not lines:
        for head, following in pairwise(flows):
            if getattr(head, "is_heading", False) and isinstance(following, Paragraph):
                head.keepWithNext = False
        return flows
    width, height = frame
    measured = pages.measured_breaks(flows, lines, width, height, marks=Bookmark)
    flows = pages.balanced(measured, width, height, marks=Bookmark, text=(HeadingWithBadge,))
    return pages.carried(flows, width, lines)  # the notes box last: never alone on its page


def tagged_story(theme: Theme, plan: p.DocumentPlan) -> tuple[list[Flowable], Element]:
    """The flowables and the Document structure element they draw into."""
    sb = StoryBuilder(theme, plan)
    return sb.build(), sb.tree
