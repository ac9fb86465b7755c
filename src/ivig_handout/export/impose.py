"""Export stage, imposition: place finished pages on print sheets (booklet, 2-up) and combine handouts
into print runs."""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Matrix, Name, OutlineItem, Page, Pdf, Rectangle

from .stamp import Stamped, Stamper, split, with_fonts

if TYPE_CHECKING:
    from ..design.layouts import Layout
    from ..render.stamp import Stamp

Side = tuple[int | None, int | None]

# Size tolerance (pt) when checking that all input pages share one size.
_SIZE_TOLERANCE = 0.01
# Standard landscape sheets (pt): Letter, Tabloid, A4, A3. A sheet of 2*w x h snaps up to one of
# these when at most _SNAP_TOLERANCE larger: A5 (148 mm) is 1 mm short of half A4 (297 mm).
_MM = 72 / 25.4
_SHEETS = ((792.0, 612.0), (1224.0, 792.0), (297 * _MM, 210 * _MM), (420 * _MM, 297 * _MM))
_SNAP_TOLERANCE = 4.0
# The cut mark of a 2-up sheet: a short dashed grey line at the middle of its top and bottom edges,
# inside the pages' top (30 pt) and bottom (42 pt) margins, 34 pt or more from any text beside it.
CUT_MARK_LENGTH = 18.0
CUT_MARK_GREY = 0.5  # DeviceGray level (#808080)
CUT_MARK_WIDTH = 0.5
CUT_MARK_DASH = (3.0, 2.0)


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
    """Impose half-sheet pages as a saddle-stitch booklet on sheets twice as wide.

    The sheets keep the pages' title (shown as the window title) and bookmarks, each bookmark
    pointing at the sheet side and spot where its page was placed."""
    with pikepdf.open(BytesIO(pdf)) as src:
        out, forms, sheet = _start(src)
        placed: dict[int, _Spot] = {}
        for side, pair in enumerate(booklet_order(len(forms))):
            spots = _add_sheet(out, [None if i is None else forms[i] for i in pair], sheet)
            placed.update({i: (side, m) for i, m in zip(pair, spots, strict=True) if i is not None and m is not None})
        _write_outline(out, _read_outline(src), placed.get)
        return _save(out)


def impose_2up(pdf: bytes) -> bytes:
    """Place every page twice side by side on a sheet twice as wide (print, then cut in half).

    Each sheet carries a cut mark at its middle (see cut_mark); the bookmarks point at the left copy."""
    with pikepdf.open(BytesIO(pdf)) as src:
        out, forms, sheet = _start(src)
        placed: dict[int, _Spot] = {}
        for i, form in enumerate(forms):
            left, _right = _add_sheet(out, [form, form], sheet, extra=cut_mark(sheet))
            if left is not None:
                placed[i] = (i, left)
        _write_outline(out, _read_outline(src), placed.get)
        return _save(out)


def cut_mark(size: tuple[float, float]) -> bytes:
    """Content drawing the cut line of a sheet of ``size``: a short dashed grey line down from the
    middle of its top edge and up from the middle of its bottom edge, marked as a printer's-mark
    artifact (never read aloud)."""
    w, h = size
    x = w / 2
    dash = " ".join(_num(d) for d in CUT_MARK_DASH)
    return (
        f"/Artifact <</Type /Page /Subtype /Watermark>> BDC q {_num(CUT_MARK_GREY)} G {_num(CUT_MARK_WIDTH)} w "
        f"[{dash}] 0 d 0 J {_num(x)} {_num(h)} m {_num(x)} {_num(h - CUT_MARK_LENGTH)} l S "
        f"{_num(x)} 0 m {_num(x)} {_num(CUT_MARK_LENGTH)} l S Q EMC\n"
    ).encode("ascii")


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def run_title(layout: str, handouts: int) -> str:
    """A print run's title, naming the run (never a patient): "Print run: letter, 20 handouts"."""
    return f"Print run: {layout}, {handouts} handout{'' if handouts == 1 else 's'}"


