"""Export stage, stamping: set the patient's values, as render/stamp.py drew them on a stamp page,
into a template's slots (the ``/IvigSlotN BMC EMC`` markers in its content streams), with the fonts
they are drawn in added to the page's resources under names of their own. The template's structure
tree is untouched: each slot sits inside the marked-content sequence of its element, so the stamped
text is in the tree, in its place in the text."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

if TYPE_CHECKING:
    from ..render.stamp import Stamp

__all__ = ["Prepared", "Stamped", "Stamper", "fast_stamp", "prepare", "split", "stamp", "with_fonts"]

_SLOT = re.compile(rb"/IvigSlot(\d+) BMC\s+EMC")
_FONT = re.compile(rb"/([A-Za-z0-9+-]+)(\s+[-\d.]+\s+Tf)")
PREFIX = "IvStamp"  # stamped fonts' resource names: the stamp page's own names after it


@dataclass(frozen=True)
class Stamped:
    """A print-run member made from a template: the template PDF and the index of its values in the
    run's Stamp."""

    template: bytes
    page: int


class Stamper:
    """A Stamp's drawings made ready for one output PDF: their fonts renamed to the template's own
    faces (ASCII values) or to the stamp PDF's fonts, copied into the output once (others)."""

    def __init__(self, stamp: Stamp, out: Pdf) -> None:
        self.stamp, self.out = stamp, out
        self.src = pikepdf.open(BytesIO(stamp.pdf)) if stamp.pdf else None
        self.fonts: dict[str, pikepdf.Object] = {}  # the stamp PDF's fonts, copied into ``out``
        self.faces: dict[tuple[int, int], list[tuple[pikepdf.Object, dict[str, str]]]] = {}  # _first_subsets
        self.named: dict[int, dict[str, str]] = {}  # by id of a _first_subsets dict: a drawing's name -> the page's

    def close(self) -> None:
        if self.src is not None:
            self.src.close()

    def ops(self, page: int, template_fonts: pikepdf.Object) -> dict[int, bytes]:
        """The drawings of ``page``'s values, naming fonts as a page with ``template_fonts`` (its
        /Font resources, plus self.fonts when there is a stamp PDF) has them."""
        names = self._names(template_fonts)

        def rename(match: re.Match[bytes]) -> bytes:
            return b"/" + names(match.group(1).decode()).encode() + match.group(2)

        return {index: _FONT.sub(rename, drawn) for index, drawn in self.stamp.ops[page].items()}

    def _names(self, template_fonts: pikepdf.Object) -> Callable[[str], str]:
        """A drawing's font name -> the name on the page: a face's name -> the template's font of
        that face (first subset); a stamp page's font -> its copy in the output (PREFIX + name).
        Each name is looked up once per template /Font dictionary (a print run stamps row after row)."""
        by_face = self._first_subsets(template_fonts)  # (kept, so its id stays its own, if indirect)
        named = self.named.setdefault(id(by_face), {}) if template_fonts.is_indirect else {}

        def name_on_page(name: str) -> str:
            found = named.get(name)
            if found is None:
                found = named[name] = self._name_on_page(name, by_face)
            return found

        return name_on_page

    def _name_on_page(self, name: str, by_face: dict[str, str]) -> str:
        face = self.stamp.faces.get(name)
        if face is not None:
            if face not in by_face:
                raise LookupError(f"the template has no font {face} to stamp with")
            return by_face[face]
        if PREFIX + name not in self.fonts:
            fonts = self.src.pages[0].obj.Resources.Font if self.src is not None else Dictionary()
            self.fonts[PREFIX + name] = self.out.copy_foreign(fonts[Name("/" + name)])
        return PREFIX + name

    def _first_subsets(self, template_fonts: pikepdf.Object) -> dict[str, str]:
        """first_subsets of a template page's /Font, read once per dictionary (a print run stamps the
        same template's pages row after row)."""
        if not template_fonts.is_indirect:
            return first_subsets(template_fonts)
        kept = self.faces.setdefault(template_fonts.objgen, [])  # (templates from several PDFs: each checked)
        for fonts, by_face in kept:
            if fonts.is_same_object_as(template_fonts):
                return by_face
        kept.append((template_fonts, first_subsets(template_fonts)))
        return kept[-1][1]


