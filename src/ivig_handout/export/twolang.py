"""Export stage, two-language handouts: the rendered parts of one document in two languages (the
front language first) joined into one PDF for duplex printing. Each part starts on a front side (an
odd page): a blank page, with no content at all, is put after a part of an odd number of pages, unless
every part is one page (a one-pager: one language on each side of the sheet). The
structure tree is the parts' trees side by side, each under a ``Part`` element with its own ``/Lang``
(the document's ``/Lang`` is the front part's); the outline has an entry per part, holding that part's
own outline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pikepdf
from pikepdf import Pdf

from ..render.record import Annot, Element, Mark, Record
from .tagging import tag

__all__ = ["Part", "join"]


@dataclass(frozen=True)
class Part:
    """One language's rendering: its PDF as the renderer wrote it (untagged), what it marked, and the
    outline entry that leads to it (the language's own name for it)."""

    data: bytes
    tags: Record | None
    label: str


def join(parts: Sequence[Part], title: str) -> bytes:
    """``parts`` as one PDF, each starting on an odd page, tagged when every part was marked."""
    starts: list[int] = []
    sources = [pikepdf.open(BytesIO(part.data)) for part in parts]
    pad = any(len(src.pages) > 1 for src in sources)
    outlines: list[list[pikepdf.OutlineItem]] = []
    with Pdf.new() as out:
        for part, src in zip(parts, sources, strict=True):
            starts.append(len(out.pages))
            outlines.append(_outline(src, starts[-1]))
            with src:
                for page in src.pages:
                    out.pages.append(page)
                if pad and part is not parts[-1] and len(src.pages) % 2:
                    box = [float(v) for v in src.pages[-1].mediabox]
                    out.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
                if part is parts[0] and pikepdf.Name.Info in src.trailer:
                    out.trailer.Info = out.copy_foreign(src.trailer.Info)
        with out.open_outline() as outline:
            for part, at, items in zip(parts, starts, outlines, strict=True):
                entry = pikepdf.OutlineItem(part.label, at)
                entry.children.extend(items)
                outline.root.append(entry)
        out.docinfo[pikepdf.Name.Title] = pikepdf.String(title)
        buf = BytesIO()
        out.save(buf, deterministic_id=True)
        data = buf.getvalue()
    records = [part.tags for part in parts]
    if any(r is None for r in records):
        return data
    return tag(data, _joined([r for r in records if r is not None], starts, title))


def _outline(src: Pdf, start: int) -> list[pikepdf.OutlineItem]:
    """``src``'s outline, its destinations on pages ``start`` further on (direct /XYZ destinations, as
    the renderer writes them; another kind of entry leads to the part's first page)."""
    pages: dict[tuple[int, int], int] = {page.obj.objgen: number for number, page in enumerate(src.pages)}

    def item(old: pikepdf.OutlineItem) -> pikepdf.OutlineItem:
        dest = old.destination
        if isinstance(dest, pikepdf.Array) and len(dest) == 5 and dest[0].objgen in pages and dest[1] == "/XYZ":
            new = pikepdf.OutlineItem(old.title, start + pages[dest[0].objgen], "XYZ", left=_num(dest[2]),
                                      top=_num(dest[3]), zoom=_num(dest[4]))
        else:
            new = pikepdf.OutlineItem(old.title, start)
        new.children.extend(item(kid) for kid in old.children)
        return new

    with src.open_outline() as outline:
        return [item(old) for old in outline.root]


def _num(value: object) -> float | None:
    """A destination's number (None: null, "unchanged")."""
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def _joined(records: Sequence[Record], starts: Sequence[int], title: str) -> Record:
    """One structure: a Document of a Part per record (its language), its pages shifted to its start."""
    root = Element("Document")
    for record, start in zip(records, starts, strict=True):
        part = Element("Part", lang=record.lang)
        part.kids = [_shifted(kid, start) for kid in record.root.kids]
        root.kids.append(part)
    return Record(root, title, records[0].lang, records[0].link_alt)


def _shifted(kid: Element | Mark | Annot, by: int) -> Element | Mark | Annot:
    """A copy of ``kid`` whose marks and annotations are on pages ``by`` further on."""
    if isinstance(kid, Mark):
        return Mark(kid.page + by, kid.mcid)
    if isinstance(kid, Annot):
        return Annot(kid.page + by, kid.index, kid.url)
    return Element(kid.role, kid.alt, kid.scope, [_shifted(k, by) for k in kid.kids], kid.lang)
