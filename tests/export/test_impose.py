"""Tests for the impose stage: booklet page order, imposed sheets, 2-up, combine, determinism, fonts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pikepdf
import pypdf
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ivig_handout.export.impose import booklet_order, combine, impose_2up, impose_booklet
from ivig_handout.render.fonts import register_fonts

from ..needs import need_tool

FONT_FILE = Path(__file__).parents[2] / "src/ivig_handout/fonts/AtkinsonHyperlegible-Regular.ttf"
FONT = "ImposeTestAtkinson"
# The package's faces first: ReportLab makes a later font of the same face an alias of the first one
# registered, and the package's own (whose subsets are named by their glyphs) must be that one, in
# this test session as in production.
register_fonts()
pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))

HALF_LETTER = (396.0, 612.0)
LETTER_LANDSCAPE = (792.0, 612.0)
SHEET_SIZES = pytest.mark.parametrize(
    ("page_size", "sheet_size"),
    [(HALF_LETTER, LETTER_LANDSCAPE), (A5, landscape(A4))],  # A5 is 1 mm short of half A4
    ids=["half-letter", "A5"],
)
Size = tuple[float, float]


def make_pdf(labels: list[str], size: Size = HALF_LETTER) -> bytes:
    """A PDF with one page per label, the label drawn as text in the embedded TTF font."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=size, invariant=1, lang="en-US", initialFontName=FONT)
    canvas.setTitle("Impose test")
    for text in labels:
        canvas.setFont(FONT, 24)
        canvas.drawString(72, size[1] / 2, text)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def pages_pdf(n: int, size: Size = HALF_LETTER) -> bytes:
    return make_pdf([f"Page {i + 1}" for i in range(n)], size)


def label(index: int | None) -> str | None:
    return None if index is None else f"Page {index + 1}"


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def placed_text(page: pypdf.PageObject) -> list[tuple[float, str]]:
    """(x where each placed page's Form XObject was drawn, its text), in content-stream order."""
    found: list[tuple[float, str]] = []
    placed_at = [math.nan]

    def before(op: bytes, args: object, cm: list[float], tm: list[float]) -> None:
        if op == b"Do":
            placed_at[0] = cm[4]

    def text(txt: str, *_: object) -> None:
        if txt.strip():
            found.append((placed_at[0], txt.strip()))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def side_labels(page: pypdf.PageObject) -> tuple[str | None, str | None]:
    """Labels in the (left, right) halves of a sheet side, judged by placement x."""
    half = float(page.mediabox.width) / 2
    left = [t for x, t in placed_text(page) if x < half]
    right = [t for x, t in placed_text(page) if x >= half]
    assert len(left) <= 1 and len(right) <= 1
    return (left[0] if left else None, right[0] if right else None)


def size_of(page: pypdf.PageObject) -> Size:
    return float(page.mediabox.width), float(page.mediabox.height)


def embedded_fonts(page: pypdf.PageObject) -> list[str]:
    """BaseFont names of the fonts in the page's Form XObjects; fails on any font not embedded."""
    names = []
    for xobj in page["/Resources"]["/XObject"].values():
        for font in xobj.get_object()["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor", {})
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
            names.append(str(font["/BaseFont"]))
    return names


# --- booklet_order ------------------------------------------------------------------------


def test_booklet_order_classic_eight_pages() -> None:
    # 1-based: (8, 1), (2, 7), (6, 3), (4, 5)
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_booklet_order_pads_at_the_end() -> None:
    assert booklet_order(1) == [(None, 0), (None, None)]
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]


@pytest.mark.parametrize("n", [0, -1])
def test_booklet_order_rejects_empty(n: int) -> None:
    with pytest.raises(ValueError):
        booklet_order(n)


