"""Print quality (issue 11, part 4): font subsets named by their glyphs, the printed address whole on one
line where it fits and a link to the address, nothing under 9 pt on booklet and 2-up pages."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdf
import pytest
import yaml

from ivig_handout.design.layouts import get_layout
from ivig_handout.export.impose import combine
from ivig_handout.inputs.profile import load_clinic, load_profile
from ivig_handout.render.fonts import subset_tag
from ivig_handout.render.profile import printed_url, url_lines

from ..conftest import build_pdf
from ..pdfcheck import min_glyph_size, page_texts, squash

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "clinic.yaml"
URL = "https://clinica-saojose.example/ivig/{id}"
IMPOSED = ("booklet", "booklet-a4", "2up", "2up-a4")


def subsets(data: bytes) -> list[tuple[str, str, str, bool]]:
    """(tag, face, sha256 of the font program, embedded) of every font object in the PDF."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/BaseFont" in obj:
                tag, _, face = str(obj.BaseFont)[1:].partition("+")
                program = obj.get("/FontDescriptor", {}).get("/FontFile2")
                digest = hashlib.sha256(program.read_bytes()).hexdigest() if program is not None else ""
                found.append((tag, face, digest, program is not None))
    return found


def assert_tags_name_glyphs(data: bytes) -> list[tuple[str, str, str, bool]]:
    """Every subset embedded, named TAG+Face with six capitals; one tag per font program and one
    program per tag (same glyphs: same tag; different glyphs: different tags)."""
    found = subsets(data)
    assert found
    for tag, face, _digest, embedded in found:
        assert embedded, face
        assert len(tag) == 6 and tag.isalpha() and tag.isupper(), tag
    by_tag: dict[str, set[str]] = {}
    by_program: dict[str, set[str]] = {}
    for tag, face, digest, _ in found:
        by_tag.setdefault(tag, set()).add(face + digest)
        by_program.setdefault(face + digest, set()).add(tag)
    assert all(len(v) == 1 for v in by_tag.values()), by_tag
    assert all(len(v) == 1 for v in by_program.values()), by_program
    return found


# --- font subsets -------------------------------------------------------------------------------


def test_every_subset_in_one_pdf_has_its_own_tag(handout) -> None:  # type: ignore[no-untyped-def]
    """A one-pager with a clinic profile (the main family's faces and the fallback's): as many tags
    as subsets, none the old AAAAAA, each the hash of its own program, and the text still reads."""
    data = build_pdf(handout, "gbs", get_layout("letter"), load_clinic(EXAMPLE))
    found = assert_tags_name_glyphs(data)
    assert len({tag for tag, *_ in found}) == len(found) >= 3
    assert "AAAAAA" not in {tag for tag, *_ in found}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/BaseFont" in obj:
                tag, _, face = str(obj.BaseFont)[1:].partition("+")
                program = obj.FontDescriptor.FontFile2.read_bytes()
                assert tag == subset_tag(face.encode(), program)
                assert str(obj.FontDescriptor.FontName) == str(obj.BaseFont)
    text = squash(" ".join(page_texts(data)))
    assert squash(handout.labels.one_pager_title.format(name=next(d.label for d, _ in handout.disorders() if d.id == "gbs"))) in text
    assert "Clínica São José" in text


def test_print_run_subsets_same_glyphs_same_tag(handout) -> None:  # type: ignore[no-untyped-def]
    """A print run (combine, as the batch makes it) of several handouts, each twice: a copy's subsets
    carry the same tags as the other copy's, different glyphs never share a tag."""
    letter = get_layout("letter")
    members = [build_pdf(handout, doc, letter) for doc in ("full", "gbs", "cidp", "mg")]
    run, _starts = combine([m for m in members for _ in range(2)])
    found = assert_tags_name_glyphs(run)
    assert len({digest for _, _, digest, _ in found}) > 3  # several different subsets of one face
    tags = {tag for tag, *_ in found}
    for member in members:  # each copy's tags are those the member has on its own
        assert {tag for tag, *_ in subsets(member)} <= tags
    text = squash(" ".join(page_texts(run)))
    assert text.count(squash(handout.sheet.title)) >= 2


