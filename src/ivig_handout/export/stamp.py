"""Export stage, stamping: set the patient's values, as render/stamp.py drew them on a stamp page,
into a template's slots (the ``/IvigSlotN BMC EMC`` markers in its content streams), with the fonts
they are drawn in added to the page's resources under names of their own. The template's structure
tree is untouched: each slot sits inside the marked-content sequence of its element, so the stamped
text is in the tree, in its place in the text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
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
        that face (first subset); a stamp page's font -> its copy in the output (PREFIX + name)."""
        by_face = first_subsets(template_fonts)
        fonts = self.src.pages[0].obj.Resources.Font if self.src is not None else Dictionary()

        def name_on_page(name: str) -> str:
            face = self.stamp.faces.get(name)
            if face is not None:
                if face not in by_face:
                    raise LookupError(f"the template has no font {face} to stamp with")
                return by_face[face]
            if PREFIX + name not in self.fonts:
                self.fonts[PREFIX + name] = self.out.copy_foreign(fonts[Name("/" + name)])
            return PREFIX + name

        return name_on_page


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
    in the file, its content cut at the slots (split), and its font names by face (first subsets)."""

    number: int
    span: tuple[int, int]
    parts: tuple[bytes | int, ...]
    faces: tuple[tuple[str, str], ...]


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
    with pikepdf.open(BytesIO(template)) as pdf:
        for page in pdf.pages:
            contents = page.obj.get(Name.Contents)
            parts = split(page.obj)
            if parts is None:
                continue
            if not isinstance(contents, pikepdf.Stream) or contents.objgen[1] != 0:
                return None
            number = contents.objgen[0]
            start = offsets[number]
            faces = first_subsets(page.obj.Resources.get(Name.Font, Dictionary()))
            pieces.append(_Piece(number, (start, ends[ends.index(start) + 1]), tuple(parts), tuple(faces.items())))
    return Prepared(template, tuple(pieces), tuple(offsets), xref)


def fast_stamp(prepared: Prepared, values: Stamp, page: int = 0) -> bytes | None:
    """``stamp()`` for values drawn in the template's own faces (printable ASCII): each slot
    page's content stream replaced in place and the cross-reference table moved to match, without
    parsing the file again (about 0.3 ms, against 3 ms through pikepdf). None when it cannot."""
    import zlib

    data, out, at, shift = prepared.data, [], 0, []
    for piece in prepared.pieces:
        try:
            ops = _in_faces(values, page, dict(piece.faces))
        except KeyError:  # a face the template does not have
            return None
        content = zlib.compress(b"".join(ops[p] if isinstance(p, int) else p for p in piece.parts), 1)  # fast
        made = (b"%d 0 obj\n<< /Filter /FlateDecode /Length %d >>\nstream\n" % (piece.number, len(content))
                + content + b"\nendstream\nendobj\n")
        out += [data[at:piece.span[0]], made]
        shift.append((piece.span[1], len(made) - (piece.span[1] - piece.span[0])))
        at = piece.span[1]
    out.append(data[at:prepared.xref])
    body = b"".join(out)
    return body + _xref(prepared, shift, len(body), hashlib.md5(b"".join(out[1::2]), usedforsecurity=False))


def _in_faces(values: Stamp, page: int, faces: dict[str, str]) -> dict[int, bytes]:
    """The drawings of ``page`` naming the template's fonts (``faces``: face -> font name)."""

    def rename(match: re.Match[bytes]) -> bytes:
        return b"/" + faces[values.faces[match.group(1).decode()]].encode() + match.group(2)

    return {index: _FONT.sub(rename, drawn) for index, drawn in values.ops[page].items()}


def _xref(prepared: Prepared, shift: list[tuple[int, int]], start: int, stamped: hashlib._Hash) -> bytes:
    """The cross-reference table and trailer for the stamped body: offsets moved by what each
    replaced stream added before them, a new second /ID (the digest of the stamped streams), startxref."""
    lines = [b"xref\n0 %d\n" % len(prepared.offsets), b"0000000000 65535 f \n"]
    for offset in prepared.offsets[1:]:
        moved = offset + sum(delta for end, delta in shift if end <= offset)
        lines.append(b"%010d 00000 n \n" % moved)
    data = prepared.data
    trailer_at = data.index(b"trailer", prepared.xref)
    trailer = data[trailer_at:data.index(b"startxref", trailer_at)]
    body = b"".join(lines)
    digest = stamped.hexdigest().encode()
    trailer = re.sub(rb"/ID \[<([0-9a-f]{32})><[0-9a-f]{32}>\]",
                     lambda m: b"/ID [<" + m.group(1) + b"><" + digest + b">]", trailer)
    return body + trailer + b"startxref\n%d\n%%%%EOF\n" % start
