"""Render stage, clinic profile: flowables for a clinic profile's blocks (header, patient line, contact
strip with the clinic's note and a QR code, ruled notes box)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING, Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..inputs.files import read_regular
from ..inputs.patient import SLOT
from ..inputs.text import needs_shaping, normalise
from ..plan import blocks as p
from . import fonts
from .markup import BOLD, ink_below, is_bold, paragraph, text_width, to_markup

if TYPE_CHECKING:
    from .story import StoryBuilder

DATE_ROOM = 10.5  # ems: the least width of a printed date's column (with one em to spare)
SEPARATOR = "\u00a0\u00b7 "  # between the parts of the contact line (the dot never starts a line)


def _style(sb: StoryBuilder, base: str, name: str, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, parent=sb.st[base], **{"spaceBefore": 0, "spaceAfter": 0, **kw})


def _para(text: str, style: ParagraphStyle, field: str) -> Paragraph:
    bold = is_bold(style.fontName)
    return paragraph(to_markup(text, field, bold=bold, shaped=True), style, text,
                     lambda line: to_markup(line, field, bold=bold, shaped=True))


def _grid(rows: list[list[Any]], widths: list[Any], extra: Sequence[tuple[Any, ...]] = (), **kw: Any) -> Table:
    """A borderless table with no padding (and a FONTNAME, like every table)."""
    table = Table(rows, colWidths=widths, hAlign="LEFT", **kw)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.MAIN),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *((side, (0, 0), (-1, -1), 0) for side in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")),
        *extra,
    ]))
    return table


class LogoImage(Flowable):
    """The clinic's logo scaled into a fixed area with its shape kept (greyscale in a mono layout)."""

    def __init__(self, path: str, pixels: tuple[int, int], area: tuple[float, float], mono: bool) -> None:
        super().__init__()
        scale = min(area[0] / pixels[0], area[1] / pixels[1])
        self.path, self.mono = path, mono
        self.width, self.height = pixels[0] * scale, pixels[1] * scale

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self._image(), 0, 0, self.width, self.height, mask="auto")

    def _image(self) -> ImageReader:
        from ..inputs.profile import MAX_LOGO_BYTES  # read as the profile's check read it: a regular file only

        data = io.BytesIO(read_regular(self.path, MAX_LOGO_BYTES, expected="a PNG or JPEG image"))
        if not self.mono:
            return ImageReader(data)
        from PIL import Image

        with Image.open(data) as img:
            rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return ImageReader(Image.alpha_composite(white, rgba).convert("L"))


