"""Print layouts read back from the PDF: large print, booklet, 2-up, their A4 twins, mono, contrast."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import pytest

from ivig_handout.design.layouts import Layout, all_layouts, get_layout
from ivig_handout.design.theme import make_theme
from ivig_handout.errors import FitError
from ivig_handout.export.impose import booklet_order
from ivig_handout.export.pdfinfo import page_count
from ivig_handout.inputs.model import Handout
from ivig_handout.plan.kinds import resolve
from ivig_handout.render.fit import fit
from ivig_handout.render.story import paragraph_style

from ..conftest import build_pdf, footer_patterns
from ..pdfcheck import (
    BASE14,
    body_text,
    colour_operators,
    fonts,
    glyph_sizes,
    page_sizes,
    page_texts,
    placed_pages,
    squash,
)
from ..render.test_full_sheet import corrected_source, source_sentences

LARGE = ("large-print", "large-print-a4")
IMPOSED = ("booklet", "booklet-a4", "2up", "2up-a4")
HALF_LETTER, A5 = (396.0, 612.0), (419.53, 595.28)
LETTER_LANDSCAPE, A4_LANDSCAPE = (792.0, 612.0), (841.89, 595.28)
PAGE = {"booklet": HALF_LETTER, "2up": HALF_LETTER, "booklet-a4": A5, "2up-a4": A5,
        "large-print": (612.0, 792.0), "large-print-a4": (595.28, 841.89)}
SHEET = {"booklet": LETTER_LANDSCAPE, "2up": LETTER_LANDSCAPE, "booklet-a4": A4_LANDSCAPE,
         "2up-a4": A4_LANDSCAPE}
BODY_SAMPLES = ("Antibodies are blood proteins", "Blood clotting", "IVIg often is used to treat")


_pages: dict[tuple[str, str], bytes] = {}


def logical(handout: Handout, doc: str, name: str) -> bytes:
    """The logical (un-imposed) pages of ``doc`` in layout ``name``, built once per session."""
    if (doc, name) not in _pages:
        kind, doc_id = resolve(handout, doc)  # the production fitting, before any imposition
        _pages[doc, name] = fit(kind.plan(handout, doc_id), kind, get_layout(name)).data
    return _pages[doc, name]


# --- large print ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", LARGE)
def test_large_print_every_glyph_at_least_18pt_in_every_document(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    for doc in ("full", *(d.id for d, _ in handout.disorders())):
        check_large_print(pdf_of(doc, name), name, doc)


def check_large_print(data: bytes, name: str, doc: str) -> None:
    sizes = glyph_sizes(data)
    per_page: dict[int, float] = defaultdict(lambda: math.inf)
    for page, size, _ in sizes:
        per_page[page] = min(per_page[page], size)
    pages = len(page_sizes(data))
    assert sorted(per_page) == list(range(1, pages + 1)), (doc, "a page without text")
    assert min(per_page.values()) >= 18, (doc, {p: s for p, s in per_page.items() if s < 18})
    assert set(page_sizes(data)) == {PAGE[name]}
    body = [s for _, s, t in sizes if any(b in t for b in BODY_SAMPLES)]
    headings = [s for _, s, t in sizes if "What is IV immunoglobulin" in t or "About IVIg" in t]
    assert body and min(body) >= 18 and headings and min(headings) > max(body)
    if doc != "full":
        assert pages <= get_layout(name).kind("one_pager").max_pages


@pytest.mark.parametrize("name", (*LARGE, "booklet", "booklet-a4"))
def test_one_pager_titles_wrap_between_words(name: str, handout: Handout) -> None:
    """Beside its badge a long title wraps between words (or the badge goes under it), never mid-word."""
    for disorder, _ in handout.disorders():
        first = squash(page_texts(logical(handout, disorder.id, name))[0])
        assert squash(handout.labels.one_pager_title.format(name=disorder.label)) in first, disorder.id


@pytest.mark.parametrize("name", LARGE)
def test_large_print_rules(name: str, pdf_of) -> None:  # type: ignore[no-untyped-def]
    layout = get_layout(name)
    assert layout.columns == 1 and layout.imposition == "none"
    for section in ("full_sheet", "one_pager"):
        for style in make_theme(layout, layout.kind(section)).styles.values():
            assert style.size >= 18, style.name
            assert style.leading >= 1.4 * style.size - 0.01, style.name
            assert paragraph_style(style).alignment == 0, style.name  # TA_LEFT, as render sets it
    for doc in ("full", "mg"):
        used = fonts(pdf_of(doc, name))
        assert not any("Italic" in f.name or "Oblique" in f.name for f in used), used
        assert not any(b in f.name for f in used for b in BASE14), used


def test_large_print_full_sheet_in_order(pdf_of, handout: Handout, source_text: str) -> None:  # type: ignore[no-untyped-def]
    assert_sentences_in_order(body_text(pdf_of("full", "large-print"), footer_patterns(handout)),
                              handout, source_text)


@pytest.mark.parametrize("name", LARGE)
@pytest.mark.parametrize("doc", ("full", "gbs", "postpolio"))
def test_large_print_keeps_the_side_effect_box_on_one_page(name: str, doc: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    se = handout.sheet.side_effects
    pages = [squash(t) for t in page_texts(pdf_of(doc, name))]
    (page,) = [t for t in pages if squash(se.heading) in t]
    for text in (se.intro, *se.items, *se.after):
        assert squash(text) in page, text
    assert not any(handout.labels.continued.replace("{heading}", "") in t for t in pages)


@pytest.mark.parametrize("name", LARGE)
def test_large_print_one_pagers_break_only_between_sections(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Each section (heading and its paragraphs), the source line and the disclaimer on one page."""
    from ivig_handout.plan.kinds.one_pager import research

    s, labels = handout.sheet, handout.labels
    for disorder, group in handout.disorders():
        pages = [squash(t) for t in page_texts(pdf_of(disorder.id, name))]
        texts = [b.text for b in research(handout, disorder, group) if hasattr(b, "text")]
        sections = [(labels.one_pager_about, *s.what_is_ivig.paragraphs), (labels.one_pager_research, *texts),
                    (s.source.citation, s.source.status), (s.disclaimer,)]
        for section in sections:
            where = {i for i, page in enumerate(pages) for part in section if squash(part) in page}
            assert len(where) == 1, (disorder.id, section[0])
            (page,) = where
            assert all(squash(part) in pages[page] for part in section), (disorder.id, section[0])


