"""Issue 25, the cold batch: what one process reuses from render to render changes no PDF, and pages
whose content streams ReportLab leaves uncompressed (render/document.py plain_pages) come out of
pikepdf as the compressed ones did.

A process that renders several page designs (a batch's worker) keeps parsed markup (render/measure.py);
each PDF it makes is compared with the one a new process makes of the same document alone."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from ivig_handout import api
from ivig_handout.render import document

SRC = Path(__file__).resolve().parents[2] / "src"
CLINIC = Path(__file__).resolve().parents[2] / "examples" / "clinic.yaml"
ALONE = """
import hashlib, sys
from pathlib import Path
from ivig_handout import api
clinic = Path(sys.argv[3]) if sys.argv[3] else None
print(hashlib.sha256(api.build(api.Request(sys.argv[1], sys.argv[2], clinic=clinic)).data).hexdigest())
"""


def alone(document_id: str, layout: str, clinic: Path | None = None) -> str:
    """The sha256 of the document made by a new process that makes nothing else."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    run = subprocess.run([sys.executable, "-c", ALONE, document_id, layout, str(clinic or "")], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    return run.stdout.strip()


def made(document_id: str, layout: str, clinic: Path | None = None) -> str:
    return hashlib.sha256(api.build(api.Request(document_id, layout, clinic=clinic)).data).hexdigest()


@pytest.mark.parametrize(("document_id", "layout", "clinic"), [("gbs", "letter", None), ("cidp", "booklet", None),
                                                                ("full", "large-print", None), ("mg", "a4", CLINIC)])
def test_same_pdf_after_other_renders(document_id: str, layout: str, clinic: Path | None) -> None:
    """Made after this process has made other documents and designs (the same text in other sizes, the
    same document on other layouts), and made twice, a PDF is the one a new process makes of it alone."""
    for other in ("gbs", "cidp", "mg", "full"):
        for design in ("letter", "a4", "booklet", "large-print"):
            if (other, design) != (document_id, layout):
                made(other, design, clinic)
    first = made(document_id, layout, clinic)
    assert made(document_id, layout, clinic) == first
    assert alone(document_id, layout, clinic) == first


def _content_filters(data: bytes) -> set[tuple[str, ...]]:
    """The filters of each page's content stream: () where it is uncompressed."""
    found = set()
    with pikepdf.open(BytesIO(data)) as pdf:
        for page in pdf.pages:
            named = page.obj.Contents.get("/Filter")
            found.add(() if named is None else (str(named),) if isinstance(named, pikepdf.Name)
                      else tuple(str(n) for n in named))
    return found


@pytest.mark.parametrize(("document_id", "layout", "clinic"), [("gbs", "letter", None), ("full", "a4", CLINIC),
                                                                ("cidp", "large-print", CLINIC)])
def test_plain_pages_same_pdf(monkeypatch: pytest.MonkeyPatch, document_id: str, layout: str,
                              clinic: Path | None) -> None:
    """A page design that is not imposed is drawn with its content streams uncompressed (the fonts
    compressed), and the tagged PDF, and the same with a second language on the back, is byte for
    byte what it is when ReportLab compresses them."""
    request = api.Request(document_id, layout, clinic=clinic)
    pages = api.render_pages(request)
    assert pages.data  # tagged: pikepdf wrote it, and compressed every page's content
    assert _content_filters(pages.data) == {("/FlateDecode",)}
    plain = [api.build(request).data, api.build(replace(request, also="es")).data]
    monkeypatch.setattr(document, "plain_pages", lambda theme: False)
    assert [api.build(request).data, api.build(replace(request, also="es")).data] == plain


def test_untagged_drawing_is_plain_where_not_imposed() -> None:
    """What ReportLab writes: plain page content on letter (the tagging step compresses it), Flate
    (ASCII85 around it) on booklet's pages, which render_pages returns as drawn."""
    from ivig_handout.api import _drawn, _inputs

    for layout, filters in (("letter", ()), ("booklet", ("/ASCII85Decode", "/FlateDecode"))):
        handout, kind, doc_id, found, clinic = _inputs(api.Request("gbs", layout))
        drawn, _tags = _drawn(handout, kind, doc_id, found, clinic, None)
        assert _content_filters(drawn.data) == {filters}


def test_fonts_compressed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made again in the same process, a document compresses none of its font subsets' programs or
    ToUnicode maps (kept from the first time) and, on a page design that is not imposed, no page
    content either (pikepdf compresses that): ReportLab calls zlib for none of it."""
    import zlib

    api.build(api.Request("gbs", "letter"))
    compressed: list[int] = []
    plain = zlib.compress

    def counted(data: bytes, /, level: int = -1, wbits: int = 15) -> bytes:
        compressed.append(len(data))
        return plain(data, level, wbits)

    monkeypatch.setattr(zlib, "compress", counted)
    again = api.build(api.Request("gbs", "letter"))
    assert compressed == []
    assert again.pages == 1


def test_text_normalised_once() -> None:
    """markup normalises a text once per process (to_markup and paragraph both ask), as inputs/text.py does."""
    from reportlab.lib.styles import ParagraphStyle

    from ivig_handout.inputs.text import normalise as plain
    from ivig_handout.render import markup
    from ivig_handout.render.fonts import MAIN, register_main

    register_main()
    markup.normalise.cache_clear()
    text = "  Guillain\u2013Barr\u00e9   syndrome (GBS)  "
    made = markup.to_markup(text)
    para = markup.paragraph(made, ParagraphStyle("body", fontName=MAIN, fontSize=11, leading=14), text)
    assert markup.to_markup(text) == made == "Guillain\u2013Barr\u00e9 syndrome (GBS)"
    assert markup.normalise(text) == plain(text)
    assert [f.text for f in para.frags] == [made]
    info = markup.normalise.cache_info()
    assert (info.misses, info.hits) == (1, 3)
