"""Tests for the impose stage: booklet page order, imposed sheets, 2-up, combine, determinism, fonts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pypdf
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ivig_handout.export.impose import booklet_order, combine, impose_2up, impose_booklet

FONT_FILE = Path(__file__).parents[2] / "src/ivig_handout/fonts/AtkinsonHyperlegible-Regular.ttf"
FONT = "ImposeTestAtkinson"
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