# Builders ------------------------------------------------------------------------------------
def header(sb: StoryBuilder, b: p.ClinicHeader) -> list[Flowable]:
    """Logo at the left; beside it the name (bold) and department on one line, then one wrapping
    line with the address, phone and website; a rule below."""
    t = sb.theme
    sizes = t.layout.clinic
    text = _letterhead(sb, b, "box_heading", width=t.layout.frame_width if t.compact_band else None)
    gap = t.body_size
    rule = [("LINEBELOW", (0, 0), (-1, -1), 0.8, sb.colour("rule")), ("BOTTOMPADDING", (0, 0), (-1, -1), gap * 0.35),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if b.logo and b.logo_pixels:
        logo = LogoImage(b.logo, b.logo_pixels, (sizes.logo_width, sizes.logo_height), t.layout.mono)
        if t.compact_band and b.contact and len(text) > 1:  # fitting (large print): the contact line under
            under = text.pop()  # the logo and the name, across the page, in fewer lines
            rows: list[list[Any]] = [[logo, text], [under, ""]]
            extra = [("SPAN", (0, 1), (-1, 1)), ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                     ("LINEBELOW", (0, 1), (-1, 1), 0.8, sb.colour("rule")),
                     ("BOTTOMPADDING", (0, 1), (-1, 1), gap * 0.35), ("TOPPADDING", (0, 1), (-1, 1), gap * 0.2)]
            return [_grid(rows, [sizes.logo_width + gap, "*"], extra), Spacer(1, gap * 0.5)]
        table = _grid([[logo, text]], [sizes.logo_width + gap, "*"], rule)
    else:
        table = _grid([[text]], ["*"], rule)
    return [table, Spacer(1, gap * 0.5)]


def _letterhead(sb: StoryBuilder, b: p.ClinicHeader | p.ClinicBand, name_style: str, size: float | None = None,
                width: float | None = None) -> list[Flowable]:
    """The name (bold) and department on one line, then the address, phone and website in small type.
    ``size``: the name line's type size (else the style's); ``width``: the column, so a part that
    fits on one line is never broken inside (a line breaks between the parts)."""
    t = sb.theme
    text: list[Flowable] = []
    if (b.name or b.department) and t.compact_band and size:
        text += _two_lines(sb, b, name_style, size)
    elif b.name or b.department:
        sized = _sized(sb, name_style, size) if size else {}
        style = _style(sb, name_style, "clinic_name", fontName=BOLD, textColor=sb.colour("heading"), **sized)
        line = _separator(b.name or "", b.department or "").join(filter(None, (b.name, b.department)))
        if needs_shaping(line):  # one line in display order (python-bidi), all bold
            markup = to_markup(line, "name" if b.name else "department", bold=True, shaped=True)
        else:
            parts = [to_markup(b.name, "name", bold=True)] if b.name else []
            if b.department:  # regular weight: <font face> sets the face and drops the style's bold
                parts.append(f'<font face="{fonts.MAIN}">{to_markup(b.department, "department")}</font>')
            markup = SEPARATOR.join(parts)
        text.append(paragraph(markup, style, line))
    if b.contact:
        style = _style(sb, "small", "clinic_contact", textColor=sb.colour("ink"), spaceBefore=t.small_size * 0.2)
        contact = [_unbroken(part, width, style.fontSize) for part in b.contact]
        sep = _separator(*contact)
        text.append(paragraph(sep.join(to_markup(part, "contact", shaped=True) for part in contact), style,
                              sep.join(contact)))
    return text


def _separator(*parts: str) -> str:
    """SEPARATOR; a plain space before the dot in shaped text, where ReportLab shapes a word (all
    that lies between spaces) in one font."""
    return " · " if any(needs_shaping(part) for part in parts) else SEPARATOR


TIGHT_LINES = 1.08  # the compact letterhead's line spacing (name and department)


def _two_lines(sb: StoryBuilder, b: p.ClinicHeader | p.ClinicBand, name_style: str, size: float) -> list[Flowable]:
    """The compact letterhead (render/fit.py): the name (bold) on its line, the department under it,
    both with tighter line spacing."""
    tight = {"fontSize": size, "leading": round(size * TIGHT_LINES, 2)}
    out: list[Flowable] = []
    if b.name:
        out.append(_para(b.name, _style(sb, name_style, "clinic_name", fontName=BOLD,
                                        textColor=sb.colour("heading"), **tight), "name"))
    if b.department:
        out.append(_para(b.department, _style(sb, name_style, "clinic_department", fontName=fonts.MAIN,
                                              textColor=sb.colour("heading"), **tight), "department"))
    return out


def _sized(sb: StoryBuilder, base: str, size: float) -> dict[str, float]:
    """``fontSize`` and ``leading`` for ``size`` with the base style's line spacing."""
    style = sb.st[base]
    return {"fontSize": size, "leading": round(size * style.leading / style.fontSize, 2)}


def _unbroken(part: str, width: float | None, size: float) -> str:
    """``part`` with no-break spaces if it takes at most half a line of ``width`` (so "IL 62704" stays
    together); a longer part may break anywhere, so the line stays full."""
    if width is None or needs_shaping(part) or text_width(part, size) > width / 2:
        return part
    return normalise(part).replace(" ", "\u00a0")


def band(sb: StoryBuilder, b: p.ClinicBand) -> list[Flowable]:
    """One-page layouts: the clinic as one letterhead band. The logo, then the name and department and
    the address, phone and website in small type; under them the questions line, then the QR code's
    label and address on one line; the QR code at the right; under all of them, across the band, the
    "Prepared for" line; a rule below. Its type sizes are the layout's (``band_text``, the section's
    ``small``), the same on every one-pager, smaller only where fitting steps the body type down."""
    t = sb.theme
    size = min(t.layout.clinic.band_text or t.body_size, t.body_size)  # stepping down with the body type
    qr_size = _band_qr(sb)
    gap = size * t.space  # the spaces inside the band (fitting's tighter spacing)
    lettered = b.name or b.department or b.contact or b.logo or b.qr_url
    top = _band_top(sb, b, size) if lettered else []
    under: list[Flowable] = []
    if b.questions:
        style = _style(sb, "body", "band_questions", fontName=BOLD, textColor=sb.colour("heading"),
                       spaceBefore=gap * 0.2 if top else 0, **_sized(sb, "body", size))
        under.append(_para(b.questions, style, "questions"))
    # The QR code's label and address on a line of their own, under the questions (the address whole);
    # in the compact letterhead both across the whole band where the letterhead is as tall as the QR code.
    across = bool(t.compact_band and b.qr_url and top) and _height(top, t.layout.frame_width - qr_size) >= qr_size
    if b.qr_url:
        width = t.layout.frame_width - (0 if across else qr_size + size)
        under += [Spacer(1, gap * 0.15), *_caption(sb, b.qr_label, b.qr_url, width, inline=True)]
    qr = qr_drawing(b.qr_url, qr_size, sb.colour("ink")) if b.qr_url else ""
    rows: list[list[Any]] = [[top, qr], [under, ""]] if across else [[top + under, qr]]
    spans: list[tuple[Any, ...]] = [("SPAN", (0, 1), (-1, 1))] if across else []
    spans += [("RIGHTPADDING", (0, 0), (0, 0), size)] if b.qr_url else []  # room between the text and the code
    if b.prepared:  # across the whole band, so a long name still takes one line
        rows.append([_prepared_row(sb, b.prepared, size, t.layout.frame_width, space=gap * 0.25 if top else 0),
                     ""])
        spans.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    last = len(rows) - 1
    table = _grid(rows, ["*", qr_size if b.qr_url else 0], [
        ("LINEBELOW", (0, last), (-1, last), 0.8, sb.colour("rule")),
        ("BOTTOMPADDING", (0, last), (-1, last), gap * 0.25),
        *spans,
    ])
    return [table, Spacer(1, gap * 0.4)]


def _height(flowables: list[Flowable], width: float) -> float:
    """Stacked height (spaces between them included) in a column of ``width``."""
    return sum(float(f.wrap(width, 1e6)[1]) + float(f.getSpaceBefore()) for f in flowables)


def _band_qr(sb: StoryBuilder) -> float:
    """The band's QR code side: the layout's, or its minimum in the compact letterhead."""
    sizes = sb.theme.layout.clinic
    return sizes.band_qr_min if sb.theme.compact_band else sizes.band_qr_size or sizes.band_qr_min


def _band_logo(sb: StoryBuilder) -> tuple[float, float]:
    """The band's logo area: the layout's, or (compact letterhead) as high as its minimum, as wide in proportion."""
    sizes = sb.theme.layout.clinic
    width, height = sizes.band_logo_width or 0, sizes.band_logo_height or 0
    least = sizes.band_logo_min_height
    if sb.theme.compact_band and least and height > least:
        return width * least / height, least
    return width, height


def _band_top(sb: StoryBuilder, b: p.ClinicBand, size: float) -> list[Flowable]:
    """The band's first row: logo and letterhead text. In the compact letterhead the contact line goes
    under the logo and the name, across the band's text column."""
    t = sb.theme
    cells: list[Any] = []
    widths: list[Any] = []
    if b.logo and b.logo_pixels:
        logo = LogoImage(b.logo, b.logo_pixels, _band_logo(sb), t.layout.mono)
        cells.append(logo)
        widths.append(logo.width + size)
    text_w = t.layout.frame_width - sum(widths) - (_band_qr(sb) + size if b.qr_url else 0)
    text = _letterhead(sb, b, "body", size, text_w)
    below = [text.pop()] if t.compact_band and cells and b.contact and len(text) > 1 else []
    cells.append(text or "")
    widths.append("*")
    return [_grid([cells], widths, [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]), *below]


def _caption(sb: StoryBuilder, label: str, url: str, width: float, inline: bool = False) -> list[Flowable]:
    """The QR code's label, and its address as printed (``printed_url``): on one line where it fits,
    set smaller down to the layout's ``url_min`` where that makes it fit, else broken only after a
    "/" (never inside a name). Each printed line is a link to the address (a /Link annotation over
    its text). ``inline``: the label and the address on one line where both fit."""
    href = _attribute(url)
    shown = printed_url(url)
    style = _style(sb, "small", "qr_url", textColor=sb.colour("ink"), splitLongWords=0)
    floor = min(sb.theme.layout.clinic.url_min, style.fontSize)
    size = float(style.fontSize)
    while text_width(shown, size) > width and size - 0.5 >= floor:
        size -= 0.5
    if size != style.fontSize:
        style = _style(sb, "small", "qr_url", textColor=sb.colour("ink"), splitLongWords=0,
                       fontSize=size, leading=round(size * style.leading / style.fontSize, 2))
    head_w = text_width(label, size, bold=True) + size * 0.6  # the label, then a clear gap before the address
    if inline and head_w + text_width(shown, size) <= width:
        # label and address side by side, each its own paragraph: the Link holds the address alone
        head = _para(label, _style(sb, "small_bold", "qr_label", fontSize=size, leading=style.leading), "qr_label")
        address = Paragraph(f'<a href="{href}">{to_markup(shown, "qr_url")}</a>', style)
        return [_grid([[head, address]], [head_w, width - head_w])]
    links = [f'<a href="{href}">{to_markup(line, "qr_url")}</a>' for line in url_lines(shown, width, size)]
    head = _para(label, _style(sb, "small_bold", "qr_label"), "qr_label")
    address = Paragraph("<br/>".join(links), style)
    if sb.theme.compact_band and not sb.kind.clinic_band and len(links) == 1:  # fitting (large print)
        return [RunOn(head, address, size * 0.6)]
    return [head, address]


class RunOn(Flowable):
    """The QR code's label and, where it fits after the label's last line, its address on that line
    (two paragraphs, read as two: the Link holds the address alone); else the address under it."""

    def __init__(self, head: Paragraph, address: Paragraph, gap: float) -> None:
        super().__init__()
        self.head, self.address, self.gap = head, address, gap
        self.at = 0.0  # the address's left edge on the label's last line (0: under the label)

    def tag_parts(self) -> list[Flowable]:
        return [self.head, self.address]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        _, high = self.head.wrap(availWidth, availHeight)
        _, low = self.address.wrap(availWidth, availHeight)
        last = self.head.blPara.lines[-1]
        spare = float(last[0] if isinstance(last, tuple) else last.extraSpace)
        used = availWidth - spare + self.gap
        same = (self.head.style.fontSize, self.head.style.leading) == (self.address.style.fontSize,
                                                                        self.address.style.leading)
        words = text_width(printed(self.address), float(self.address.style.fontSize))
        self.at = used if same and used + words <= availWidth else 0.0
        self.width, self.height = availWidth, high + (0 if self.at else low)
        return self.width, self.height

    def draw(self) -> None:
        self.head.drawOn(self.canv, 0, self.height - self.head.height)
        self.address.drawOn(self.canv, self.at, 0)


def printed(para: Paragraph) -> str:
    """A paragraph's text as printed (its markup left out)."""
    return re.sub(r"<[^>]+>", "", para.text).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def _attribute(text: str) -> str:
    """``text`` escaped for a double-quoted attribute of Paragraph markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def printed_url(url: str) -> str:
    """A web address as the page prints it: without its scheme and a leading "www." (the QR code and
    the link keep the whole address)."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE)


def url_lines(url: str, width: float, size: float) -> list[str]:
    """``url`` on one line where it is no wider than ``width``, else in as few lines as it takes,
    broken only after a "/" (a piece between two "/" is never broken, even where it is wider)."""
    lines = [""]
    for piece in _url_pieces(url):
        if lines[-1] and text_width(lines[-1] + piece, size) > width:
            lines.append("")
        lines[-1] += piece
    return lines


def _url_pieces(text: str) -> list[str]:
    """``text`` cut after each run of "/"."""
    return [piece for piece in re.findall(r"[^/]*/*", text) if piece]


def prepared_for(sb: StoryBuilder, b: p.PreparedFor) -> list[Flowable]:
    """The line "Prepared for ____  Date ____": lines to write on, or the name and date printed on them."""
    t = sb.theme
    size = t.body_size
    tight = _on_band(sb)  # under a letterhead band: no extra space above
    table = _prepared_row(sb, b, size, t.layout.frame_width, space=0 if tight else size * 0.3)
    return [table, Spacer(1, size * 0.5)]


def _prepared_row(sb: StoryBuilder, b: p.PreparedFor, size: float, width: float, space: float) -> Table:
    """"Prepared for NAME  Date DATE" in ``size`` type across ``width``: the name and date printed on
    ruled lines (or the lines left blank to write on)."""
    sized = _sized(sb, "cell", size) if size != sb.theme.body_size else {}
    label = _style(sb, "cell", "prepared_label", **sized)
    value = _style(sb, "cell", "prepared_value", fontName=BOLD, **sized)
    pad = size * 0.5
    label_w, date_label_w = text_width(b.label, size) + pad, text_width(b.date_label, size) + pad + size * 1.5
    # A blank date line has room to write on; a printed date takes at least the room of the widest date
    # a roster prints ("28 September 2026": DATE_ROOM ems), so one template takes every such date
    # (render/stamp.py); a longer one takes its own width. The name gets the rest.
    name, date = _printed(b.name), _printed(b.date)
    date_w = max(text_width(date, size, bold=True) + size, size * DATE_ROOM) if b.date else width * 0.26
    widths: list[Any] = [label_w, "*", date_label_w, date_w]
    name_room = width - label_w - date_label_w - date_w
    # A template's slot takes any value that keeps the row as it is
    rooms = {"patient name": name_room, "date": size * DATE_ROOM - size}
    cells = [_para(b.label, label, "prepared for label"), _value(b.name, value, "patient name", rooms),
             _para(b.date_label, label, "date label"), _value(b.date, value, "date", rooms)]
    line = sb.colour("ink")
    below = 2 + ink_below(name, size, bold=True)  # the rules under the values clear their ink
    if text_width(name, size, bold=True) > name_room or text_width(date, size, bold=True) > date_w:
        # A long name or date: the name on a row of its own, the date under it (each on one line).
        first = max(label_w, date_label_w - size * 1.5)
        return _grid([cells[:2], cells[2:]], [first, "*"], [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("TOPPADDING", (0, 0), (-1, 0), space), ("TOPPADDING", (0, 1), (-1, 1), size * 0.25 * sb.theme.space),
            ("BOTTOMPADDING", (0, 0), (-1, -1), below),
            ("LINEBELOW", (1, 0), (1, -1), 0.8, line),
        ])
    return _grid([cells], widths, [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (2, 0), (2, 0), size * 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), space),
        ("BOTTOMPADDING", (0, 0), (-1, -1), below),
        ("LINEBELOW", (1, 0), (1, 0), 0.8, line),
        ("LINEBELOW", (3, 0), (3, 0), 0.8, line),
    ])