def combine(pdfs: Sequence[bytes | Stamped], pad_to_even: bool = True, stamp: Stamp | None = None,
            title: str | None = None, into: BinaryIO | None = None) -> tuple[bytes, list[int]]:
    """Concatenate documents; return the PDF and each document's 0-based start page index.

    A ``Stamped`` member is its template with the values of its page of ``stamp`` set into the
    slots: its pages share the template's content and resources, and only the stamped values are
    streams of its own (export/stamp.py).

    With ``pad_to_even``, a blank page the size of the document's last page follows every
    document with an odd page count, so each one starts on a front side in duplex printing.

    Objects are shared, not embedded again: each distinct input is copied once, a further copy of
    it adds new page dictionaries pointing at the same content streams and resources, and identical
    streams of different inputs (a font file, an image) are kept once. A print run is not tagged:
    the inputs' structure trees are dropped, with every reference into them (/StructParents,
    /StructParent).

    ``title`` (a print run's, run_title): the output's title, shown as the viewer's window title,
    instead of its first document's. ``into``: the PDF is written there as it is saved (a print run
    streamed to disk, never held whole in memory), and the bytes returned are empty.
    """
    if not pdfs:
        raise ValueError("combine() needs at least one PDF")
    out = pikepdf.new()
    run = _Run(out, Stamper(stamp, out) if stamp is not None else None)
    starts: list[int] = []
    marks: list[_Mark] = []
    copies, seen = Counter(pdfs), Counter[bytes | Stamped]()
    try:
        for number, data in enumerate(pdfs, 1):
            start = len(run.order)
            source = run.add(data)
            starts.append(start)
            seen[data] += 1
            run.uses[id(source)] = first = run.uses.get(id(source), 0) + 1
            marks.append(_document_mark(source, number, (seen[data], copies[data]), start, first == 1))
            if pad_to_even and len(source.pages) % 2:
                run.pad(source.pages[-1])
        run.finish()
        _write_outline(out, marks, lambda page: (page, Matrix()), run.order)
        if title is not None:
            _set_title(out, title)
        return _save(out, into), starts
    finally:
        run.close()


