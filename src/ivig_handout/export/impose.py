"""Export stage, imposition: place finished pages on print sheets (booklet, 2-up) and combine handouts
into print runs."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, Page, Pdf, Rectangle

if TYPE_CHECKING:
    from ..design.layouts import Layout

Side = tuple[int | None, int | None]

# Size tolerance (pt) when checking that all input pages share one size.
_SIZE_TOLERANCE = 0.01
# Standard landscape sheets (pt): Letter, Tabloid, A4, A3. A sheet of 2*w x h snaps up to one of
# these when at most _SNAP_TOLERANCE larger: A5 (148 mm) is 1 mm short of half A4 (297 mm).
_MM = 72 / 25.4
_SHEETS = ((792.0, 612.0), (1224.0, 792.0), (297 * _MM, 210 * _MM), (420 * _MM, 297 * _MM))
_SNAP_TOLERANCE = 4.0


def impose_for(layout: Layout, pages: bytes) -> bytes:
    """Place rendered pages on print sheets: booklet or 2-up, or unchanged for ``none``."""
    if layout.imposition == "none":
        return pages
    return impose_booklet(pages) if layout.imposition == "booklet" else impose_2up(pages)


def booklet_order(n_pages: int) -> list[Side]:
    """Sheet sides in print order for a saddle-stitched booklet of ``n_pages`` logical pages.

    Pages are padded with blanks (``None``) at the end to a multiple of 4. Side ``2k`` is the
    front and side ``2k + 1`` the back of sheet ``k`` (printed duplex, flip on short edge);
    each side is a ``(left, right)`` pair of 0-based page indices.
    """
    if n_pages < 1:
        raise ValueError(f"n_pages must be >= 1, got {n_pages}")
    padded = -(-n_pages // 4) * 4

    def page(i: int) -> int | None:
        return i if i < n_pages else None

    sides: list[Side] = []
    for k in range(padded // 4):
        sides.append((page(padded - 1 - 2 * k), page(2 * k)))  # front of sheet k
        sides.append((page(2 * k + 1), page(padded - 2 - 2 * k)))  # back of sheet k
    return sides


def impose_booklet(pdf: bytes) -> bytes:
    """Impose half-sheet pages as a saddle-stitch booklet on sheets twice as wide."""
    with pikepdf.open(BytesIO(pdf)) as src:
        out, forms, sheet = _start(src)
        for left, right in booklet_order(len(forms)):
            _add_sheet(out, [None if i is None else forms[i] for i in (left, right)], sheet)
        return _save(out)


def impose_2up(pdf: bytes) -> bytes:
    """Place every page twice side by side on a sheet twice as wide (print, then cut in half)."""
    with pikepdf.open(BytesIO(pdf)) as src:
        out, forms, sheet = _start(src)
        for form in forms:
            _add_sheet(out, [form, form], sheet)
        return _save(out)


def combine(pdfs: list[bytes], pad_to_even: bool = True) -> tuple[bytes, list[int]]:
    """Concatenate documents; return the PDF and each document's 0-based start page index.

    With ``pad_to_even``, a blank page the size of the document's last page follows every
    document with an odd page count, so each one starts on a front side in duplex printing.
    """
    if not pdfs:
        raise ValueError("combine() needs at least one PDF")
    out = pikepdf.new()
    sources: list[Pdf] = []  # must stay open until the result is saved
    starts: list[int] = []
    try:
        for data in pdfs:
            src = pikepdf.open(BytesIO(data))
            sources.append(src)
            if len(sources) == 1:
                _copy_document_info(src, out)
            starts.append(len(out.pages))
            out.pages.extend(src.pages)
            if pad_to_even and len(src.pages) % 2:
                last = out.pages[-1]
                blank = out.add_blank_page()
                blank.obj.MediaBox = Array([float(v) for v in last.mediabox])
                if Name.Rotate in last.obj:
                    blank.obj.Rotate = last.obj.Rotate
        return _save(out), starts
    finally:
        for src in sources:
            src.close()


def _start(src: Pdf) -> tuple[Pdf, list[pikepdf.Object], tuple[float, float]]:
    """New output Pdf with the source's info, its pages as Form XObjects, and the sheet size."""
    if not src.pages:
        raise ValueError("input PDF has no pages")
    sizes = [_page_size(p) for p in src.pages]
    w, h = sizes[0]
    if any(abs(sw - w) > _SIZE_TOLERANCE or abs(sh - h) > _SIZE_TOLERANCE for sw, sh in sizes):
        raise ValueError(f"all pages must have the same size; found {sorted(set(sizes))}")
    out = pikepdf.new()
    _copy_document_info(src, out)
    forms = [out.copy_foreign(p.as_form_xobject()) for p in src.pages]
    return out, forms, _sheet_size(w, h)


def _sheet_size(w: float, h: float) -> tuple[float, float]:
    """Sheet for two w x h pages side by side: 2*w x h, snapped up to a standard size if close."""

    def fits(sheet: float, need: float) -> bool:
        return -_SIZE_TOLERANCE <= sheet - need <= _SNAP_TOLERANCE

    return next(((sw, sh) for sw, sh in _SHEETS if fits(sw, 2 * w) and fits(sh, h)), (2 * w, h))


def _page_size(page: Page) -> tuple[float, float]:
    """Displayed (width, height) of a page's trim box, the box its Form XObject is clipped to."""
    box = Rectangle(page.trimbox)
    rotated = int(page.obj.get(Name.Rotate, 0)) % 180 == 90
    return (box.height, box.width) if rotated else (box.width, box.height)


def _add_sheet(out: Pdf, slots: list[pikepdf.Object | None], size: tuple[float, float]) -> None:
    """Append a sheet of ``size`` cut into equal columns, each form centred, unscaled, in its own."""
    sheet = out.add_blank_page(page_size=size)
    w, h = size[0] / len(slots), size[1]
    xobjects = Dictionary()
    content = []
    for i, form in enumerate(slots):
        if form is None:
            continue
        name = Name(f"/P{i}")  # fixed names: pikepdf's add_overlay picks random ones
        xobjects[name] = form
        rect = Rectangle(i * w, 0, (i + 1) * w, h)
        content.append(
            sheet.calc_form_xobject_placement(form, name, rect, allow_shrink=False, allow_expand=False)
        )
    sheet.obj.Resources = Dictionary(XObject=xobjects)
    sheet.obj.Contents = out.make_stream(b"".join(content))


def _copy_document_info(src: Pdf, out: Pdf) -> None:
    """Carry over the document information dictionary (Title, Author, ...) and /Lang."""
    if Name.Info in src.trailer:
        out.trailer.Info = out.copy_foreign(src.trailer.Info)
    if Name.Lang in src.Root:
        out.Root.Lang = pikepdf.String(str(src.Root.Lang))


def _save(out: Pdf) -> bytes:
    """Serialise deterministically: same input bytes give byte-identical output."""
    buf = BytesIO()
    out.save(
        buf,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        linearize=False,
    )
    return buf.getvalue()