def stamp(template: bytes, values: Stamp, page: int = 0) -> bytes:
    """``template`` with the values of ``values``'s page ``page`` set into its slots (LookupError
    when the template lacks a face the values are drawn in: a caller renders in full)."""
    with pikepdf.open(BytesIO(template)) as pdf:
        stamper = Stamper(values, pdf)
        try:
            for pg in pdf.pages:
                content = _content(pg.obj)
                if b"/IvigSlot" not in content:
                    continue
                ops = stamper.ops(page, pg.obj.Resources.get(Name.Font, Dictionary()))
                pg.obj.Contents = pdf.make_stream(_SLOT.sub(_filler(ops), content))
                if stamper.fonts:
                    pg.obj.Resources = pdf.make_indirect(with_fonts(pg.obj.get(Name.Resources, Dictionary()),
                                                                   stamper.fonts))
            out = BytesIO()
            pdf.save(out, deterministic_id=True, fix_metadata_version=False,
                     stream_decode_level=pikepdf.StreamDecodeLevel.none)  # the others as they were
            return out.getvalue()
        finally:
            stamper.close()


def split(page: pikepdf.Object) -> list[bytes | int] | None:
    """A template page's content cut at its slots: text, slot index, text ...; None without slots."""
    content = _content(page)
    if b"/IvigSlot" not in content:
        return None
    parts: list[bytes | int] = []
    at = 0
    for match in _SLOT.finditer(content):
        parts += [content[at:match.start()], int(match.group(1))]
        at = match.end()
    return [*parts, content[at:]]


def _filler(ops: dict[int, bytes]) -> Callable[[re.Match[bytes]], bytes]:
    def fill(match: re.Match[bytes]) -> bytes:
        index = int(match.group(1))
        if index not in ops:
            raise ValueError(f"the stamp page has nothing for slot {index}")
        return ops[index]

    return fill


def _content(page: pikepdf.Object) -> bytes:
    contents = page.get(Name.Contents)
    if contents is None:
        return b""
    if isinstance(contents, Array):
        return b"\n".join(part.read_bytes() for part in contents)
    return bytes(contents.read_bytes())


def with_fonts(resources: pikepdf.Object, fonts: dict[str, pikepdf.Object]) -> Dictionary:
    """A copy of ``resources`` with ``fonts`` added to its fonts (a dictionary of its own, so pages
    and documents that share the template's resources stay as they were)."""
    made = Dictionary(dict(resources.items()))
    made.Font = Dictionary(dict(resources.get(Name.Font, Dictionary()).items()))
    for name, obj in fonts.items():
        made.Font[Name("/" + name)] = obj
    return made


def first_subsets(fonts: pikepdf.Object) -> dict[str, str]:
    """A page's /Font resources -> {face (PostScript name): the name of its first subset's font},
    the font an ASCII value is set in."""
    return {str(font.get(Name.BaseFont, "")).split("+", 1)[-1]: str(key)[1:]
            for key, font in fonts.items() if str(key).endswith("+0")}


# -- stamping ASCII values without reopening the template --------------------------------------------

@dataclass(frozen=True)
class _Piece:
    """A template page's content stream, as fast_stamp replaces it: its object's number and byte span
    in the file, its content cut at the slots (split), its font names by face (first subsets), and
    its /Font dictionary (where values drawn in fonts of their own add theirs)."""

    number: int
    span: tuple[int, int]
    parts: tuple[bytes | int, ...]
    faces: tuple[tuple[str, str], ...]
    fonts: tuple[int, tuple[int, int]] | None  # the page's /Font dictionary's object and span, if indirect
    elements: tuple[tuple[int, int, tuple[int, int]], ...] = ()  # (slot index, its structure element, span)