def test_box_taller_than_a_page_splits_between_rows_with_continued_heading(handout: Handout) -> None:
    """Edited content can make the side-effect box taller than a large-print page: it splits."""
    se = handout.sheet.side_effects
    items = tuple(f"{item} ({n})" for n in range(3) for item in se.items)
    sheet = handout.sheet.model_copy(update={"side_effects": se.model_copy(update={"items": items})})
    data = build_pdf(handout.model_copy(update={"sheet": sheet}), "full", get_layout("large-print"))
    pages = [squash(t) for t in page_texts(data)]
    continued = squash(handout.labels.continued.replace("{heading}", se.heading))
    first = next(i for i, t in enumerate(pages) if squash(se.heading) in t)
    assert continued in pages[first + 1] and continued not in pages[first]
    text = " ".join(pages)
    cursor = 0
    for item in (se.intro, *items, *se.after):  # every row once, in order, none cut through
        found = text.find(squash(item), cursor)
        assert found >= 0 and sum(squash(item) in t for t in pages) == 1, item
        cursor = found + 1
    assert min(size for _, size, _ in glyph_sizes(data)) >= 18


def test_footer_that_cannot_fit_is_an_error(handout: Handout) -> None:
    squeezed = get_layout("large-print").model_copy(update={"footer_title": True})
    with pytest.raises(FitError, match="footer does not fit"):
        build_pdf(handout, "full", squeezed)


