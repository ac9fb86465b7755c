"""Two-language handouts (issue 23): English on the front, Spanish on the back (``--also es``). Page order
and each page's text in its own language (pypdf), a Part per language with its own /Lang in the
structure tree (pikepdf), each language starting on a front side when a part is longer than a page
(a blank page between, with no content), the draft band on the draft part's pages only, and the refusals.

The Spanish GBS, CIDP, MG and MMN one-pagers do not fit one page yet (they wait for flexible
fitting), so these tests use LEMS, which fits."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from pdfua import validate

from ivig_handout.api import Request, build
from ivig_handout.errors import ContentError, NotFoundError
from ivig_handout.inputs.patient import Patient

from ..inputs.common import one_error, run_cli
from ..pdfcheck import page_texts, squash

ENGLISH = "IVIg for Lambert-Eaton"
SPANISH = "IVIg para Síndrome miasténico"
BAND = "Borrador de traducción, sin revisar"


def _parts(data: bytes) -> list[tuple[str, str, set[int]]]:
    """Each top-level element under the Document: its role, /Lang, and the pages its marks are on."""
    with pikepdf.open(BytesIO(data)) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
        (document,) = list(pdf.Root.StructTreeRoot.K) if isinstance(pdf.Root.StructTreeRoot.K, pikepdf.Array) \
            else [pdf.Root.StructTreeRoot.K]
        found = []
        for part in document.K:
            on: set[int] = set()

            def walk(node: pikepdf.Object, on: set[int] = on) -> None:
                if isinstance(node, pikepdf.Dictionary):
                    if "/Pg" in node:
                        on.add(pages[node.Pg.objgen])
                    kids = node.get("/K")
                    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                        walk(kid)

            walk(part)
            found.append((str(part.S), str(part.get("/Lang", "")), on))
        return found


@pytest.fixture(scope="module")
def lems_letter() -> bytes:
    return build(Request("lems", "letter", kind="one-pager", also="es")).data


def test_english_on_the_front_spanish_on_the_back(lems_letter: bytes) -> None:
    front, back = (squash(t) for t in page_texts(lems_letter))
    assert ENGLISH in front and "Prepared for" not in front and BAND not in front
    assert "About IVIg" in front and "Acerca de la IVIg" not in front
    assert SPANISH in back and "Acerca de la IVIg" in back and "About IVIg" not in back
    assert BAND in back  # the draft part's page carries the band


def test_each_part_is_tagged_with_its_language(lems_letter: bytes) -> None:
    assert _parts(lems_letter) == [("/Part", "en-US", {0}), ("/Part", "es-US", {1})]
    with pikepdf.open(BytesIO(lems_letter)) as pdf:
        assert str(pdf.Root.Lang) == "en-US"
        assert [item.title for item in pdf.open_outline().root] == ["English", "Español"]


def test_a_two_language_handout_is_still_pdf_ua(lems_letter: bytes, tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    path.write_bytes(lems_letter)
    report = validate(str(path))
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]


def test_spanish_front_english_back() -> None:
    made = build(Request("lems", "a4", content=Path("es"), kind="one-pager", also="en"))
    front, back = (squash(t) for t in page_texts(made.data))
    assert SPANISH in front and ENGLISH in back and BAND in front and BAND not in back
    assert [(role, lang) for role, lang, _ in _parts(made.data)] == [("/Part", "es-US"), ("/Part", "en-US")]
    assert made.file_name == "ivig-lems-a4-es-en.pdf"


def test_each_language_starts_on_a_front_side(tmp_path: Path) -> None:
    """Large print: the English LEMS handout is 3 pages, so page 4 is blank and Spanish starts on 5."""
    alone = build(Request("lems", "large-print", kind="one-pager"))
    made = build(Request("lems", "large-print", kind="one-pager", also="es"))
    assert alone.pages == 3
    texts = [squash(t) for t in page_texts(made.data)]
    parts = _parts(made.data)
    assert [lang for _, lang, _ in parts] == ["en-US", "es-US"]
    assert parts[0][2] == {0, 1, 2} and min(parts[1][2]) == 4 and max(parts[1][2]) == made.pages - 1
    assert texts[3] == "" and SPANISH in texts[4] and ENGLISH in texts[0]
    with pikepdf.open(BytesIO(made.data)) as pdf:
        blank = pdf.pages[3]
        assert "/Contents" not in blank or not blank.Contents.read_bytes().strip()
    path = tmp_path / "large.pdf"
    path.write_bytes(made.data)
    report = validate(str(path))  # the blank page too: nothing on it, nothing to tag
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]


def test_the_full_sheet_in_two_languages() -> None:
    made = build(Request("full", "letter", kind="full-sheet", also="es", patient=Patient("Ana Lima", "2026-12-01")))
    parts = _parts(made.data)
    starts = [min(on) for _, _, on in parts]
    assert [lang for _, lang, _ in parts] == ["en-US", "es-US"] and all(start % 2 == 0 for start in starts)
    texts = [squash(t) for t in page_texts(made.data)]
    assert "Prepared for Ana Lima" in texts[0] and "Preparado para Ana Lima" in texts[starts[1]]
    assert all(BAND in t for t in texts[starts[1]:]) and not any(BAND in t for t in texts[:starts[1]])
    with pikepdf.open(BytesIO(made.data)) as pdf, pdf.open_outline() as outline:
        numbers = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        english, spanish = outline.root
        assert (english.title, spanish.title) == ("English", "Español")
        assert [kid.title for kid in english.children][1] == "Evidence at a glance"  # each part's own outline
        assert [kid.title for kid in spanish.children][1] == "La evidencia de un vistazo"
        assert numbers[spanish.children[-1].destination[0].objgen] == made.pages - 1  # its last section, shifted
    assert made.about.language == "en-US+es-US"
    assert made.about.pack_edition == "aan-ivig-2012-en.1+aan-ivig-2012-es.draft1"


def test_shared_sheets_and_the_same_language_are_refused() -> None:
    with pytest.raises(ContentError, match="booklet prints pages on shared sheets"):
        build(Request("lems", "booklet", kind="one-pager", also="es"))
    with pytest.raises(ContentError, match="--also en: it is in en-US, like the front"):
        build(Request("lems", "letter", kind="one-pager", also="en"))
    with pytest.raises(NotFoundError, match=r"--also xx: no such language \(en, es\)"):
        build(Request("lems", "letter", kind="one-pager", also="xx"))


def test_the_command_line_also(tmp_path: Path) -> None:
    code, out, err = run_cli("one-pager", "lems", "--also", "es", "--out-dir", str(tmp_path))
    assert code == 0, err
    assert "ivig-lems-letter-en-es.pdf (2 pages, letter)" in out + err
    texts = page_texts((tmp_path / "ivig-lems-letter-en-es.pdf").read_bytes())
    assert ENGLISH in squash(texts[0]) and SPANISH in squash(texts[1])


def test_print_refuses_a_draft_back_without_allow_draft() -> None:
    line = one_error(*run_cli("print", "lems", "--also", "es")[::2])
    assert line.startswith("error: content/es: is a draft translation") and "--allow-draft" in line


def test_a_two_language_handout_is_never_taken_from_the_render_cache(tmp_path: Path) -> None:
    from ivig_handout.api import RenderCache, cached, render_pages

    cache = RenderCache(tmp_path / "cache")
    alone = Request("lems", "letter", kind="one-pager")
    assert cache.key(alone) is not None and cache.key(Request("lems", "letter", kind="one-pager", also="es")) is None
    cached(cache, alone, render_pages)  # the English one cached
    both = cached(cache, Request("lems", "letter", kind="one-pager", also="es"), render_pages)
    assert both.pages == 2 and SPANISH in squash(page_texts(both.data)[1])