@given(st.integers(min_value=1, max_value=200))
@example(1)
@example(4)
@example(5)
@example(200)
def test_booklet_order_properties(n: int) -> None:
    sides = booklet_order(n)
    padded = 4 * math.ceil(n / 4)
    assert len(sides) == padded // 2
    assert 0 <= padded - n < 4

    flat = [i for side in sides for i in side]
    assert sorted(i for i in flat if i is not None) == list(range(n))  # each page exactly once
    assert flat.count(None) == padded - n

    # Fold the physical stack: sheet k has front sides[2k] and back sides[2k+1]; flipping on the
    # short edge puts back-left behind front-right. Reading the folded booklet goes inward through
    # front-right, back-left of each sheet, then outward through back-right, front-left.
    sheets = [(sides[2 * k], sides[2 * k + 1]) for k in range(padded // 4)]
    reading = [p for front, back in sheets for p in (front[1], back[0])]
    reading += [p for front, back in reversed(sheets) for p in (back[1], front[0])]
    assert reading == list(range(n)) + [None] * (padded - n)  # blanks only at the end

    def page(i: int) -> int | None:
        return i if i < n else None

    for k, (front, back) in enumerate(sheets):
        assert front == (page(padded - 1 - 2 * k), page(2 * k))
        assert back == (page(2 * k + 1), page(padded - 2 - 2 * k))


# --- impose_booklet -----------------------------------------------------------------------


@SHEET_SIZES
@pytest.mark.parametrize("n", [1, 4, 5, 8])
def test_impose_booklet_sheets_and_order(n: int, page_size: Size, sheet_size: Size) -> None:
    reader = read(impose_booklet(pages_pdf(n, page_size)))
    expected = booklet_order(n)

    assert len(reader.pages) == len(expected) == 2 * math.ceil(n / 4)
    for page, (left, right) in zip(reader.pages, expected, strict=True):
        assert size_of(page) == pytest.approx(sheet_size, abs=0.5)
        assert side_labels(page) == (label(left), label(right))
        text = page.extract_text()
        if left is not None and right is not None:  # extracted text reads left page, then right
            assert text.index(label(left)) < text.index(label(right))


def test_impose_booklet_keeps_document_info_and_lang() -> None:
    reader = read(impose_booklet(pages_pdf(3)))
    assert reader.metadata.title == "Impose test"
    assert reader.trailer["/Root"]["/Lang"] == "en-US"


def test_impose_booklet_keeps_fonts_embedded() -> None:
    reader = read(impose_booklet(pages_pdf(4)))
    for page in reader.pages:
        fonts = embedded_fonts(page)
        assert len(fonts) == 2  # one per placed page
        assert all("AtkinsonHyperlegible" in name for name in fonts)


def test_impose_booklet_rejects_mixed_page_sizes() -> None:
    mixed = combine([pages_pdf(2), pages_pdf(2, A5)])[0]
    with pytest.raises(ValueError, match="same size"):
        impose_booklet(mixed)


# --- impose_2up ---------------------------------------------------------------------------


@SHEET_SIZES
@pytest.mark.parametrize("n", [1, 3])
def test_impose_2up_places_each_page_twice(n: int, page_size: Size, sheet_size: Size) -> None:
    pdf = impose_2up(pages_pdf(n, page_size))
    reader = read(pdf)

    assert len(reader.pages) == n
    for i, page in enumerate(reader.pages):
        assert size_of(page) == pytest.approx(sheet_size, abs=0.5)
        assert side_labels(page) == (label(i), label(i))
        assert len(embedded_fonts(page)) == 2
    assert reader.metadata.title == "Impose test"


# --- combine ------------------------------------------------------------------------------


def test_combine_pads_odd_documents_to_even() -> None:
    docs = [make_pdf(["A1"]), make_pdf(["B1", "B2"], A5), make_pdf(["C1", "C2", "C3"], A5)]
    pdf, starts = combine(docs)
    reader = read(pdf)

    assert starts == [0, 2, 4]
    texts = [p.extract_text().strip() for p in reader.pages]
    assert texts == ["A1", "", "B1", "B2", "C1", "C2", "C3", ""]
    assert size_of(reader.pages[1]) == HALF_LETTER  # blank matches its document's last page
    assert size_of(reader.pages[7]) == pytest.approx(A5)
    assert reader.metadata.title == "Impose test"
    assert reader.trailer["/Root"]["/Lang"] == "en-US"


def test_combine_without_padding() -> None:
    pdf, starts = combine([pages_pdf(1), pages_pdf(2), pages_pdf(3)], pad_to_even=False)
    assert starts == [0, 1, 3]
    assert len(read(pdf).pages) == 6


def test_combine_rejects_nothing() -> None:
    with pytest.raises(ValueError):
        combine([])


# --- determinism --------------------------------------------------------------------------


def test_outputs_are_deterministic() -> None:
    source = pages_pdf(5)
    assert impose_booklet(source) == impose_booklet(source)
    assert impose_2up(source) == impose_2up(source)
    docs = [pages_pdf(1), pages_pdf(3, A5)]
    assert combine(docs) == combine(docs)


# --- title, window title and bookmarks on imposed sheets and print runs (issue 11) ------------------

# (title, level, page) of bookmarks on pages of a test document: nested, several to a page, one per page.
MARKS = [("Start", 0, 0), ("Part one", 0, 1), ("Detail", 1, 1), ("Deeper", 2, 2), ("Part two", 0, 4)]


def bookmarked_pdf(n: int = 6, size: Size = HALF_LETTER, title: str = "Impose test") -> bytes:
    """``n`` labelled pages with the bookmarks of MARKS (each at y = 400 on its page, x = 72)."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=size, invariant=1, lang="en-US", initialFontName=FONT)
    canvas.setTitle(title)
    canvas.showOutline()
    canvas.setViewerPreference("DisplayDocTitle", "true")
    for i in range(n):
        canvas.setFont(FONT, 24)
        canvas.drawString(72, size[1] / 2, f"Page {i + 1}")
        for k, (name, level, page) in enumerate(MARKS):
            if page == i:
                canvas.bookmarkPage(f"m{k}", fit="XYZ", left=72, top=400)
                canvas.addOutlineEntry(name, f"m{k}", level=level)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def outline(reader: pypdf.PdfReader) -> list[tuple[str, int, int, float, float]]:
    """(title, level, target page index, left, top) of every bookmark, in order."""
    found: list[tuple[str, int, int, float, float]] = []

    def walk(items: list, level: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((str(item.title), level, reader.get_destination_page_number(item),
                              float(item.get("/Left") or 0), float(item.get("/Top") or 0)))

    walk(reader.outline, 0)
    return found


def assert_title_shown(reader: pypdf.PdfReader, title: str) -> None:
    assert reader.metadata.title == title
    prefs = reader.trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/DisplayDocTitle"] is True or prefs["/DisplayDocTitle"] == pypdf.generic.BooleanObject(True)


def test_source_bookmarks_are_what_the_test_expects() -> None:
    """The test document itself: its bookmarks point at their own pages (so the checks below mean something)."""
    assert [(t, lv, p) for t, lv, p, _, _ in outline(read(bookmarked_pdf()))] == MARKS


@SHEET_SIZES
def test_booklet_keeps_title_display_title_and_bookmarks(page_size: Size, sheet_size: Size) -> None:
    """Each bookmark points at the sheet side holding its page, at the spot where it was placed
    (a right-hand page's spot is in the right half), with its title and nesting."""
    reader = read(impose_booklet(bookmarked_pdf(6, page_size)))
    assert_title_shown(reader, "Impose test")
    sides = booklet_order(6)
    offset_x = (sheet_size[0] / 2 - page_size[0]) / 2
    offset_y = (sheet_size[1] - page_size[1]) / 2
    got = outline(reader)
    assert [(t, lv) for t, lv, *_ in got] == [(t, lv) for t, lv, _ in MARKS]
    for (title, _, page), (_, _, side, left, top) in zip(MARKS, got, strict=True):
        assert page in sides[side], title
        slot = sides[side].index(page)
        assert side_labels(reader.pages[side])[slot] == f"Page {page + 1}"
        assert left == pytest.approx(slot * sheet_size[0] / 2 + offset_x + 72, abs=0.02)
        assert top == pytest.approx(offset_y + 400, abs=0.02)
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


@SHEET_SIZES
def test_2up_keeps_title_display_title_and_bookmarks(page_size: Size, sheet_size: Size) -> None:
    """Sheet i holds page i twice: each bookmark points at its page's sheet, at the left copy."""
    reader = read(impose_2up(bookmarked_pdf(5, page_size)))
    assert_title_shown(reader, "Impose test")
    got = outline(reader)
    assert [(t, lv, p) for t, lv, p, _, _ in got] == MARKS
    assert all(left < sheet_size[0] / 2 for *_, left, _ in got)


def test_print_run_has_one_bookmark_per_copy_at_its_first_page() -> None:
    """combine (the batch's print runs): per handout copy one bookmark, its title and which copy,
    pointing at its first page; the handout's own bookmarks under its first copy, pointing into it."""
    first, second = bookmarked_pdf(5, title="First"), make_pdf(["B1", "B2"])
    pdf, starts = combine([first, first, second])
    reader = read(pdf)
    assert_title_shown(reader, "First")
    assert starts == [0, 6, 12]
    got = outline(reader)
    top = [(t, p) for t, lv, p, _, _ in got if lv == 0]
    assert top == [("First (copy 1 of 2)", 0), ("First (copy 2 of 2)", 6), ("Impose test", 12)]
    nested = [(t, lv - 1, p) for t, lv, p, _, _ in got if lv > 0]
    assert nested == [(t, lv, p + starts[0]) for t, lv, p in MARKS]  # under copy 1 only
    texts = [p.extract_text().strip() for p in reader.pages]
    assert texts[6] == "Page 1" and texts[12] == "B1"


def test_imposed_real_handouts_keep_title_and_bookmark_titles() -> None:
    """A real booklet and 2-up full sheet and a real print run: the title, shown as the window title,
    and every bookmark title of the pages."""
    from ivig_handout.api import Request, build, render_pages

    from ..pdfcheck import outline_titles

    pages = render_pages(Request(document="full", layout="booklet")).data
    titles = outline_titles(pages)
    assert len(titles) > 5
    for layout in ("booklet", "2up"):
        data = build(Request(document="full", layout=layout)).data
        assert_title_shown(read(data), read(pages).metadata.title)
        assert outline_titles(data) == titles
        assert all(0 <= p < len(read(data).pages) for _, _, p, _, _ in outline(read(data)))
    run, _ = combine([build(Request(document=d, layout="booklet")).data for d in ("full", "gbs")])
    assert_title_shown(read(run), read(pages).metadata.title)
    assert [t for t, lv, *_ in outline(read(run)) if lv == 0][0] == read(pages).metadata.title


# --- the cut mark on 2-up sheets ------------------------------------------------------------------


def sheet_strokes(page: pikepdf.Page) -> list[tuple[list[tuple[float, float]], float, float, list[float]]]:
    """Lines stroked by the sheet's own content (not inside the placed pages): (points, grey, width, dash)."""
    found = []
    grey, width, dash = 0.0, 1.0, []
    points: list[tuple[float, float]] = []
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name == "G":
            grey = float(operands[0])
        elif name == "w":
            width = float(operands[0])
        elif name == "d":
            dash = [float(v) for v in operands[0]]
        elif name in ("m", "l"):
            points.append((float(operands[0]), float(operands[1])))
        elif name == "S":
            found.append((points, grey, width, dash))
            points = []
        elif name == "n":
            points = []
    return found


@SHEET_SIZES
@pytest.mark.parametrize("n", [1, 3])
def test_2up_sheets_have_a_cut_mark_at_the_fold(n: int, page_size: Size, sheet_size: Size) -> None:
    """Every 2-up sheet: a short, thin, dashed grey line down from the middle of its top edge and up
    from the middle of its bottom edge, within 18 pt of the edge (in the pages' margins); the marks
    are an artifact, and the placed pages' text stays where it was."""
    with pikepdf.open(io.BytesIO(impose_2up(pages_pdf(n, page_size)))) as pdf:
        assert len(pdf.pages) == n
        for page in pdf.pages:
            w, h = (float(v) for v in page.mediabox[2:])
            strokes = sheet_strokes(page)
            assert len(strokes) == 2
            ends = sorted(y for points, *_ in strokes for _, y in points)
            assert ends == pytest.approx([0, 18, h - 18, h], abs=0.01)
            for points, grey, width, dash in strokes:
                assert all(x == pytest.approx(w / 2) for x, _ in points)
                assert 0.3 <= grey <= 0.7 and width <= 0.5 and dash
            assert b"/Artifact" in page.Contents.read_bytes()
    reader = read(impose_2up(pages_pdf(n, page_size)))
    assert [side_labels(p) for p in reader.pages] == [(label(i), label(i)) for i in range(n)]


def test_booklet_sheets_have_no_cut_mark() -> None:
    with pikepdf.open(io.BytesIO(impose_booklet(pages_pdf(6)))) as pdf:
        assert all(sheet_strokes(page) == [] for page in pdf.pages)


def grey_rows(png: Path, x: int) -> list[int]:
    """Rows where the pixel column ``x`` (or its neighbour) is not white."""
    from PIL import Image

    with Image.open(png) as img:
        grey = img.convert("L")
        return [y for y in range(grey.height) if min(grey.getpixel((x + dx, y)) for dx in (-1, 0, 1)) < 200]


@pytest.mark.parametrize("layout", ["2up", "2up-a4", "booklet"])
def test_cut_mark_shows_in_a_render(layout: str, tmp_path: Path) -> None:
    """Rendered by poppler: on a real 2-up sheet the middle column is marked near the top and bottom
    edges and blank between (no line through the text); on a booklet sheet it is blank."""
    import subprocess

    from ivig_handout.api import Request, build

    need_tool("pdftoppm", "poppler-utils")
    data = build(Request(document="gbs", layout=layout)).data
    (tmp_path / "sheet.pdf").write_bytes(data)
    dpi = 72
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-png",
                    str(tmp_path / "sheet.pdf"), str(tmp_path / "sheet")], check=True)
    png = tmp_path / "sheet.png"
    w, h = (float(v) for v in read(data).pages[0].mediabox[2:])
    rows = grey_rows(png, round(w / 2))
    if layout == "booklet":
        assert rows == []
        return
    assert rows and all(y <= 19 or y >= round(h) - 19 for y in rows)
    assert any(y <= 19 for y in rows) and any(y >= round(h) - 19 for y in rows)