@dataclass(frozen=True)
class Prepared:
    """A template read once for stamping many times: the pieces to replace and its cross-reference
    table (a classic one, as the tagging step writes it)."""

    data: bytes
    pieces: tuple[_Piece, ...]
    offsets: tuple[int, ...]  # each object's offset, by number (0: the free head)
    xref: int  # where the cross-reference table starts


_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf]) ?\r?\n")


def prepare(template: bytes) -> Prepared | None:
    """``template`` ready for fast_stamp, or None where its file is not as expected (a
    cross-reference stream, content in several streams): stamp() then handles it."""
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", template)
    if found is None:
        return None
    xref = int(found.group(1))
    header = re.match(rb"xref\s+0 (\d+)\s+", template[xref:])
    if header is None:
        return None
    count, at = int(header.group(1)), xref + header.end()
    offsets: list[int] = []
    for _ in range(count):
        entry = _XREF_ENTRY.match(template, at)
        if entry is None:
            return None
        if entry.group(3) == b"f" and offsets:  # a free object inside: not a file qpdf wrote
            return None
        offsets.append(int(entry.group(1)) if entry.group(3) == b"n" else 0)
        at = entry.end()
    ends = sorted({*offsets[1:], xref})
    pieces = []

    def span(number: int) -> tuple[int, int]:
        return offsets[number], ends[ends.index(offsets[number]) + 1]

    with pikepdf.open(BytesIO(template)) as pdf:
        marked = _marked(pdf)
        for page in pdf.pages:
            contents = page.obj.get(Name.Contents)
            parts = split(page.obj)
            if parts is None:
                continue
            if not isinstance(contents, pikepdf.Stream) or contents.objgen[1] != 0:
                return None
            number = contents.objgen[0]
            fonts = page.obj.Resources.get(Name.Font, Dictionary())
            faces = first_subsets(fonts)
            held = (fonts.objgen[0], span(fonts.objgen[0])) if fonts.is_indirect and fonts.objgen[1] == 0 else None
            elements = tuple((index, element, span(element)) for index, mcid in _slot_mcids(parts)
                             if (element := marked.get((page.obj.objgen[0], mcid))) is not None)
            pieces.append(_Piece(number, span(number), tuple(parts), tuple(faces.items()), held, elements))
    return Prepared(template, tuple(pieces), tuple(offsets), xref)


def fast_stamp(prepared: Prepared, values: Stamp, page: int = 0) -> bytes | None:
    """``stamp()`` without parsing the file again: each slot page's content stream replaced in place,
    the fonts values are drawn in that the template lacks (the stamp PDF's) added after its objects
    and to its pages' /Font dictionaries, and the cross-reference table moved to match (about 0.3 ms
    against 3 ms through pikepdf). None when it cannot (the caller stamps through pikepdf)."""
    import zlib

    added: dict[str, int] = {}  # a stamp PDF's font -> its number in the output
    objects: list[bytes] = []
    font_dicts: dict[int, tuple[tuple[int, int], set[str]]] = {}
    swaps: list[tuple[tuple[int, int], bytes]] = []
    tagged: set[int] = set()  # slots whose structure element now carries their value's language
    for piece in prepared.pieces:
        try:
            ops = _in_faces(values, page, dict(piece.faces), added)
        except KeyError:  # a face the template does not have
            return None
        content = zlib.compress(b"".join(ops[p] if isinstance(p, int) else p for p in piece.parts), 1)  # fast
        head = b"%d 0 obj\n<< /Filter /FlateDecode /Length %d >>\nstream\n" % (piece.number, len(content))
        swaps.append((piece.span, head + content + b"\nendstream\nendobj\n"))
        if added:
            if piece.fonts is None:
                return None
            font_dicts.setdefault(piece.fonts[0], (piece.fonts[1], set()))[1].update(added)
        for index, element, span in piece.elements:
            lang = values.langs[page].get(index) if values.langs else None
            if lang is not None:
                tagged.add(index)
                entry = b" /Lang (%s)" % lang.encode()
                swaps.append((span, _with_entry(prepared.data[span[0]:span[1]], element, entry)))
    if values.langs and not tagged.issuperset(values.langs[page]):
        return None  # a value's language with no structure element to carry it
    if added:
        numbers, objects = _copied(values.pdf, tuple(sorted(added)), len(prepared.offsets))
        added.update(numbers)
        for number, (span, names) in font_dicts.items():
            more = b"".join(b" /%s %d 0 R" % ((PREFIX + name).encode(), added[name]) for name in sorted(names))
            swaps.append((span, _with_entry(prepared.data[span[0]:span[1]], number, more)))
    return _rewritten(prepared, sorted(swaps), objects)