# --- booklet and 2-up --------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMPOSED)
@pytest.mark.parametrize("doc", ("full", "gbs", "postpolio"))
def test_imposed_sheets(name: str, doc: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    pages = logical(handout, doc, name)
    n = page_count(pages)
    assert set(page_sizes(pages)) == {PAGE[name]}  # designed on the half-size page, not scaled
    sheets = pdf_of(doc, name)
    sides = page_sizes(sheets)
    assert set(sides) == {SHEET[name]}
    assert len(sides) == (math.ceil(n / 4) * 2 if name.startswith("booklet") else n)
    if doc != "full":
        assert n <= get_layout(name).kind("one_pager").max_pages


@pytest.mark.parametrize("name", IMPOSED)
@pytest.mark.parametrize("doc", ("full", "gbs"))
def test_imposed_type_sizes_measured_on_the_sheets(name: str, doc: str, pdf_of) -> None:  # type: ignore[no-untyped-def]
    sizes = glyph_sizes(pdf_of(doc, name))
    body = [s for _, s, t in sizes if any(b in t for b in BODY_SAMPLES)]
    assert body and min(body) >= 11
    assert min(s for _, s, _ in sizes) >= 8


def test_glyph_sizes_measure_text_inside_scaled_forms() -> None:
    """pdfcheck reads a placed page's text at the size it is printed (here shrunk to half)."""
    import io

    import pikepdf

    from ..export.test_impose import pages_pdf

    with pikepdf.open(io.BytesIO(pages_pdf(1))) as src:
        out = pikepdf.new()
        form = out.copy_foreign(src.pages[0].as_form_xobject())
        sheet = out.add_blank_page(page_size=(396, 612))
        sheet.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({"/P0": form}))
        rect = pikepdf.Rectangle(0, 0, 198, 306)
        sheet.obj.Contents = out.make_stream(
            sheet.calc_form_xobject_placement(form, pikepdf.Name("/P0"), rect, allow_shrink=True))
        buf = io.BytesIO()
        out.save(buf)
    assert [size for _, size, _ in glyph_sizes(pages_pdf(1))] == [24]
    assert [size for _, size, _ in glyph_sizes(buf.getvalue())] == [pytest.approx(12)]


@pytest.mark.parametrize("name", IMPOSED)
def test_imposed_fonts_embedded(name: str, pdf_of) -> None:  # type: ignore[no-untyped-def]
    used = fonts(pdf_of("full", name))
    assert used and all(f.embedded for f in used), used
    assert not any(b in f.name for f in used for b in BASE14), used
    assert any("AtkinsonHyperlegible" in f.name for f in used)