class _Run:
    """A print run being combined: its pages in order, the distinct inputs copied so far, the streams
    they share, the padding pages, and the stamper of its stamped members.

    Only an input's first copy (and the first blank page of a size) joins the page tree as it is made;
    every further page is kept in ``order`` and the tree is set from it once, at the end: appending a
    page through pikepdf searches the pages already there, which made a 10,000-row roster quadratic."""

    def __init__(self, out: Pdf, stamper: Stamper | None) -> None:
        self.out, self.stamper = out, stamper
        self.order: list[pikepdf.Object] = []  # every page of the output, in order
        self.opened: dict[bytes, _Source] = {}  # each distinct input, once
        self.stamped: dict[Stamped, list[pikepdf.Object]] = {}  # a stamped member's first copy
        self.held: list[Pdf] = []  # the sources must stay open until the result is saved
        self.streams: dict[bytes, pikepdf.Object] = {}
        self.blanks: dict[tuple[tuple[float, ...], int], pikepdf.Object] = {}  # by size and rotation
        self.sizes: dict[tuple[int, int], tuple[tuple[float, ...], int]] = {}  # a page's size and rotation
        self.uses: dict[int, int] = {}  # copies of each source so far, by id

    def add(self, member: bytes | Stamped) -> _Source:
        """Append a copy of ``member``'s pages: the first copy of an input copies it, a further one
        adds page dictionaries drawing the same content; a stamped member's values set into its
        template's copy (a further copy of the same member draws the same stamped streams)."""
        if not isinstance(member, Stamped):
            return self._add(member)[0]
        if member in self.stamped:
            self.order += [_clone_page(self.out, page) for page in self.stamped[member]]
            return self.opened[member.template]
        if self.stamper is None:
            raise ValueError("combine() was given a stamped member without its stamp")
        source, pages = self._add(member.template)
        _stamp_pages(self.out, source, pages, self.stamper, member.page)
        self.stamped[member] = pages
        return source

    def _add(self, data: bytes) -> tuple[_Source, list[pikepdf.Object]]:
        out = self.out
        source = self.opened.get(data)
        if source is not None:
            clones = [_clone_page(out, page) for page in source.pages]
            self.order += clones
            return source, clones
        start = len(out.pages)  # the tree holds first copies only: short
        src = pikepdf.open(BytesIO(data))
        self.held.append(src)
        if not self.opened:
            _copy_document_info(src, out)
        out.pages.extend(src.pages)
        pages: list[pikepdf.Object] = [out.pages[i].obj for i in range(start, len(out.pages))]
        for page in pages:
            _share_page(out, page, self.streams)
        info = src.trailer.get(Name.Info)
        title = str(info.get(Name.Title, "")) if info is not None else ""
        source = self.opened[data] = _Source(pages, title, tuple(_read_outline(src)), [split(pg) for pg in pages],
                                             [_form_parts(pg) for pg in pages])
        self.order += pages
        return source, pages

    def pad(self, last: pikepdf.Object) -> None:
        """A blank page the size (and rotation) of ``last`` (the page it follows, or the page of the
        input it is a copy of)."""
        out = self.out
        size = self.sizes.get(last.objgen) if last.is_indirect else None
        if size is None:
            size = (tuple(float(v) for v in last.MediaBox), int(last.get(Name.Rotate, 0)))
            if last.is_indirect:
                self.sizes[last.objgen] = size  # (a template's last page, row after row)
        box, rotate = size
        first_blank = self.blanks.get((box, rotate))
        if first_blank is None:
            blank = self.blanks[(box, rotate)] = out.add_blank_page().obj
            blank.MediaBox = Array(box)
            if Name.Rotate in last:
                blank.Rotate = rotate
            self.order.append(blank)
        else:
            self.order.append(_clone_page(out, first_blank))

    def finish(self) -> None:
        """The page tree: every page, in order, under the root."""
        root = self.out.Root.Pages
        for page in self.order:
            page.Parent = root
        root.Kids = Array(self.order)
        root.Count = len(self.order)

    def close(self) -> None:
        for src in self.held:
            src.close()
        if self.stamper is not None:
            self.stamper.close()


@dataclass
class _Source:
    """A distinct input of a print run: its pages as first copied into the output (the objects every
    further copy points at), its title and its bookmarks; for a template, each page's content cut at
    its slots (None: no slot on it) and, once made, the streams and resources its stamped copies share."""

    pages: list[pikepdf.Object]
    title: str
    outline: tuple[_Mark, ...]
    parts: list[list[bytes | int] | None] = field(default_factory=list)
    forms: list[_Forms | None] = field(default_factory=list)  # an imposed sheet's placed pages with slots
    shared: dict[tuple[int, int], pikepdf.Object] = field(default_factory=dict)
    resources: dict[int, pikepdf.Object] = field(default_factory=dict)
    fonts: dict[int, pikepdf.Object] = field(default_factory=dict)  # each page's /Font, once read
    added: dict[int, set[str]] = field(default_factory=dict)  # fonts added to ``resources`` so far


