"""Export stage, inspection: small facts about finished PDF bytes (page count), without a full parse."""

from __future__ import annotations

import re
from io import BytesIO

_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", re.S)


def page_count(data: bytes) -> int:
    """Number of pages, read from the page tree root (largest /Count of a /Pages node)."""
    counts = [int(m.group(1)) for m in _COUNT.finditer(data)]
    if counts:
        return max(counts)
    import pikepdf

    with pikepdf.open(BytesIO(data)) as pdf:
        return len(pdf.pages)


def pdf_facts(data: bytes) -> tuple[int, str] | None:
    """The page count (from the page tree, walked in full) and the /Title of PDF bytes; None when
    they do not open as a PDF."""
    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            title = pdf.docinfo.get("/Title")
            return len(pdf.pages), str(title) if title is not None else ""
    except (pikepdf.PdfError, ValueError, TypeError):
        return None
