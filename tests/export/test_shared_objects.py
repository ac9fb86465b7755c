"""Print runs share objects (issue 12, point 4): copies and repeated handouts reuse one set of page
content, resources and font files instead of embedding them again; the run still reads, renders and
checks like the plain concatenation did, and it is an untagged print artefact."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest

from ivig_handout.export.impose import combine

from ..needs import need_tool
from ..pdfcheck import page_texts

# The real default documents a print run is made of: the full sheet (4 pages, bookmarks, links) and
# one-pagers (1 page: padded with a blank so the next copy starts on a front side).
REAL = [("full", "letter"), ("gbs", "letter"), ("cidp", "a4"), ("full", "booklet"), ("mg", "large-print")]


def opened(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def font_files(data: bytes) -> dict[tuple[int, int], str]:
    """The sha256 of the decoded program of every embedded font file object in the file, by object."""
    found = {}
    with opened(data) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        stream = obj[key]
                        found[stream.objgen] = hashlib.sha256(stream.read_bytes()).hexdigest()
    return found


def distinct_programs(data: bytes) -> set[str]:
    return set(font_files(data).values())


@pytest.mark.parametrize(("doc", "layout"), REAL)
def test_sixteen_copies_cost_at_most_1_2x_the_bytes_of_one(pdf_of, doc: str, layout: str) -> None:  # type: ignore[no-untyped-def]
    """The issue's target: 16 copies within 1.2x the bytes of 1 (the plain append was 15x: 525 KB
    for 16 full sheets in letter against 34 KB), with every page there, 16 times."""
    member = pdf_of(doc, layout)
    one, _ = combine([member])
    sixteen, starts = combine([member] * 16)
    assert len(sixteen) <= 1.2 * len(one), (len(one), len(sixteen))
    per_copy = len(pypdf.PdfReader(io.BytesIO(one)).pages)
    assert len(pypdf.PdfReader(io.BytesIO(sixteen)).pages) == 16 * per_copy
    assert starts == [k * per_copy for k in range(16)]


def test_copies_read_and_render_like_the_first(pdf_of, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Copy k's pages: the same text as copy 1's (and as the member's own), page by page; two pages
    of the last copy render pixel for pixel as copy 1's (poppler, 40 dpi)."""
    member = pdf_of("full", "letter")
    run, starts = combine([member] * 5)
    texts, own = page_texts(run), page_texts(member)
    n = len(own)
    assert all(text.strip() for text in own)
    for start in starts:
        assert texts[start:start + n] == own
    need_tool("pdftoppm", "poppler-utils")
    (tmp_path / "run.pdf").write_bytes(run)

    def pixels(page: int) -> bytes:  # 0-based page of the run
        stem = tmp_path / f"p{page}"
        subprocess.run(["pdftoppm", "-r", "40", "-f", str(page + 1), "-l", str(page + 1), "-singlefile",
                        str(tmp_path / "run.pdf"), str(stem)], check=True)
        return (tmp_path / f"p{page}.ppm").read_bytes()

    for page in (0, n - 1):
        first = pixels(starts[0] + page)
        assert len(set(first)) > 2  # drawn, not blank
        assert pixels(starts[-1] + page) == first
    assert pixels(0) != pixels(1)  # the comparison can tell pages apart