def _stamp_pages(out: Pdf, source: _Source, pages: Sequence[pikepdf.Object], stamper: Stamper, index: int) -> None:
    """Set the values of stamp page ``index`` into ``pages`` (a copy of ``source``): a page with slots
    draws the template's content (shared) with the stamped values (its own) between."""
    for number, (page, parts) in enumerate(zip(pages, source.parts, strict=True)):
        forms = source.forms[number] if source.forms else None
        if forms is not None:
            _stamp_forms(out, source, page, forms, stamper, index)
        if parts is None:
            continue
        if number not in source.fonts:  # (read once: pikepdf's lookups cost microseconds a row)
            source.fonts[number] = source.pages[number].Resources.get(Name.Font, Dictionary())
        ops = stamper.ops(index, source.fonts[number])
        contents = Array()
        for at, part in enumerate(parts):
            if isinstance(part, int):
                contents.append(out.make_stream(ops[part]))
            else:
                if (number, at) not in source.shared:
                    source.shared[number, at] = out.make_stream(part)
                contents.append(source.shared[number, at])
        page.Contents = contents
        if stamper.fonts:
            page.Resources = _with_fonts(out, source, number, stamper.fonts)


@dataclass(frozen=True)
class _Forms:
    """An imposed sheet of a template as first copied: its resources, and the Form XObjects on it (the
    placed pages) that hold slots, each with its content cut at them (split), by name."""

    resources: pikepdf.Object
    slotted: dict[str, tuple[pikepdf.Object, list[bytes | int]]]


def _form_parts(page: pikepdf.Object) -> _Forms | None:
    """``page``'s placed pages with slots (an imposed template's sheet); None when it has none."""
    resources = page.get(Name.Resources, Dictionary())
    found: dict[str, tuple[pikepdf.Object, list[bytes | int]]] = {}
    for name, form in resources.get(Name.XObject, Dictionary()).items():
        if isinstance(form, pikepdf.Stream) and form.get(Name.Subtype) == Name.Form:
            parts = split(Dictionary(Contents=form))  # its content, as a page's
            if parts is not None:
                found[str(name)] = (form, parts)
    return _Forms(resources, found) if found else None


def _stamp_forms(out: Pdf, source: _Source, page: pikepdf.Object, forms: _Forms, stamper: Stamper,
                 index: int) -> None:
    """Set the values of stamp page ``index`` into the placed pages of an imposed sheet (``page``, a
    copy of one of ``source``'s): each slotted Form XObject becomes one of this copy's own (the page it
    draws, with the values between), the sheet's resources a dictionary of its own naming them; a form
    placed twice (2-up) is stamped once."""
    made: dict[tuple[int, int], pikepdf.Object] = {}
    mine = Dictionary(dict(forms.resources.XObject.items()))
    for name, (form, parts) in forms.slotted.items():
        if form.objgen not in made:
            resources = form.get(Name.Resources, Dictionary())
            ops = stamper.ops(index, resources.get(Name.Font, Dictionary()))
            content = b"".join(ops[part] if isinstance(part, int) else part for part in parts)
            described = {k: v for k, v in form.stream_dict.items() if k not in ("/Length", "/Filter", "/DecodeParms")}
            if stamper.fonts:
                described["/Resources"] = _form_fonts(out, source, form, stamper.fonts)
            made[form.objgen] = out.make_stream(content, Dictionary(described))
        mine[Name(name)] = made[form.objgen]
    own = Dictionary(dict(forms.resources.items()))
    own.XObject = mine
    page.Resources = out.make_indirect(own)


def _form_fonts(out: Pdf, source: _Source, form: pikepdf.Object, fonts: dict[str, pikepdf.Object]) -> pikepdf.Object:
    """A placed page's resources with the stamp's fonts added (one dictionary for every stamped copy)."""
    key = -1 - form.objgen[0]  # beside the pages' own numbers in source.resources
    if key not in source.resources:
        source.resources[key] = out.make_indirect(with_fonts(form.get(Name.Resources, Dictionary()), {}))
    held = source.resources[key]
    for name, font in fonts.items():
        if Name("/" + name) not in held.Font:
            held.Font[Name("/" + name)] = font
    return held


