"""The full information sheet on Letter and A4, read back from the PDF."""

from __future__ import annotations

import re

import pytest

from ivig_handout.design.layouts import get_layout
from ivig_handout.inputs.model import Handout

from ..conftest import build_pdf, footer_patterns
from ..pdfcheck import BASE14, body_text, catalog, fonts, min_glyph_size, outline_titles, page_sizes, squash

LAYOUTS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
PAGES = {"letter": 4, "a4": 4}


def corrected_source(source: str, handout: Handout) -> str:
    for fix in handout.corrections:
        assert fix.original in source, f"correction not found in source: {fix.original!r}"
        source = source.replace(fix.original, fix.corrected)
    return source


def assert_in_order(text: str, sentences: list[str]) -> None:
    """Every sentence is in ``text`` (squashed), each after the one before."""
    cursor = 0
    for sentence in sentences:
        found = text.find(squash(sentence), cursor)
        assert found >= 0, f"missing or out of order: {sentence!r}"
        cursor = found + 1


def source_sentences(source: str) -> list[str]:
    """Every sentence (and heading, list item) of the source, in order."""
    out = []
    for line in source.splitlines():
        line = line.strip().removeprefix("- ").strip()
        if line:
            out += [s for s in re.split(r"(?<=[.?!:])\s+", line) if s]
    return out


@pytest.fixture(scope="module", params=list(LAYOUTS))
def sheet(request: pytest.FixtureRequest, pdf_of) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    return request.param, pdf_of("full", request.param)


def test_every_source_sentence_in_order(sheet: tuple[str, bytes], handout: Handout, source_text: str) -> None:
    _, data = sheet
    text = body_text(data, footer_patterns(handout))
    sentences = source_sentences(corrected_source(source_text, handout))
    assert len(sentences) > 90
    assert_in_order(text, sentences)


def test_no_uncorrected_typo_printed(sheet: tuple[str, bytes], handout: Handout) -> None:
    text = body_text(sheet[1])
    for typo in ("IGIg", "evidence show ", "used in treat", "Moderated evidence", "lag muscles",
                 "radiculoplexoneurpathy", "decision are", "Guillain-Barre "):
        assert typo not in text


def test_badges_side_effects_notice_disclaimer(sheet: tuple[str, bytes], handout: Handout) -> None:
    text = body_text(sheet[1], footer_patterns(handout))
    for disorder, group in handout.disorders():
        word = handout.labels.rating(disorder.rating)
        if group is not None:  # rated: heading then its badge word, after the summary
            assert re.search(re.escape(squash(disorder.name)) + r".{0,80}" + re.escape(word), text)
    glance = text.index(handout.labels.glance_heading)
    assert glance < text.index(handout.sheet.what_is_ivig.heading)
    for word in ("Strong evidence", "Moderate evidence", "Weak evidence", "Not enough evidence"):
        assert text.count(word) >= 2, word  # in the summary and beside a heading
    for item in handout.sheet.side_effects.items:
        assert squash(item) in text
    assert squash(handout.notice()) in text
    assert squash(handout.sheet.disclaimer) in text
    assert "Patwa HS et al." in text and "doi:10.1212/WNL.0b013e31824de293" in text
    assert text.rstrip().endswith(squash(handout.sheet.disclaimer))


def test_pages_and_size(sheet: tuple[str, bytes]) -> None:
    name, data = sheet
    sizes = page_sizes(data)
    assert len(sizes) == PAGES[name]
    assert set(sizes) == {LAYOUTS[name]}


def test_page_footer_numbers(sheet: tuple[str, bytes]) -> None:
    from ..pdfcheck import page_texts

    texts = page_texts(sheet[1])
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text


def test_fonts_embedded_no_base14(sheet: tuple[str, bytes]) -> None:
    used = fonts(sheet[1])
    assert used, "no fonts found"
    assert all(f.embedded for f in used), used
    assert not any(b in f.name for f in used for b in BASE14), used
    assert any("AtkinsonHyperlegible" in f.name for f in used)


def test_body_text_at_least_12pt(sheet: tuple[str, bytes]) -> None:
    from ..pdfcheck import glyph_sizes

    sizes = glyph_sizes(sheet[1])
    body = [s for _, s, t in sizes if "Antibodies are blood proteins" in t or "Blood clotting" in t]
    assert body and min(body) >= 12
    assert min_glyph_size(sheet[1]) >= 9.5  # footer, source line and disclaimer


def test_metadata_and_bookmarks(sheet: tuple[str, bytes], handout: Handout) -> None:
    info = catalog(sheet[1])
    assert info["lang"] == "en-US"
    assert info["display_title"] is True
    meta = info["info"]
    assert meta["/Title"] == handout.sheet.title
    assert "American Academy of Neurology" in meta["/Author"]
    assert meta["/Subject"] == handout.labels.document_subject
    assert "IVIg" in meta["/Keywords"]
    titles = outline_titles(sheet[1])
    for heading in (handout.sheet.what_is_ivig.heading, handout.sheet.side_effects.heading,
                    "Myasthenia Gravis", "Guillain-Barré syndrome (GBS)"):
        assert heading in titles


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_byte_identical(handout: Handout, layout: str, pdf_of) -> None:  # type: ignore[no-untyped-def]
    again = build_pdf(handout, "full", get_layout(layout))
    assert again == pdf_of("full", layout)


def test_mono_has_no_colour(handout: Handout) -> None:


    from io import BytesIO

    import pypdf

    data = build_pdf(handout, "full", get_layout("letter", mono=True))
    reader = pypdf.PdfReader(BytesIO(data))
    ops = b"".join(page.get_contents().get_data() for page in reader.pages)  # type: ignore[union-attr]
    for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)", ops):
        assert float(r) == pytest.approx(float(g), abs=0.004) == pytest.approx(float(b), abs=0.004)