def test_tags_are_the_same_in_a_fresh_process(tmp_path: Path) -> None:
    """Deterministic across processes (no per-process counter or random part): byte-identical files."""
    outs = []
    for i in range(2):
        out = tmp_path / f"gbs{i}.pdf"
        subprocess.run([sys.executable, "-m", "ivig_handout", "one-pager", "gbs", "-o", str(out)],
                       check=True, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert {tag for tag, *_ in subsets(outs[0])} and "AAAAAA" not in {tag for tag, *_ in subsets(outs[0])}


def test_subset_tag_is_six_capitals_from_the_glyphs() -> None:
    assert subset_tag(b"Face", b"glyphs") == subset_tag(b"Face", b"glyphs")
    assert subset_tag(b"Face", b"glyphs") != subset_tag(b"Face", b"glyphs!")
    assert subset_tag(b"Face", b"glyphs") != subset_tag(b"Other", b"glyphs")
    tag = subset_tag(b"Face", b"")
    assert len(tag) == 6 and tag.isalpha() and tag.isupper()


# --- the printed address -----------------------------------------------------------------------


def links(data: bytes) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """(page, URI, rectangle) of every /Link annotation."""
    found = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot["/Subtype"] == "/Link":
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                found.append((number, str(annot["/A"]["/URI"]), (x0, y0, x1, y1)))
    return found


def printed_runs(data: bytes, page: int) -> list[tuple[str, float, float]]:
    """(text, x, baseline y) of every text run shown on ``page``."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((text.strip(), x, y))

    pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return runs


def assert_address_is_a_link(data: bytes, address: str) -> list[str]:
    """The address is printed without its scheme (in lines that join to it) and every line lies under
    a /Link to the whole address."""
    found = [(page, rect) for page, uri, rect in links(data) if uri == address]
    assert found, links(data)
    page = found[0][0]
    runs = printed_runs(data, page)
    lines = []
    for _, (x0, y0, x1, y1) in found:
        # a run on the link's line that is a piece of the address (pypdf gives a run after the caption's
        # label, on the same line, the line's x)
        inside = [t for t, x, y in runs if y0 <= y <= y1 and (x0 - 0.5 <= x <= x1 or t in printed_url(address))]
        assert len(inside) == 1, (inside, (x0, y0, x1, y1))
        lines.append(inside[0])
    assert "".join(lines) == printed_url(address)
    return lines


def write_profile(folder: Path, data: dict) -> Path:  # type: ignore[type-arg]
    path = folder / "clinic.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("layout", ["letter", "a4"])
def test_band_address_is_a_link_printed_whole(layout: str, handout) -> None:  # type: ignore[no-untyped-def]
    """The example's address, under the band's questions line, prints whole on one line without its
    scheme ("clinica-saojose.example/ivig/gbs"; it used to break after "clinica-saojose.") and links
    to the whole address."""
    data = build_pdf(handout, "gbs", get_layout(layout), load_clinic(EXAMPLE))
    assert assert_address_is_a_link(data, URL.format(id="gbs")) == ["clinica-saojose.example/ivig/gbs"]


def test_short_address_prints_whole_on_one_line(tmp_path: Path, handout) -> None:  # type: ignore[no-untyped-def]
    """An address that fits the column prints whole on one line, in the band and on the full sheet,
    extracts as the whole address and is one link to it."""
    clinic = load_profile(write_profile(tmp_path, {"name": "Clinic", "qr_url": "https://ex.org/ivig/{id}"}))
    for doc in ("gbs", "full"):
        data = build_pdf(handout, doc, get_layout("letter"), clinic)
        address = f"https://ex.org/ivig/{doc}"
        assert assert_address_is_a_link(data, address) == [f"ex.org/ivig/{doc}"]
        assert any(line.strip().endswith(f"ex.org/ivig/{doc}") for text in page_texts(data) for line in text.splitlines())


def test_address_with_query_links_to_itself(tmp_path: Path, handout) -> None:  # type: ignore[no-untyped-def]
    """"&" and "?" reach the link's /URI as written (escaped in the markup, not doubled or dropped)."""
    address = "https://example.org/a?b=1&c=2"
    clinic = load_profile(write_profile(tmp_path, {"name": "Clinic", "qr_url": address}))
    data = build_pdf(handout, "full", get_layout("large-print"), clinic)
    assert assert_address_is_a_link(data, address)


def test_url_lines_break_only_after_a_slash() -> None:
    from ivig_handout.render.fonts import register_main

    register_main()
    url = "clinica-saojose.example/ivig/dermatomyositis"
    assert url_lines(url, 1000, 9) == [url]  # it fits: one line
    for width in (112, 150):
        lines = url_lines(url, width, 9)
        assert "".join(lines) == url and len(lines) > 1
        assert all(line.endswith("/") for line in lines[:-1]), lines
    # a piece too wide for a line even alone is never broken inside (it was broken after "-", then anywhere)
    lines = url_lines("a-very-long-host-name-indeed.example/x", 50, 9)
    assert lines == ["a-very-long-host-name-indeed.example/", "x"]


# --- type sizes on half-size pages ----------------------------------------------------------------


@pytest.mark.parametrize("name", IMPOSED)
def test_nothing_under_9_pt_on_booklet_and_2up(name: str, handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Footers, source line and disclaimer (the smallest type) are 9 pt or more, on the full sheet
    and on every one-pager, imposed as printed."""
    layout = get_layout(name)
    assert layout.small >= 9 and (layout.kind("one_pager").small or layout.small) >= 9
    for doc in ("full", *(d.id for d, _ in handout.disorders())):
        assert min_glyph_size(pdf_of(doc, name)) >= 9, doc


@pytest.mark.parametrize("layout", ["letter", "large-print", "booklet"])
def test_every_bookmark_points_at_the_page_that_shows_its_heading(layout: str) -> None:
    """Bookmarks used to point at page 1 (the footer canvas adds its pages late): each now opens the
    page (the sheet, when imposed) where its heading is printed."""
    import io

    import pypdf

    from ivig_handout import Request, build

    data = build(Request("full", layout)).data
    pdf = pypdf.PdfReader(io.BytesIO(data))
    marks = [m for m in pdf.outline if not isinstance(m, list)] + [m for sub in pdf.outline if isinstance(sub, list)
                                                                    for m in sub if not isinstance(m, list)]
    targets = [pdf.get_destination_page_number(m) for m in marks]
    assert len(set(targets)) >= 3  # spread over the pages, not all on the first
    for mark, page in zip(marks, targets, strict=True):
        text = " ".join(pdf.pages[page].extract_text().split())
        assert " ".join(mark.title.split())[:20] in text, (mark.title, page)