def _with_fonts(out: Pdf, source: _Source, number: int, fonts: dict[str, pikepdf.Object]) -> pikepdf.Object:
    """The resources of the template's page ``number`` with the stamp's fonts added (one dictionary
    for every stamped copy of it)."""
    if number not in source.resources:
        source.resources[number] = out.make_indirect(with_fonts(source.pages[number].Resources, {}))
    made = source.resources[number]
    added = source.added.setdefault(number, set())
    if len(added) < len(fonts):  # (the stamp's fonts only grow; each added once)
        for name, font in fonts.items():
            if name not in added and Name("/" + name) not in made.Font:
                made.Font[Name("/" + name)] = font
            added.add(name)
    return made


# Keys that tie a page, an annotation or an XObject to a structure tree (dropped: a print run is untagged).
_STRUCT_KEYS = (Name.StructParents, Name.StructParent)


def _share_page(out: Pdf, page: pikepdf.Object, streams: dict[bytes, pikepdf.Object]) -> None:
    """Prepare a page just copied into ``out`` for sharing: its resources become one indirect object
    (further copies point at it), its references into the dropped structure tree go, and its font
    files and images are replaced by an identical stream already in the output, if there is one."""
    for key in (*_STRUCT_KEYS, Name.Tabs):  # /Tabs /S: tab order by the structure tree
        if key in page:
            del page[key]
    if page.get(Name.Trans) == Dictionary():  # an empty transition: the default
        del page[Name.Trans]
    for annot in page.get(Name.Annots, Array()):
        for key in _STRUCT_KEYS:
            if key in annot:
                del annot[key]
    if Name.Resources in page:
        if not page.Resources.is_indirect:
            page.Resources = out.make_indirect(page.Resources)
        _share_resources(page.Resources, streams, set())


def _share_resources(resources: pikepdf.Object, streams: dict[bytes, pikepdf.Object],
                     done: set[tuple[int, int]]) -> None:
    """Deduplicate the font files (/FontFile, /FontFile2, /FontFile3, /ToUnicode) and image XObjects
    under ``resources`` (and the resources of its Form XObjects) against ``streams``."""
    if resources.is_indirect:
        if resources.objgen in done:
            return
        done.add(resources.objgen)
    for font in resources.get(Name.Font, Dictionary()).values():
        for face in [font, *font.get(Name.DescendantFonts, Array())]:
            _share_entry(face, Name.ToUnicode, streams)
            descriptor = face.get(Name.FontDescriptor)
            if descriptor is not None:
                for key in (Name.FontFile, Name.FontFile2, Name.FontFile3):
                    _share_entry(descriptor, key, streams)
    xobjects = resources.get(Name.XObject, Dictionary())
    for name in list(xobjects.keys()):
        xobject = xobjects[name]
        for struct in _STRUCT_KEYS:
            if struct in xobject:
                del xobject[struct]
        if xobject.get(Name.Subtype) == Name.Image:
            _share_entry(xobject, Name.SMask, streams)  # first: the image's key names its mask
            _share_entry(xobjects, Name(name), streams)
        elif Name.Resources in xobject:
            _share_resources(xobject.Resources, streams, done)


def _share_entry(holder: pikepdf.Object, key: Name, streams: dict[bytes, pikepdf.Object]) -> None:
    """Point ``holder[key]`` at the first stream of identical bytes and dictionary in the output."""
    stream = holder.get(key)
    if not isinstance(stream, pikepdf.Stream) or not stream.is_indirect:
        return
    described = Dictionary({k: v for k, v in stream.stream_dict.items() if k != Name.Length})
    digest = hashlib.sha256(described.unparse() + b"\0" + stream.read_raw_bytes()).digest()
    first = streams.setdefault(digest, stream)
    if first.objgen != stream.objgen:
        holder[key] = first


def _clone_page(out: Pdf, page: pikepdf.Object) -> pikepdf.Object:
    """A new page dictionary drawing what ``page`` draws: the same content streams and resources
    (referenced, not copied); its own annotations (an annotation belongs to one page), sharing their
    actions."""
    made = out.make_indirect(copy.copy(page))  # a shallow copy: the same values (one call, not one a key)
    if Name.Parent in made:
        del made[Name.Parent]
    if Name.Annots in page:
        annots = Array()
        for annot in page.Annots:
            own = copy.copy(annot)
            if Name.P in annot:
                own[Name.P] = made
            annots.append(out.make_indirect(own))
        made.Annots = annots
    return made


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