def _rewritten(prepared: Prepared, swaps: list[tuple[tuple[int, int], bytes]], objects: list[bytes]) -> bytes:
    """The template with ``swaps`` (a byte span, its new object) made and ``objects`` added after
    its own, numbered on from them; its cross-reference table and trailer to match."""
    data, out, at, shift = prepared.data, [], 0, []
    for span, made in swaps:
        out += [data[at:span[0]], made]
        shift.append((span[1], len(made) - (span[1] - span[0])))
        at = span[1]
    out.append(data[at:prepared.xref])
    body = b"".join(out)
    digest = hashlib.md5(b"".join(out[1::2]), usedforsecurity=False)  # (the objects added follow from them)
    extra, start = [], len(body)
    for obj in objects:
        extra.append(start)
        start += len(obj)
    return body + b"".join(objects) + _xref(prepared, shift, start, digest, extra)


def _in_faces(values: Stamp, page: int, faces: dict[str, str], added: dict[str, int]) -> dict[int, bytes]:
    """The drawings of ``page`` naming the template's fonts (``faces``: face -> font name), and the
    stamp PDF's fonts as PREFIX + their names (noted in ``added``)."""

    def rename(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode()
        face = values.faces.get(name)
        if face is None:
            if not values.pdf:
                raise KeyError(name)
            added.setdefault(name, 0)
            return b"/" + (PREFIX + name).encode() + match.group(2)
        return b"/" + faces[face].encode() + match.group(2)

    return {index: _FONT.sub(rename, drawn) for index, drawn in values.ops[page].items()}


def _with_entry(obj: bytes, number: int, entry: bytes) -> bytes:
    """A dictionary object's bytes with ``entry`` (keys and values) added at its start."""
    head = b"%d 0 obj\n<<" % number
    if not obj.startswith(head):
        raise KeyError(number)  # not as qpdf writes it
    return head + entry + obj[len(head):]


_MCID = re.compile(rb"/MCID (\d+)>> BDC\s*$")


def _slot_mcids(parts: list[bytes | int]) -> list[tuple[int, int]]:
    """(slot index, the MCID of the marked sequence it is in) for each slot of a split page."""
    found = []
    for before, index in itertools.pairwise(parts):
        if isinstance(index, int) and isinstance(before, bytes) and (mcid := _MCID.search(before)) is not None:
            found.append((index, int(mcid.group(1))))
    return found


def _marked(pdf: Pdf) -> dict[tuple[int, int], int]:
    """(page object number, MCID) -> the number of the structure element whose content it is."""
    found: dict[tuple[int, int], int] = {}
    root = pdf.Root.get(Name.StructTreeRoot)
    todo: list[tuple[pikepdf.Object, int | None]] = [(kid, None) for kid in _kids(root)] if root is not None else []
    while todo:
        element, page = todo.pop()
        if not isinstance(element, Dictionary) or not element.is_indirect:
            continue
        pg = element.get(Name.Pg)
        page = pg.objgen[0] if pg is not None else page
        for kid in _kids(element):
            mcid: object = kid  # (pikepdf gives an integer as an int)
            if isinstance(mcid, int):
                if page is not None:
                    found[page, mcid] = element.objgen[0]
            elif isinstance(kid, Dictionary) and Name.S not in kid and Name.MCID in kid:
                on = kid.get(Name.Pg)
                where = on.objgen[0] if on is not None else page
                if where is not None:
                    found[where, int(kid.MCID)] = element.objgen[0]
            else:
                todo.append((kid, page))
    return found


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get(Name.K)
    return [] if kids is None else list(kids) if isinstance(kids, Array) else [kids]


@dataclass(frozen=True)
class _Font:
    """A stamp PDF's font as objects to copy: its own number, and each object's number and bytes
    (dictionary, stream)."""

    number: int
    objects: tuple[tuple[int, bytes, bytes | None], ...]  # (number, dictionary, raw stream data or None)


_REF = re.compile(rb"(\d+) 0 R")


@lru_cache(maxsize=4)
def _fonts_of(pdf: bytes) -> dict[str, _Font]:
    """The fonts of a stamp PDF's first page (by resource name), each with the objects it reaches."""
    made: dict[str, _Font] = {}
    with pikepdf.open(BytesIO(pdf)) as src:
        for key, font in src.pages[0].obj.Resources.Font.items():
            seen: dict[int, tuple[int, bytes, bytes | None]] = {}
            todo = [font]
            while todo:
                obj = todo.pop()
                if obj.objgen[0] in seen:
                    continue
                is_stream = isinstance(obj, pikepdf.Stream)
                head = obj.stream_dict.unparse(resolved=True) if is_stream else obj.unparse(resolved=True)
                seen[obj.objgen[0]] = (obj.objgen[0], head, obj.read_raw_bytes() if is_stream else None)
                todo += [src.get_object(int(n), 0) for n in _REF.findall(head)]
            made[str(key)[1:]] = _Font(font.objgen[0], tuple(seen[n] for n in sorted(seen)))
    return made


@lru_cache(maxsize=64)
def _copied(pdf: bytes, names: tuple[str, ...], first: int) -> tuple[dict[str, int], list[bytes]]:
    """The objects of the stamp PDF's fonts ``names``, numbered from ``first``, their references
    renumbered; and each font's number. Kept: the same few fonts go into the same templates."""
    fonts = _fonts_of(pdf)
    numbers: dict[int, int] = {}
    for name in names:
        for number, _, _ in fonts[name].objects:
            numbers.setdefault(number, first + len(numbers))
    out: dict[int, bytes] = {}
    for name in names:
        for number, head, stream in fonts[name].objects:
            body = _REF.sub(lambda m: b"%d 0 R" % numbers[int(m.group(1))], head)
            if stream is not None:
                body = re.sub(rb"/Length \d+", b"/Length %d" % len(stream), body, count=1)
                body += b"\nstream\n" + stream + b"\nendstream"
            out[numbers[number]] = b"%d 0 obj\n%s\nendobj\n" % (numbers[number], body)
    return {name: numbers[fonts[name].number] for name in names}, [out[n] for n in sorted(out)]


def _xref(prepared: Prepared, shift: list[tuple[int, int]], start: int, stamped: hashlib._Hash,
          extra: list[int]) -> bytes:
    """The cross-reference table and trailer for the stamped body: offsets moved by what each
    replaced object added before them, the ``extra`` objects' offsets after, a new second /ID (the
    digest of the stamped objects), startxref."""
    lines = [b"xref\n0 %d\n" % (len(prepared.offsets) + len(extra)), b"0000000000 65535 f \n"]
    for offset in prepared.offsets[1:]:
        moved = offset + sum(delta for end, delta in shift if end <= offset)
        lines.append(b"%010d 00000 n \n" % moved)
    lines += [b"%010d 00000 n \n" % offset for offset in extra]
    data = prepared.data
    trailer_at = data.index(b"trailer", prepared.xref)
    trailer = data[trailer_at:data.index(b"startxref", trailer_at)]
    body = b"".join(lines)
    digest = stamped.hexdigest().encode()
    trailer = re.sub(rb"/ID \[<([0-9a-f]{32})><[0-9a-f]{32}>\]",
                     lambda m: b"/ID [<" + m.group(1) + b"><" + digest + b">]", trailer)
    if extra:
        trailer = re.sub(rb"/Size \d+", b"/Size %d" % (len(prepared.offsets) + len(extra)), trailer, count=1)
    return body + trailer + b"startxref\n%d\n%%%%EOF\n" % start
