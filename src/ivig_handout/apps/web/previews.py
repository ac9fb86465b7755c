"""Apps stage, web: page thumbnails of a PDF for the preview (PDFium through pypdfium2).

PDFium is not thread-safe: every render holds one lock, so the server's threads take turns.
"""

from __future__ import annotations

import io
import threading

import pypdfium2

WIDTH = 420  # pixels across a thumbnail: a letter page at about 50 dpi
_LOCK = threading.Lock()


def thumbnails(data: bytes, width: int = WIDTH) -> list[bytes]:
    """Each page of the PDF ``data`` as a PNG ``width`` pixels wide, in order."""
    with _LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            return [_png(pdf[i], width) for i in range(len(pdf))]
        finally:
            pdf.close()


def _png(page: pypdfium2.PdfPage, width: int) -> bytes:
    try:
        image = page.render(scale=width / page.get_width()).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()
    finally:
        page.close()