def _add_sheet(out: Pdf, slots: list[pikepdf.Object | None], size: tuple[float, float],
               extra: bytes = b"") -> list[Matrix | None]:
    """Append a sheet of ``size`` cut into equal columns, each form centred, unscaled, in its own;
    ``extra`` content is drawn over them. Returns, per slot, the matrix taking the placed page's
    coordinates to the sheet's (None for an empty slot)."""
    sheet = out.add_blank_page(page_size=size)
    w, h = size[0] / len(slots), size[1]
    xobjects = Dictionary()
    content = []
    spots: list[Matrix | None] = []
    for i, form in enumerate(slots):
        if form is None:
            spots.append(None)
            continue
        name = Name(f"/P{i}")  # fixed names: pikepdf's add_overlay picks random ones
        xobjects[name] = form
        rect = Rectangle(i * w, 0, (i + 1) * w, h)
        placement = sheet.calc_form_xobject_placement(form, name, rect, allow_shrink=False, allow_expand=False)
        content.append(placement)
        spots.append(_form_matrix(form) @ _cm(placement))
    sheet.obj.Resources = Dictionary(XObject=xobjects)
    sheet.obj.Contents = out.make_stream(b"".join(content) + extra)
    return spots


def _form_matrix(form: pikepdf.Object) -> Matrix:
    values = form.get(Name.Matrix)
    return Matrix(*(float(v) for v in values)) if values is not None else Matrix()


def _cm(placement: bytes) -> Matrix:
    """The matrix of the ``cm`` operator in a form placement (``q a b c d e f cm /Name Do Q``)."""
    found = re.search(rb"((?:[-+]?[\d.]+\s+){6})cm", placement)
    return Matrix(*(float(v) for v in found.group(1).split())) if found else Matrix()


# Where a page landed: (index of the output page, matrix from the page's coordinates to that page's).
_Spot = tuple[int, Matrix]


@dataclass(frozen=True)
class _Mark:
    """One bookmark read from a source: its title, the source page it points at (0-based; None when
    it points nowhere this module can follow), the /XYZ view's left, top and zoom, whether it is
    shown closed, and its children."""

    title: str
    page: int | None
    view: tuple[float | None, float | None, float | None] | None
    closed: bool
    children: tuple[_Mark, ...]


def _read_outline(src: Pdf) -> list[_Mark]:
    """The source's bookmarks (explicit destinations and GoTo actions), in order."""
    if Name.Outlines not in src.Root:
        return []
    pages = {page.obj.objgen: i for i, page in enumerate(src.pages)}

    def mark(item: OutlineItem) -> _Mark:
        dest: object = item.destination
        if dest is None and item.action is not None and item.action.get(Name.S) == Name.GoTo:
            dest = item.action.get(Name.D)
        page, view = None, None
        if isinstance(dest, Array) and len(dest) and isinstance(dest[0], Dictionary):
            page = pages.get(dest[0].objgen)
            if len(dest) == 5 and dest[1] == Name.XYZ:
                view = (_plain(dest[2]), _plain(dest[3]), _plain(dest[4]))
        return _Mark(str(item.title), page, view, bool(item.is_closed), tuple(mark(c) for c in item.children))

    outline = src.open_outline()
    return [mark(item) for item in outline.root]


