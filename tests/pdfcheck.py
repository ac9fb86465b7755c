"""Read finished PDFs back with pypdf: text, fonts, sizes, metadata, outline."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import pikepdf
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
    """(page number, effective size in pt, text) for every non-blank run of text drawn.

    Text inside Form XObjects (imposed booklet and 2-up sheets) is measured too, scaled by where
    the form is placed (the CTM at its ``Do`` and the form's /Matrix): pypdf on its own reads a
    form's text at the form's own scale.
    """
    out: list[tuple[int, float, str]] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for scale, text_only in _streams(pdf, page.obj, page.obj.get("/Resources"), 1.0):
                for size, text in _local_sizes(text_only):
                    out.append((number, size * scale, text))
    return out


Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _streams(pdf: pikepdf.Pdf, container: pikepdf.Object, resources: pikepdf.Object | None,
             scale: float) -> list[tuple[float, bytes]]:
    """This stream's own text (as a one-page PDF, forms left out) and every placed form's, with scales."""
    found: list[tuple[float, bytes]] = []
    kept = []
    ctm, stack = IDENTITY, []
    for operands, operator in pikepdf.parse_content_stream(container):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm":
            ctm = _matmul(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "Do" and resources is not None:
            xobj = resources.XObject[operands[0]]
            if xobj.get("/Subtype") == "/Form":
                m = _matmul(tuple(float(v) for v in xobj.get("/Matrix", IDENTITY)), ctm)  # type: ignore[arg-type]
                inner = xobj.get("/Resources", resources)
                found += _streams(pdf, xobj, inner, scale * math.sqrt(abs(m[0] * m[3] - m[1] * m[2])))
                continue
        kept.append(pikepdf.ContentStreamInstruction(operands, operator))
    if resources is not None and not resources.is_indirect:
        resources = pdf.make_indirect(resources)
    return [(scale, _one_page(kept, resources)), *found]


def _one_page(instructions: list, resources: pikepdf.Object | None) -> bytes:  # type: ignore[type-arg]
    tmp = pikepdf.new()
    page = tmp.add_blank_page()
    if resources is not None:
        page.obj.Resources = tmp.copy_foreign(resources)
    page.obj.Contents = tmp.make_stream(pikepdf.unparse_content_stream(instructions))
    buf = io.BytesIO()
    tmp.save(buf)
    return buf.getvalue()


def _local_sizes(data: bytes) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            a, b, c, d = _mult(tm, cm)
            out.append((size * math.sqrt(abs(a * d - b * c)), text))

    for page in reader(data).pages:
        page.extract_text(visitor_text=visit)
    return out


def _mult(m: list[float], n: list[float]) -> tuple[float, float, float, float]:
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3])


def _matmul(m: Matrix, n: Matrix) -> Matrix:
    """m x n for PDF matrices [a b c d e f] (row vectors: apply m, then n)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


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


COLOUR_OPERATORS = {"rg", "RG", "g", "G", "k", "K", "sc", "SC", "scn", "SCN", "cs", "CS"}


def colour_operators(data: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Every colour-setting operator with its operands, on pages and inside Form XObjects."""
    out: list[tuple[str, tuple[str, ...]]] = []

    def walk(container: pikepdf.Object, resources: pikepdf.Object | None, seen: set[tuple[int, int]]) -> None:
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op in COLOUR_OPERATORS:
                out.append((op, tuple(str(v) for v in operands)))
            elif op == "Do" and resources is not None:
                xobj = resources.XObject[operands[0]]
                if xobj.get("/Subtype") == "/Form" and xobj.objgen not in seen:
                    walk(xobj, xobj.get("/Resources", resources), seen | {xobj.objgen})

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            walk(page.obj, page.obj.get("/Resources"), set())
    return out


def placed_pages(data: bytes) -> list[list[tuple[float, str]]]:
    """For each sheet side of an imposed PDF: (x where a page was placed, that page's text), in order."""
    sides: list[list[tuple[float, str]]] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            placed: list[tuple[float, str]] = []
            ctm, stack = IDENTITY, []
            resources = pdf.make_indirect(page.obj.Resources)
            for operands, operator in pikepdf.parse_content_stream(page.obj):
                op = str(operator)
                if op == "q":
                    stack.append(ctm)
                elif op == "Q":
                    ctm = stack.pop()
                elif op == "cm":
                    ctm = _matmul(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
                elif op == "Do":
                    xobj = resources.XObject[operands[0]]
                    alone = pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Do"))
                    text = "".join(t.extract_text() for t in reader(_one_page([alone], resources)).pages)
                    placed.append((ctm[4] + float(xobj.get("/Matrix", IDENTITY)[4]), text))
            sides.append(placed)
    return sides
