"""Apps stage, web: page thumbnails of a PDF for the preview (PDFium through pypdfium2).

A preview keeps the PDF and renders each page when the browser first asks for its image (a long
document's later pages cost nothing until they are looked at), once. PDFium is not thread-safe:
every render holds one lock, so the server's threads take turns.
"""

from __future__ import annotations

import io
import threading

import pypdfium2

WIDTH = 420  # pixels across a thumbnail: a letter page at about 50 dpi
SIZES = (WIDTH, 2 * WIDTH, 1275)  # the thumbnail, its 2x image (a 2x screen), the full-size view (150 dpi)
_LOCK = threading.Lock()


class Thumbnails:
    """The pages of one PDF as PNG images ``width`` pixels wide, each rendered on first use."""

    def __init__(self, data: bytes, pages: int, width: int = WIDTH) -> None:
        self.data, self.pages, self.width = data, pages, width
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
            self._made[number, width] = render(self.data, number, width)
        return self._made[number, width]


def render(data: bytes, number: int, width: int = WIDTH) -> bytes:
    """Page ``number`` (from 1) of the PDF ``data`` as a PNG ``width`` pixels wide."""
    with _LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            page = pdf[number - 1]
            try:
                image = page.render(scale=width / page.get_width()).to_pil()
            finally:
                page.close()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