def _plain(value: object) -> float | None:
    """A destination's number, or None for its null (keep the viewer's current value)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _document_mark(source: _Source, number: int, copy: tuple[int, int], start: int, first: bool) -> _Mark:
    """A print run's bookmark for one handout copy: its title (and which copy, when there are several)
    pointing at its first page; under the ``first`` copy of a document (or of a template, among a
    roster's stamped handouts), the handout's own bookmarks (repeating them under every copy would
    add a third of a 16-copy print run's bytes, and the copies are the same but for the name)."""
    title = source.title or f"Document {number}"
    if copy[1] > 1:
        title += f" (copy {copy[0]} of {copy[1]})"

    def shift(m: _Mark) -> _Mark:
        page = None if m.page is None else m.page + start
        return _Mark(m.title, page, m.view, m.closed, tuple(shift(c) for c in m.children))

    children = tuple(shift(m) for m in source.outline) if first else ()
    return _Mark(title, start, None, True, children)


def _write_outline(out: Pdf, marks: list[_Mark], place: Callable[[int], _Spot | None],
                   pages: Sequence[pikepdf.Object] | None = None) -> None:
    """Write ``marks`` as the output's bookmarks, each page found through ``place``: the outline
    dictionaries written directly (pikepdf's outline model takes about 1 ms a bookmark, which a
    roster's print run of 1,000 handouts cannot spend)."""
    if not marks:
        return
    root = out.make_indirect(Dictionary(Type=Name.Outlines))
    if pages is None:
        pages = [page.obj for page in out.pages]  # out.pages[i] costs about 0.1 ms

    def dest(m: _Mark) -> Array | None:
        return _destination(pages, m, place)

    count = _outline_level(out, root, marks, dest)
    root.Count = count
    out.Root.Outlines = root
    out.Root.PageMode = Name.UseOutlines


def _outline_level(out: Pdf, parent: pikepdf.Object, marks: Sequence[_Mark],
                   dest: Callable[[_Mark], Array | None]) -> int:
    """``marks`` as the children of ``parent``; the number of them a reader shows open."""
    items = [out.make_indirect(Dictionary(Title=pikepdf.String(m.title), Parent=parent)) for m in marks]
    shown = len(items)
    for i, (m, item) in enumerate(zip(marks, items, strict=True)):
        if i:
            item.Prev = items[i - 1]
        if i + 1 < len(items):
            item.Next = items[i + 1]
        where = dest(m)
        if where is not None:
            item.Dest = where
        if m.children:
            below = _outline_level(out, item, m.children, dest)
            item.Count = -below if m.closed else below
            shown += 0 if m.closed else below
    parent.First, parent.Last = items[0], items[-1]
    return shown


def _destination(pages: Sequence[pikepdf.Object], m: _Mark, place: Callable[[int], _Spot | None]) -> Array | None:
    spot = None if m.page is None else place(m.page)
    if spot is None:
        return None
    target = pages[spot[0]]
    if m.view is None:
        return Array([target, Name.Fit])
    left, top, zoom = m.view
    x, y = spot[1].transform((left or 0.0, top or 0.0))
    return Array([target, Name.XYZ, None if left is None else round(x, 2), None if top is None else round(y, 2), zoom])


def _copy_document_info(src: Pdf, out: Pdf) -> None:
    """Carry over the document information dictionary (Title, Author, ...) and /Lang, and show the
    title (not the file name) in the viewer's window, as the source does."""
    if Name.Info in src.trailer:
        out.trailer.Info = out.copy_foreign(src.trailer.Info)
    if Name.Lang in src.Root:
        out.Root.Lang = pikepdf.String(str(src.Root.Lang))
    if Name.Title in out.trailer.get(Name.Info, Dictionary()):
        out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def _set_title(out: Pdf, title: str) -> None:
    """``title`` as the document's title (its information dictionary), shown in the viewer's window."""
    out.docinfo[Name.Title] = pikepdf.String(title)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def _save(out: Pdf, into: BinaryIO | None = None) -> bytes:
    """Serialise deterministically: same input bytes give byte-identical output (written ``into`` a
    file as it goes, if given: then the bytes returned are empty)."""
    buf = BytesIO()
    out.save(
        buf if into is None else into,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        linearize=False,
    )
    return buf.getvalue()
