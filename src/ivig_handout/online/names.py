"""Online stage, names: the site's file names, from the clinic's ``qr_url`` pattern (``{id}``), so the
address a handout's QR code prints is the page the site holds for it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ID = "{id}"
DEFAULT = "{id}.html"
INDEX = "index.html"
STYLESHEET = "site.css"
_SAFE = re.compile(r"[A-Za-z0-9._-]*")  # what a file name may hold around {id}


def page_pattern(qr_url: str | None) -> str:
    """The file name pattern of the site's pages: the last part of the QR address's path (``{id}``,
    ``ivig-{id}.html``), ``.html`` added when it has no extension (served as a clean address); the
    default ``{id}.html`` when there is no QR address or it cannot name a file (see problem())."""
    if not qr_url or problem(qr_url):
        return DEFAULT
    last = urlsplit(qr_url).path.rsplit("/", 1)[-1]
    return last if last.endswith((".html", ".htm")) else f"{last}.html"


def page_name(pattern: str, doc_id: str) -> str:
    """The page of ``doc_id`` under ``pattern``."""
    return pattern.replace(ID, doc_id)


def pdf_name(page: str, layout: str) -> str:
    """A PDF beside its page: the page's name without ``.html`` (or ``.htm``), then the layout."""
    stem = page.rsplit(".", 1)[0]
    return f"{stem}-{layout}.pdf"


def problem(qr_url: str) -> str:
    """Why the site's files cannot be the pages ``qr_url`` leads to (one line), or "" when they can."""
    parts = urlsplit(qr_url)
    if ID not in qr_url:
        return "it has no {id}, so every handout's QR code leads to the same address, not to its own page"
    if parts.query or parts.fragment:
        return "{id} or the rest of the address is in a query (?) or fragment (#); the site has one file per page"
    last = parts.path.rsplit("/", 1)[-1]
    if ID not in last or parts.path.count(ID) != 1 or ID in parts.netloc:
        return "{id} must be in the last part of the address (e.g. https://example.org/ivig/{id}.html)"
    around = last.replace(ID, "", 1)
    if not _SAFE.fullmatch(around):
        return f"'{last}' holds characters a file name should not (use letters, digits, '.', '-', '_')"
    extension = around.rsplit(".", 1)[-1].lower() if "." in around else ""
    if extension and not last.endswith((".html", ".htm")):
        return f"it ends in .{extension}; the site's pages are .html"
    return ""
