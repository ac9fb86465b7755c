"""Apps stage, web: page thumbnails of a PDF for the preview (PDFium through pypdfium2).

A preview keeps the PDF and renders each page when the browser first asks for its image (a long
document's later pages cost nothing until they are looked at), once. PDFium is not thread-safe:
every render holds one lock, so the server's threads take turns.

A personalised handout whose name and date are stamped into its page design (the document with the
"Prepared for" values left out: api.template_for) differs from the design only in the rows of those
values (issue 25: drawing the whole page and compressing its PNG took most of a preview). So each
design's thumbnail is kept, cut into bands of rows, each band compressed on its own, with the rows a
probe's values reach (tall and deep letters, stamped once): a preview's page draws only those rows
and compresses only its bands that differ from the design's. The PNG holds the same pixels as the
page drawn whole. What is kept is the design's and the probe's rows: never a patient's name.
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import pypdfium2

from ...api import Patient, Request, Result, build, template_for, values_for
from ...errors import IvigError

WIDTH = 420  # pixels across a thumbnail: a letter page at about 50 dpi
SIZES = (WIDTH, 2 * WIDTH, 1275)  # the thumbnail, its 2x image (a 2x screen), the full-size view (150 dpi)
BAND = 16  # rows of a thumbnail compressed together; the probe's rows are widened by one band each way
DESIGNS = 12  # design pages' thumbnails kept, each width apart (1x about 0.8 MB, 2x 3 MB: at most 36 MB)
PROBE = "ẪǗÇ gjpqy|()"  # letters reaching far above and below the line (none of them a patient's)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Design:
    """A preview's page design: its PDF, and a maker of the same pages stamped with the probe."""

    pdf: bytes
    probe: Callable[[], bytes]


class Thumbnails:
    """The pages of one PDF as PNG images ``width`` pixels wide, each rendered on first use;
    ``design``: its page design, when the PDF is the design with values stamped in."""

    def __init__(self, data: bytes, pages: int, width: int = WIDTH, design: Design | None = None) -> None:
        self.data, self.pages, self.width, self.design = data, pages, width, design
        self._made: dict[tuple[int, int], bytes] = {}

    def png(self, number: int, width: int | None = None) -> bytes | None:
        """Page ``number`` (from 1) as a PNG ``width`` pixels wide (the thumbnail's width, or one of
        SIZES), or None if there is no such page."""
        width = width or self.width
        if not 1 <= number <= self.pages or (width != self.width and width not in SIZES):
            return None
        if width == SIZES[-1]:  # the full-size view: asked for now and then, never kept (memory)
            return render(self.data, number, width)
        if (number, width) not in self._made:
            self._made[number, width] = render(self.data, number, width, self.design)
        return self._made[number, width]


def design_of(request: Request, result: Result) -> Design | None:
    """The page design of ``result``, when its patient's values were stamped into it (a PDF on pages
    that are not imposed); None otherwise (each page is then drawn whole)."""
    who = request.patient
    if who is None or not result.personal or request.also is not None or result.layout.imposition != "none":
        return None
    probe = replace(request, patient=Patient(PROBE if who.name else None, PROBE if who.date else None))
    try:
        template = template_for(request)
        if values_for(template, who) is None or values_for(template, Patient(PROBE, PROBE)) is None:
            return None  # rendered in full: the page may differ anywhere
    except IvigError:
        return None
    return Design(template.data, lambda: build(probe).data)


@dataclass(frozen=True)
class _Bands:
    """A design's page as a thumbnail: its rows (filter byte and pixels), each band of BAND rows
    compressed on its own (raw deflate, ending on a full flush), and the rows values may change."""

    size: tuple[int, int]
    rows: tuple[bytes, ...]
    packed: tuple[bytes, ...]
    changed: int  # the rows values may change are above this one (0: none)


_KEPT: OrderedDict[tuple[bytes, int, int], _Bands | None] = OrderedDict()