def _printed(value: str | None) -> str:
    """What a "Prepared for" value prints as text ("" for none, and for a template's slot)."""
    return "" if value is None or value == SLOT else value


def _value(value: str | None, style: ParagraphStyle, field: str, rooms: dict[str, float]) -> Paragraph:
    """The name's or date's cell: the value, a blank (to write on), or a template's slot."""
    if value == SLOT:
        from .slots import SlotParagraph  # slots.py draws through tagging.py, which knows this module's flowables

        return SlotParagraph(style, field, rooms[field])
    return _para(value or "", style, field)


def _on_band(sb: StoryBuilder) -> bool:
    return sb.kind.clinic_band


def contact(sb: StoryBuilder, b: p.ClinicContact) -> list[Flowable]:
    """The questions line across the page; under it the clinic's note in a box, with the QR code and
    its address beside it (stacked on a narrow page). Without a note, the QR code sits beside the
    questions line."""
    t = sb.theme
    gap = t.body_size
    questions = None
    if b.questions:
        style = _style(sb, "body", "clinic_questions", fontName=BOLD, textColor=sb.colour("heading"))
        questions = _para(b.questions, style, "questions")
    note = _note_box(sb, b) if b.note else None
    qr = _qr_block(sb, b) if b.qr_url else None
    beside = note or questions
    out: list[Flowable] = [questions] if questions and note else []
    if questions and note:
        out.append(Spacer(1, gap * 0.35))
    if qr is None:
        out += [beside] if beside else []
    elif beside is None or t.layout.frame_width - qr._width - gap < t.layout.frame_width * 0.55:
        out += ([beside, Spacer(1, gap * 0.5)] if beside else []) + [qr]  # a narrow page: one under the other
    else:
        out.append(_grid([[beside, qr]], ["*", qr._width + gap], [("LEFTPADDING", (1, 0), (1, 0), gap)]))
    return [Spacer(1, gap * 0.3), KeepTogether(out), Spacer(1, gap * 0.5)]