def test_fonts_are_embedded_once_per_distinct_font_file(pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Copies and repeated handouts of a print run as the batch makes it (each member twice): one
    font file object per distinct program, exactly the programs the members embed."""
    members = [pdf_of(doc, "letter") for doc in ("full", "gbs", "cidp", "mg")]
    run, _ = combine([m for m in members for _ in range(2)])
    files = font_files(run)
    assert len(files) == len(set(files.values()))  # no program twice
    assert set(files.values()) == set().union(*(distinct_programs(m) for m in members))
    # A handout repeated later in the run (not next to itself) shares its first copy's files too.
    mixed, _ = combine([members[0], members[1], members[0], members[1]])
    assert len(font_files(mixed)) == len(distinct_programs(members[0]) | distinct_programs(members[1]))


def test_identical_font_files_of_different_handouts_are_kept_once(pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Two different inputs holding the same font program (byte for byte): the run embeds it once."""
    member = pdf_of("gbs", "letter")
    with opened(member) as pdf:  # a second input: the same handout with another title
        pdf.docinfo["/Title"] = "Another handout"
        buf = io.BytesIO()
        pdf.save(buf)
    other = buf.getvalue()
    assert other != member
    run, _ = combine([member, other])
    assert len(font_files(run)) == len(distinct_programs(member))
    assert page_texts(run)[2] == page_texts(member)[0]


def test_padding_starts_every_copy_on_a_front_side(pdf_of) -> None:  # type: ignore[no-untyped-def]
    """One-pagers (1 page) and the full sheet (4), repeated and mixed: every copy starts on an odd
    (1-based) page, a blank page the size of the page before it follows each one-pager."""
    one, full = pdf_of("gbs", "letter"), pdf_of("full", "letter")
    run, starts = combine([one, one, full, one, full, one])
    assert starts == [0, 2, 4, 8, 10, 14]
    assert all(start % 2 == 0 for start in starts)
    reader = pypdf.PdfReader(io.BytesIO(run))
    texts = page_texts(run)
    assert len(reader.pages) == 16
    for blank in (1, 3, 9, 15):
        assert texts[blank].strip() == ""
        assert reader.pages[blank].get_contents() is None or not reader.pages[blank].get_contents().get_data().strip()
        assert [float(v) for v in reader.pages[blank].mediabox] == [0, 0, 612, 792]
    assert texts[2] == texts[0] == page_texts(one)[0]
    _, unpadded = combine([one, one, full, one], pad_to_even=False)
    assert unpadded == [0, 1, 2, 6]


def test_a_print_run_of_tagged_handouts_checks_clean_and_is_untagged(pdf_of) -> None:  # type: ignore[no-untyped-def]
    """The members are tagged PDF/UA; the run drops the structure tree and claims nothing: no
    /StructParents or /StructParent left pointing into it, no StructTreeRoot, MarkInfo or PDF/UA
    metadata, and qpdf finds no problem."""
    members = [pdf_of(doc, layout) for doc, layout in REAL]
    with opened(members[0]) as tagged:
        assert "/StructTreeRoot" in tagged.Root and "/StructParents" in tagged.pages[0].obj
    run, _ = combine([m for m in members for _ in range(3)])
    with opened(run) as pdf:
        assert pdf.check_pdf_syntax() == []
        for key in ("/StructTreeRoot", "/MarkInfo", "/Metadata"):
            assert key not in pdf.Root
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                held = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
                assert "/StructParents" not in held and "/StructParent" not in held
            if isinstance(obj, pikepdf.Stream):
                assert b"pdfuaid" not in obj.read_bytes()
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert str(pdf.docinfo["/Title"]) == "IV Immunoglobulin for Treating Neuromuscular Disorders"
    assert "pdfuaid" not in run.decode("latin-1")


def linked_pdf() -> bytes:
    """Three pages, each with a link annotation (the default documents carry none; a clinic's
    address may)."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    for i in range(3):
        canvas.drawString(72, 700, f"Page {i + 1}")
        canvas.linkURL(f"https://example.org/{i}", (72, 690, 200, 720))
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_each_copy_has_its_own_annotations() -> None:
    """An annotation belongs to one page: each copy's links are their own objects (pointing at their
    own page where they say which page), with the same targets as the first copy's."""
    member = linked_pdf()
    run, starts = combine([member] * 3)
    with opened(run) as pdf:
        links: list[list[str]] = []
        owners: dict[tuple[int, int], int] = {}
        for number, page in enumerate(pdf.pages):
            uris = []
            for annot in page.obj.get("/Annots", []):
                assert annot.objgen not in owners, "an annotation on two pages"
                owners[annot.objgen] = number
                if "/P" in annot:
                    assert annot.P.objgen == page.obj.objgen
                if "/A" in annot and "/URI" in annot.A:
                    uris.append(str(annot.A.URI))
            links.append(uris)
        n = starts[1]
        assert links[:n] == [[f"https://example.org/{i}"] for i in range(3)] + [[]]  # [] the blank
        assert links[:n] == links[n:2 * n] == links[2 * n:]
        assert pdf.check_pdf_syntax() == []


def test_shared_print_runs_are_deterministic(pdf_of) -> None:  # type: ignore[no-untyped-def]
    members = [pdf_of("full", "letter"), pdf_of("gbs", "letter")]
    docs = [members[0], members[1], members[0], members[1], members[1]]
    assert combine(docs) == combine(docs)


def test_bookmarks_of_shared_copies_point_at_their_own_pages(pdf_of) -> None:  # type: ignore[no-untyped-def]
    """One bookmark per copy, at the copy's first page (a page of its own, not the first copy's)."""
    member = pdf_of("full", "letter")
    run, starts = combine([member] * 3)
    reader = pypdf.PdfReader(io.BytesIO(run))
    top = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
           if not isinstance(item, list)]
    title = reader.metadata.title
    assert top == [(f"{title} (copy {k + 1} of 3)", start) for k, start in enumerate(starts)]


def test_a_clinic_logo_is_embedded_once_in_a_run_of_different_handouts() -> None:
    """Different handouts with the example clinic's logo (an image with its soft mask), each twice:
    the run holds one image and one mask, and the logo still draws on every handout's first page."""
    from ivig_handout.api import Request, build

    clinic = Path(__file__).parents[2] / "examples" / "clinic.yaml"
    members = [build(Request(document=d, layout="letter", clinic=clinic)).data for d in ("gbs", "cidp", "full")]

    def images(data: bytes) -> set[tuple[int, int]]:
        with opened(data) as pdf:
            return {o.objgen for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"}

    assert all(images(m) for m in members)
    run, starts = combine([m for m in members for _ in range(2)])
    assert len(images(run)) == len(images(members[0]))
    with opened(run) as pdf:
        assert pdf.check_pdf_syntax() == []
        for start in starts:
            xobjects = pdf.pages[start].obj.Resources.get("/XObject", {})
            assert any(x.get("/Subtype") == "/Image" for x in xobjects.values())