@pytest.mark.parametrize("name", ("booklet", "booklet-a4"))
def test_booklet_reads_in_order(name: str, handout: Handout, source_text: str, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Put the booklet's halves back in reading order: every source sentence, in order."""
    sides = placed_pages(pdf_of("full", name))
    width = SHEET[name][0]
    n = page_count(logical(handout, "full", name))
    order = booklet_order(n)
    assert len(sides) == len(order)
    pages: dict[int, str] = {}
    for side, (left, right) in zip(sides, order, strict=True):
        halves = {x < width / 2: text for x, text in side}
        assert len(halves) == len(side) == sum(i is not None for i in (left, right))
        for index, is_left in ((left, True), (right, False)):
            if index is not None:
                pages[index] = halves[is_left]
    assert sorted(pages) == list(range(n))
    for number in range(n):
        assert f"Page {number + 1} of {n}" in pages[number]  # footers number the logical pages
    text = " ".join(pages[i] for i in range(n))
    for pattern in footer_patterns(handout):
        text = re.sub(pattern, " ", text)
    assert_sentences_in_order(squash(text), handout, source_text)


@pytest.mark.parametrize("name", ("2up", "2up-a4"))
def test_2up_places_each_page_twice_in_order(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    logical_texts = page_texts(logical(handout, "full", name))
    sides = placed_pages(pdf_of("full", name))
    assert len(sides) == len(logical_texts)
    for side, text in zip(sides, logical_texts, strict=True):
        (x0, left), (x1, right) = side
        assert x0 < SHEET[name][0] / 2 <= x1
        assert squash(left) == squash(right) == squash(text)


@pytest.mark.parametrize("name", ("booklet", "2up-a4"))
def test_imposed_byte_identical(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    assert build_pdf(handout, "full", get_layout(name)) == pdf_of("full", name)


@pytest.mark.parametrize("name", ("booklet", "booklet-a4"))
def test_footer_and_running_title_share_one_line_on_half_size_pages(name: str, handout: Handout) -> None:
    """On every narrow page: the whole running title on one line, left of "Page X of Y", no overlap."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from ivig_handout.render.fonts import MAIN, register_fonts

    from ..pdfcheck import reader

    register_fonts()
    layout = get_layout(name)
    title = handout.sheet.title
    pages = reader(logical(handout, "full", name)).pages
    for number, page in enumerate(pages, start=1):
        runs: list[tuple[str, float, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  runs: list[tuple[str, float, float]] = runs) -> None:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((text.strip(), round(x, 2), round(y, 2)))

        page.extract_text(visitor_text=visit)
        (tx, ty), = [(x, y) for t, x, y in runs if t == title]
        (px, py), = [(x, y) for t, x, y in runs if t == f"Page {number} of {len(pages)}"]
        assert ty == py < layout.margins[2]  # one baseline, below the text frame
        assert tx + stringWidth(title, MAIN, layout.small) < px


# --- mono and contrast -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "doc"), [("large-print", "full"), ("booklet", "full"), ("2up-a4", "mg"),
                                         ("large-print-a4", "postpolio")])
def test_mono_has_only_grey(name: str, doc: str, handout: Handout) -> None:
    ops = colour_operators(build_pdf(handout, doc, get_layout(name, mono=True)))
    assert ops, "no colour operators at all"
    for op, values in ops:
        numbers = [float(v) for v in values]
        if op in ("rg", "RG"):
            assert max(numbers) - min(numbers) <= 0.004, (op, values)
        elif op in ("k", "K"):
            assert max(numbers[:3]) <= 0.004, (op, values)
        else:
            assert op in ("g", "G"), (op, values)


def luminance(hex_colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


TEXT_COLOURS = ("ink", "heading", "muted")  # body and headings, source line and footer, bullets
BACKGROUNDS = ("box_fill", "notice_fill")  # boxes; the page and the badge are white
BADGE_FILLS = ("strong", "moderate", "weak", "insufficient")  # meter cells and badge outline


@pytest.mark.parametrize("mono", (False, True), ids=("colour", "mono"))
@pytest.mark.parametrize("name", list(all_layouts()))
def test_contrast_at_least_4_5(name: str, mono: bool) -> None:
    layout: Layout = get_layout(name, mono=mono)
    c = layout.colours.model_dump()
    for text in TEXT_COLOURS:
        for background in ("#ffffff", *(c[b] for b in BACKGROUNDS)):
            assert contrast(c[text], background) >= 4.5, (name, text, background)
    for fill in BADGE_FILLS:  # a filled meter cell against an empty (white) one
        assert contrast(c[fill], "#ffffff") >= 4.5, (name, fill)


def test_every_layout_says_what_it_prints_on() -> None:
    for name, layout in all_layouts().items():
        assert layout.paper, name
        assert bool(layout.sheet) == (layout.imposition != "none"), name
        if layout.imposition != "none":
            one_pager = make_theme(layout, layout.kind("one_pager"))  # the sizes it prints at
            assert layout.body >= 11 and one_pager.body_size >= 11, name
            assert min(layout.small, one_pager.small_size, layout.badge) >= 8, name


def assert_sentences_in_order(text: str, handout: Handout, source_text: str) -> None:
    sentences = source_sentences(corrected_source(source_text, handout))
    cursor = 0
    for sentence in sentences:
        found = text.find(squash(sentence), cursor)
        assert found >= 0, f"missing or out of order: {sentence!r}"
        cursor = found + 1