def render(data: bytes, number: int, width: int = WIDTH, design: Design | None = None) -> bytes:
    """Page ``number`` (from 1) of the PDF ``data`` as a PNG ``width`` pixels wide; ``design``: its
    page design, whose rows and compressed bands serve outside the rows the values change."""
    with _LOCK:
        kept = _design(design, number, width) if design is not None else None
        if kept is None:
            size, pixels = _draw(data, number, width)
            return _png(size, _rows(size, pixels), None)
        end = kept.changed
        rows = kept.rows
        if end:  # drawn from the top (a page drawn from further down differs in a pixel or two)
            size, pixels = _draw(data, number, width, end)
            rows = _rows(size, pixels) + rows[end:]
    return _png(kept.size, rows, kept)


def _draw(data: bytes, number: int, width: int, rows: int = 0) -> tuple[tuple[int, int], bytes]:
    """The page's pixels (RGB, rows top down) and their size; ``rows``: only the first so many (drawn
    exactly as in the whole page), else all."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        page = pdf[number - 1]
        try:
            scale = width / page.get_width()
            cut = math.ceil(page.get_height() * scale) - rows if rows else 0
            image = page.render(scale=scale, crop=(0, _points(cut, scale), 0, 0), rev_byteorder=True).to_pil()
            return image.size, image.convert("RGB").tobytes()
        finally:
            page.close()
    finally:
        pdf.close()


def _points(rows: int, scale: float) -> float:
    """A crop in points that PDFium's wrapper turns back into exactly ``rows`` rows (it rounds up)."""
    points = (rows - 0.5) / scale if rows else 0.0
    assert math.ceil(points * scale) == rows
    return points


def _design(design: Design, number: int, width: int) -> _Bands | None:
    """The design's page, drawn and compressed once, with the rows the probe changes (the most recent
    DESIGNS kept); None without such a page."""
    key = (hashlib.sha256(design.pdf).digest(), number, width)
    if key in _KEPT:
        _KEPT.move_to_end(key)
        return _KEPT[key]
    try:
        size, pixels = _draw(design.pdf, number, width)
        probe = _draw(design.probe(), number, width)
    except (IndexError, IvigError):  # a page the design does not have
        bands = None
    else:
        rows = _rows(size, pixels)
        bands = _Bands(size, rows, tuple(_pack(rows[at:at + BAND]) for at in range(0, len(rows), BAND)),
                       _changed(rows, _rows(*probe)))
    _KEPT[key] = bands
    if len(_KEPT) > DESIGNS:
        _KEPT.popitem(last=False)
    return bands


def _changed(design: tuple[bytes, ...], probe: tuple[bytes, ...]) -> int:
    """The row under the last where the probe differs from the design, a band lower, at a band's end
    (0: none differs)."""
    if len(design) != len(probe):
        return len(design)
    last = next((at for at in range(len(design) - 1, -1, -1) if design[at] != probe[at]), None)
    return 0 if last is None else min(len(design), (last // BAND + 2) * BAND)


def _rows(size: tuple[int, int], pixels: bytes) -> tuple[bytes, ...]:
    """Each row of RGB ``pixels`` with PNG's filter byte (0: none) before it."""
    stride = size[0] * 3
    return tuple(b"\0" + pixels[at:at + stride] for at in range(0, len(pixels), stride))


def _pack(rows: tuple[bytes, ...]) -> bytes:
    """``rows`` as raw deflate data ending on a full flush, so bands compressed apart join up."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    return packer.compress(b"".join(rows)) + packer.flush(zlib.Z_FULL_FLUSH)


def _png(size: tuple[int, int], rows: tuple[bytes, ...], kept: _Bands | None) -> bytes:
    """The PNG of ``rows``: each band the design's compressed one where its rows are the design's."""
    parts = [b"\x78\x01"]  # a zlib header (fastest)
    for band, at in enumerate(range(0, len(rows), BAND)):
        mine = rows[at:at + BAND]
        parts.append(kept.packed[band] if kept is not None and kept.rows[at:at + BAND] == mine else _pack(mine))
    parts += [zlib.compressobj(1, zlib.DEFLATED, -15).flush(), struct.pack(">I", zlib.adler32(b"".join(rows)))]
    header = struct.pack(">IIBBBBB", size[0], size[1], 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
