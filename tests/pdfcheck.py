"""Read finished PDFs back with pypdf: text, fonts, sizes, metadata, outline."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import pypdf

BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def squash(text: str) -> str:
    """Whitespace collapsed, and no space after a hyphen that ended a line."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def body_text(data: bytes, footer_patterns: tuple[str, ...] = ()) -> str:
    """All pages' text, footer lines removed, squashed into one string."""
    out = []
    for text in page_texts(data):
        for pattern in footer_patterns:
            text = re.sub(pattern, " ", text)
        out.append(text)
    return squash(" ".join(out))


@dataclass(frozen=True)
class FontUse:
    name: str
    subtype: str
    embedded: bool


def fonts(data: bytes) -> set[FontUse]:
    """Every font resource on every page, including inside form XObjects."""
    found: set[FontUse] = set()
    for page in reader(data).pages:
        _collect(page.get("/Resources"), found, set())
    return found


def _collect(resources: object, found: set[FontUse], seen: set[int]) -> None:
    if resources is None:
        return
    resources = resources.get_object()  # type: ignore[attr-defined]
    if id(resources) in seen:
        return
    seen.add(id(resources))
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        found.add(FontUse(str(font.get("/BaseFont")), str(font.get("/Subtype")), _embedded(font)))
    for xobj in (resources.get("/XObject") or {}).values():
        xobj = xobj.get_object()
        if xobj.get("/Subtype") == "/Form":
            _collect(xobj.get("/Resources"), found, seen)


def _embedded(font: object) -> bool:
    font = font.get_object()  # type: ignore[attr-defined]
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    desc = font.get("/FontDescriptor")
    if desc is None:
        return False
    desc = desc.get_object()
    return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def glyph_sizes(data: bytes) -> list[tuple[int, float, str]]:
    """(page number, effective size in pt, text) for every non-blank run of text drawn."""
    out: list[tuple[int, float, str]] = []
    for number, page in enumerate(reader(data).pages, start=1):
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                a, b, c, d = _mult(tm, cm)
                out.append((number, size * math.sqrt(abs(a * d - b * c)), text))
        page.extract_text(visitor_text=visit)
    return out


def _mult(m: list[float], n: list[float]) -> tuple[float, float, float, float]:
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3])


def min_glyph_size(data: bytes) -> float:
    return min(size for _, size, _ in glyph_sizes(data))


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in reader(data).pages]


def outline_titles(data: bytes) -> list[str]:
    titles: list[str] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))

    walk(reader(data).outline)
    return titles


def catalog(data: bytes) -> dict:  # type: ignore[type-arg]
    r = reader(data)
    root = r.trailer["/Root"]
    prefs = root.get("/ViewerPreferences")
    return {
        "lang": str(root.get("/Lang", "")),
        "display_title": bool(prefs.get_object().get("/DisplayDocTitle")) if prefs else False,
        "info": {k: str(v) for k, v in (r.metadata or {}).items()},
    }
