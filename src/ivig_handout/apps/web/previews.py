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
_LOCK = threading.Lock()


class Thumbnails:
    """The pages of one PDF as PNG images ``width`` pixels wide, each rendered on first use."""

    def __init__(self, data: bytes, pages: int, width: int = WIDTH) -> None:
        self.data, self.pages, self.width = data, pages, width
        self._made: dict[int, bytes] = {}

    def png(self, number: int) -> bytes | None:
        """Page ``number`` (from 1) as a PNG, or None if there is no such page."""
        if not 1 <= number <= self.pages:
            return None
        if number not in self._made:
            self._made[number] = render(self.data, number, self.width)
        return self._made[number]


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
