"""Export stage, tagging: write the structure the renderer recorded (render/record.py) into its PDF,
so it is a tagged PDF that claims PDF/UA-1: StructTreeRoot with the elements in reading order, the
ParentTree (and StructParents on each page and link annotation), MarkInfo, XMP metadata with
``pdfuaid:part`` 1 and ``dc:title``, Lang, and DisplayDocTitle. The renderer records, this writes:
only render/ imports ReportLab, only export/ imports pikepdf."""

from __future__ import annotations

from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String

from ..render.record import Annot, Element, Mark, Record

__all__ = ["PDF_VERSION", "tag"]

PDF_VERSION = "1.7"  # PDF/UA-1 (ISO 14289-1) builds on PDF 1.7 (ISO 32000-1): the header says so


def tag(data: bytes, record: Record) -> bytes:
    """``data`` (as the renderer wrote it) with ``record``'s structure tree and the PDF/UA-1 claim."""
    with pikepdf.open(BytesIO(data)) as pdf:
        _write(pdf, record)
        out = BytesIO()
        pdf.save(out, deterministic_id=True, fix_metadata_version=False, min_version=PDF_VERSION,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)  # streams as ReportLab compressed them
        return out.getvalue()


def escape(text: str) -> str:
    """``text`` as XML character data: ``&``, ``<`` and ``>`` escaped, as xml.sax.saxutils.escape does
    (that module imports urllib.request, http.client and ssl: about 9 ms in each process that tags)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _attributes(d: pikepdf.Object, el: Element) -> None:
    """An element's alternative text, table header scope and language (a name in another script)."""
    if el.alt is not None:
        d.Alt = String(el.alt)
    if el.scope is not None:
        d.A = Dictionary(O=Name.Table, Scope=Name("/" + el.scope))
    if el.lang is not None:
        d.Lang = String(el.lang)


_STRUCT_ELEM, _MCR, _OBJR = Name.StructElem, Name.MCR, Name.OBJR
_ROLES: dict[str, Name] = {}


def _role(role: str) -> Name:
    """The structure type ``/role`` (one Name object per role: made once, not per element)."""
    name = _ROLES.get(role)
    if name is None:
        name = _ROLES[role] = Name("/" + role)
    return name


def _write(pdf: Pdf, record: Record) -> None:
    pages = [page.obj for page in pdf.pages]
    marks: dict[int, dict[int, pikepdf.Object]] = {}  # page -> MCID -> element
    links: list[tuple[pikepdf.Object, pikepdf.Object]] = []  # (element, annotation)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))

    def element(el: Element, parent: pikepdf.Object) -> pikepdf.Object:
        first = next((k.page for k in el.kids if isinstance(k, Mark)), None)
        made = Dictionary(Type=_STRUCT_ELEM, S=_role(el.role), P=parent)
        if first is not None:
            made.Pg = pages[first]
        d = pdf.make_indirect(made)
        kids: list[pikepdf.Object | int] = []
        for kid in el.kids:
            if isinstance(kid, Mark):
                marks.setdefault(kid.page, {})[kid.mcid] = d
                kids.append(kid.mcid if kid.page == first else
                            Dictionary(Type=_MCR, Pg=pages[kid.page], MCID=kid.mcid))
            elif isinstance(kid, Annot):
                annot = pages[kid.page].Annots[kid.index]
                if "/Contents" not in annot:
                    annot.Contents = String(kid.url or record.link_alt)
                links.append((d, annot))
                kids.append(Dictionary(Type=_OBJR, Pg=pages[kid.page], Obj=annot))
            elif kid.marked():
                kids.append(element(kid, d))
        d.K = kids[0] if len(kids) == 1 else Array(kids)  # one kid: the kid itself (as most writers do)
        _attributes(d, el)
        return d

    document = element(record.root, root)
    root.K = Array([document])
    nums = Array()
    for number, page in enumerate(pages):
        page.Tabs = Name.S
        if number in marks:
            page.StructParents = number
            by_mcid = marks[number]
            nums.append(number)
            nums.append(Array([by_mcid[m] for m in range(len(by_mcid))]))
    for key, (el, annot) in enumerate(links, start=len(pages)):
        annot.StructParent = key
        nums.append(key)
        nums.append(el)
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(pages) + len(links)
    catalog = pdf.Root
    catalog.StructTreeRoot = root
    catalog.MarkInfo = Dictionary(Marked=True)
    catalog.Lang = String(record.lang)
    prefs = catalog.get("/ViewerPreferences", Dictionary())
    prefs.DisplayDocTitle = True
    catalog.ViewerPreferences = prefs
    info = pdf.docinfo
    info.Title = String(record.title)
    catalog.Metadata = pdf.make_stream(_xmp(record, str(info.get("/Producer", "")), str(info.get("/Creator", ""))),
                                       Type=Name.Metadata, Subtype=Name.XML)


def _xmp(record: Record, producer: str, creator: str) -> bytes:
    """XMP metadata: the title, language, producer and creator tool, and the PDF/UA-1 claim."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(record.title)}</rdf:li></rdf:Alt></dc:title>
<dc:language><rdf:Bag><rdf:li>{escape(record.lang)}</rdf:li></rdf:Bag></dc:language>
<pdf:Producer>{escape(producer)}</pdf:Producer>
<xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()