def _note_box(sb: StoryBuilder, b: p.ClinicContact) -> Table:
    t = sb.theme
    pad = t.body_size * 0.6
    inner: list[Flowable] = [_para(b.note_heading, _style(sb, "small_bold", "note_heading"), "note_heading")]
    inner += [_para(x, _style(sb, "body", "note", spaceBefore=t.body_size * 0.25), "note") for x in b.note]
    return _grid([[inner]], ["*"], [
        ("BOX", (0, 0), (-1, -1), 1.2, sb.colour("heading")),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.8),
    ])


QR_BORDER = 4  # modules of quiet zone on each side


def qr_drawing(url: str, size: float, colour: Any) -> QrCode:
    """A QR code (ReportLab's own encoder, error correction M, a 4-module quiet zone) ``size`` pt square."""
    return QrCode(qr_modules(url), size, colour)


@lru_cache(maxsize=64)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark modules, row by row (encoded once per address: ReportLab's encoder is slow)."""
    from reportlab.graphics.barcode import qrencoder  # imported here: only for a QR code

    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(url)
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


class QrCode(Flowable):
    """A QR code drawn as one filled path: each run of dark modules in a row is one rectangle."""

    def __init__(self, modules: tuple[tuple[bool, ...], ...], size: float, colour: Any) -> None:
        super().__init__()
        self.modules, self.colour = modules, colour
        self.width = self.height = size
        self._width = size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        box = self.width / (len(self.modules) + 2 * QR_BORDER)
        path = c.beginPath()
        for r, row in enumerate(self.modules):
            y = self.height - (r + QR_BORDER + 1) * box
            col = 0
            for dark, run in groupby(row):
                count = len(list(run))
                if dark:
                    path.rect((col + QR_BORDER) * box, y, count * box, box)
                col += count
        c.saveState()
        c.setFillColor(self.colour)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def _qr_block(sb: StoryBuilder, b: p.ClinicContact) -> Table:
    t = sb.theme
    compact = t.compact_band and not t.kind.clinic_band  # fitting (large print): the code at its minimum
    size = min(t.layout.clinic.qr_size, t.layout.clinic.band_qr_min) if compact else t.layout.clinic.qr_size
    # the label and address beside the code, across the rest of the column: in large print the label
    # takes two lines beside the code instead of three or four under each other
    text_w = max(size * 2, t.layout.frame_width / max(1, t.kind.columns) - size)
    words = _caption(sb, b.qr_label, b.qr_url or "", text_w)
    table = _grid([[qr_drawing(b.qr_url or "", size, sb.colour("ink")), words]], [size, text_w],
                  [("VALIGN", (1, 0), (1, 0), "MIDDLE")])
    table._width = size + text_w
    return table


class RuledBox(Flowable):
    """A box with a heading and ruled lines to write on by hand."""

    def __init__(self, heading: Paragraph, lines: int, gap: float, pad: float, border: Any, rule: Any) -> None:
        super().__init__()
        self.heading, self.lines, self.gap, self.pad = heading, lines, gap, pad
        self.border, self.rule = border, rule

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        _, self._hh = self.heading.wrap(availWidth - 2 * self.pad, availHeight)
        self.width = availWidth
        self.height = self.pad * 0.8 + self._hh + self.lines * self.gap + self.pad * 0.9
        return self.width, self.height

    def draw(self) -> None:
        c, pad = self.canv, self.pad
        c.saveState()
        c.setStrokeColor(self.border)
        c.setLineWidth(1.2)
        c.rect(0, 0, self.width, self.height)
        self.heading.drawOn(c, pad, self.height - pad * 0.8 - self._hh)
        c.setStrokeColor(self.rule)
        c.setLineWidth(0.7)
        for i in range(self.lines):
            y = pad * 0.9 + i * self.gap
            c.line(pad, y, self.width - pad, y)
        c.restoreState()


def notes_box(sb: StoryBuilder, b: p.NotesBox) -> list[Flowable]:
    t = sb.theme
    sizes = t.layout.clinic
    heading = _para(b.heading, _style(sb, "small_bold", "notes_heading"), "notes heading")
    box = RuledBox(heading, sizes.notes_lines, sizes.notes_line_gap, t.body_size * 0.6, sb.colour("heading"),
                   sb.colour("rule"))
    return [Spacer(1, t.body_size * 0.2), box, Spacer(1, t.body_size * 0.6)]
