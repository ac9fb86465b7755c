"""Print layouts read back from the PDF: large print, booklet, 2-up, their A4 twins, mono, contrast."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

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
    reader,
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
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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
def test_large_print_side_effect_box_reads_whole_in_order(name: str, doc: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """The side-effect box may start at the foot of a page and go on overleaf (issue 21); every row
    is printed once, in order, and a part overleaf opens with "... (continued)"."""
    se = handout.sheet.side_effects
    pages = [squash(t) for t in page_texts(pdf_of(doc, name))]
    on = [i for i, t in enumerate(pages) if squash(se.heading) in t]
    continued = squash(handout.labels.continued.replace("{heading}", se.heading))
    assert len(on) in (1, 2) and (len(on) == 1 or continued in pages[on[1]])
    text = " ".join(pages[on[0]:on[-1] + 1])
    cursor = 0
    for row in (se.intro, *se.items, *se.after):
        found = text.find(squash(row), cursor)
        assert found >= 0, row
        cursor = found


# --- large print: pagination by lines -----------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One run of text drawn on a page: its baseline (pt from the page's foot), size and text."""

    y: float
    size: float
    text: str


def page_runs(data: bytes) -> list[list[Run]]:
    """Every non-blank text run of every page, where pypdf reads it (the text matrix times the CTM)."""
    out: list[list[Run]] = []
    for page in reader(data).pages:
        runs: list[Run] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  runs: list[Run] = runs) -> None:
            if text.strip():
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append(Run(y, size * math.sqrt(abs((tm[0] * cm[0] + tm[1] * cm[2]) * (tm[2] * cm[1] + tm[3] * cm[3])
                                                       - (tm[0] * cm[1] + tm[1] * cm[3]) * (tm[2] * cm[0] + tm[3] * cm[2]))),
                                text))

        page.extract_text(visitor_text=visit)
        out.append(runs)
    return out


def fullness(data: bytes, layout: Layout) -> list[float]:
    """How full each page is: from the frame's top down to the lowest text on the page (its baseline
    less a quarter of its size for descenders), as a share of the frame; the footer, below the frame,
    is left out. (Box fills and rules a little lower are not counted: this errs towards empty.)"""
    top, bottom = layout.page[1] - layout.margins[0], layout.margins[2]
    shares = []
    for runs in page_runs(data):
        lowest = min((r.y - r.size * 0.25 for r in runs if r.y > bottom - 1), default=top)
        shares.append((top - lowest) / (top - bottom))
    return shares


def large_print_documents(handout: Handout, name: str, profile: bool) -> list[tuple[str, bytes]]:
    from ivig_handout.inputs.patient import Patient
    from ivig_handout.inputs.profile import load_clinic

    layout = get_layout(name)
    clinic = load_clinic(EXAMPLES / "clinic.yaml") if profile else None
    patient = Patient("Ana Souza", "1 Dec 2026") if profile else None
    return [(doc, build_pdf(handout, doc, layout, clinic, patient))
            for doc in ("full", *(d.id for d, _ in handout.disorders()))]


_large: dict[tuple[str, bool], list[tuple[str, bytes]]] = {}


def large(handout: Handout, name: str, profile: bool) -> list[tuple[str, bytes]]:
    if (name, profile) not in _large:
        _large[name, profile] = large_print_documents(handout, name, profile)
    return _large[name, profile]


@pytest.mark.parametrize("part", ("full", "one-pagers"))
@pytest.mark.parametrize(("name", "profile"), [
    pytest.param(n, p, id=f"{n}-{'clinic' if p else 'plain'}") for n in LARGE for p in (False, True)])
def test_large_print_no_page_but_the_last_under_60_percent_full(name: str, profile: bool, part: str,
                                                                handout: Handout) -> None:
    """Large print breaks by lines, not by whole sections: every page but the last of every document
    (the full sheet, each one-pager; without a profile and with examples/clinic.yaml and a patient)
    is at least 60 % full, the full sheet runs to 8 pages at most and each one-pager to 4, with the
    profile's header and boxes too (issue 21: they ran to 10 and 5, pages half empty; the full sheet
    with the profile ran to 9 when the notes box stood before the notice)."""
    layout = get_layout(name)
    for doc, data in large(handout, name, profile):
        if (doc == "full") != (part == "full"):
            continue
        shares = fullness(data, layout)
        assert all(share >= 0.6 for share in shares[:-1]), (doc, [round(s * 100) for s in shares])
        assert len(shares) <= (8 if doc == "full" else 4), (doc, len(shares))


def check_pages(documents: list[tuple[str, bytes]], layout: Layout) -> dict[str, list[int]]:
    """Each document's pages, how full (%); asserted: no page but the last under 60 %, the full sheet
    8 pages at most, a one-pager 4."""
    out = {}
    for doc, data in documents:
        shares = fullness(data, layout)
        out[doc] = [round(share * 100) for share in shares]
        assert all(share >= 0.6 for share in shares[:-1]), (doc, out[doc])
        assert len(shares) <= (8 if doc == "full" else 4), (doc, len(shares))
    return out


# The example's note one sentence longer (issue 21: the full sheet went back to 9 pages), and the note at
# its 400-character limit.
LONGER = (" Drink plenty of water for two days after each infusion.",
          (" Drink plenty of water for two days after each infusion. Tell us before your next infusion about any new"
           " medicine, a recent illness or vaccine, or if you are pregnant. Bring a list of your medicines to every"
           " visit, and tell the nurse if you had a reaction last time. Thank you."))


@pytest.mark.parametrize("part", ("full", "one-pagers"))
@pytest.mark.parametrize("more", range(len(LONGER)), ids=("sentence", "limit"))
@pytest.mark.parametrize("name", LARGE)
def test_large_print_with_a_longer_note_keeps_to_its_pages(name: str, more: int, part: str, handout: Handout,
                                                           tmp_path: Path) -> None:
    """The example profile with a longer clinic note (up to its 400-character limit): the full sheet in 8
    pages or fewer, each one-pager in 4, no page but the last under 60 % full (the fitting ladder moves
    the clinic's boxes last or leaves out the blank notes box; the note itself is printed whole). With the
    note at its limit, GBS, CIDP and MG on Letter ran to 5 pages (the side-effect box moved whole to page
    3): the ladder's late step splits the box at the foot of page 2."""
    import yaml

    from ivig_handout.inputs.patient import Patient
    from ivig_handout.inputs.profile import LIMITS, load_clinic

    data = yaml.safe_load((EXAMPLES / "clinic.yaml").read_text(encoding="utf-8"))
    data["note"] += LONGER[more]
    assert len(data["note"]) <= LIMITS["note"] and (more == 0 or len(data["note"]) >= LIMITS["note"] - 10)
    (tmp_path / "clinic-logo.png").write_bytes((EXAMPLES / "clinic-logo.png").read_bytes())
    (tmp_path / "clinic.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clinic, patient = load_clinic(tmp_path / "clinic.yaml"), Patient("Ana Souza", "1 Dec 2026")
    docs = ["full"] if part == "full" else [d.id for d, _ in handout.disorders()]
    built = [(doc, build_pdf(handout, doc, get_layout(name), clinic, patient)) for doc in docs]
    check_pages(built, get_layout(name))
    for doc, pdf in built:
        assert squash(data["note"]) in squash(" ".join(page_texts(pdf))), doc


# Known miss, the Spanish pack with the example profile (and a patient): the full sheet runs to 9 pages on
# Letter (every page but the last over 80 % full: the box already splits there). Strict: the mark fails the
# test once it fits. (On A4 it ran to 9 too, the QR code alone on the last page, and on Letter the one-pagers
# of GBS, CIDP, MMN and MG to 5, the QR code alone on the last even with the side-effect box split and
# without the notes box: the ladder's last rungs compact the letterhead and the QR code, and the full sheet
# on A4 then takes the spacing's whole range.)
def _spanish_cases() -> list[object]:
    cases = []
    for name in LARGE:
        for profile in (False, True):
            who = "clinic" if profile else "plain"
            for part in ("full", "one-pagers"):
                miss = profile and part == "full" and name == "large-print"
                marks = [pytest.mark.xfail(strict=True, reason=f"Spanish, example profile, {name}: full sheet 9 pages")]
                cases.append(pytest.param(name, profile, part, marks=marks if miss else (), id=f"{name}-{who}-{part}"))
    return cases


@pytest.mark.parametrize(("name", "profile", "part"), _spanish_cases())
def test_large_print_spanish_keeps_to_its_pages(name: str, profile: bool, part: str) -> None:
    """The Spanish pack (its text runs longer), without a profile and with examples/clinic.yaml and a
    patient: the full sheet in 8 pages or fewer (it ran to 9 on Letter), each one-pager in 4, no page
    but the last under 60 % full (``part``: "full" or "one-pagers"). With the profile on Letter, GBS, CIDP, MMN
    and MG ran to 5 pages, the QR code alone on the last."""
    from ivig_handout.inputs.content import load_handout
    from ivig_handout.inputs.patient import Patient
    from ivig_handout.inputs.profile import load_clinic

    spanish = load_handout(Path("es"))
    clinic = load_clinic(EXAMPLES / "clinic.yaml") if profile else None
    patient = Patient("Ana Souza", "1 Dec 2026") if profile else None
    docs = ["full"] if part == "full" else [d.id for d, _ in spanish.disorders()]
    layout = get_layout(name)
    check_pages([(doc, build_pdf(spanish, doc, layout, clinic, patient)) for doc in docs], layout)


@pytest.mark.parametrize("profile", (False, True), ids=("plain", "clinic"))
@pytest.mark.parametrize("name", LARGE)
def test_large_print_heading_keeps_with_two_lines(name: str, profile: bool, handout: Handout) -> None:
    """No page ends with a heading: under the lowest heading of every page there are at least two
    lines of text (badge words beside or under a heading are not counted)."""
    words = set(handout.labels.ratings.model_dump().values())
    body = get_layout(name).body
    bottom = get_layout(name).margins[2]
    for doc, data in large(handout, name, profile):
        for number, runs in enumerate(page_runs(data), start=1):
            runs = [r for r in runs if r.y > bottom - 1 and r.text.strip() not in words]
            headings = [r for r in runs if body + 1.5 <= r.size < 30]  # section headings, not the title
            if not headings:
                continue
            lowest = min(r.y for r in headings)
            lines = {round(r.y) for r in runs if r.y < lowest - 1 and r.size < body + 1.5}
            assert len(lines) >= 2, (doc, number, [r.text for r in headings if r.y == lowest])


@pytest.mark.parametrize("name", LARGE)
def test_large_print_paragraphs_split_between_lines(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """Breaking by lines: paragraphs run on overleaf (the full sheet has some), each with two lines
    at least on both pages (no widow, no orphan)."""
    pages = [[line for line in t.splitlines() if line.strip() and not re.fullmatch(r"Page \d+ of \d+", line.strip())]
             for t in page_texts(pdf_of("full", name))]
    s = handout.sheet
    paragraphs = [*s.introduction, *s.what_is_ivig.paragraphs, *s.closing,
                  *(x for g in s.helpful.groups for x in (*g.paragraphs, *(q for d in g.disorders for q in d.paragraphs)))]
    split = 0
    for para in paragraphs:
        words = squash(para).split()
        start, finish = " ".join(words[:4]), " ".join(words[-3:])
        for i in range(len(pages) - 1):
            here, there = squash(" ".join(pages[i])), squash(" ".join(pages[i + 1]))
            if start in here and finish not in here.split(start, 1)[1] and finish in there:
                split += 1
                first = next(n for n, line in enumerate(pages[i]) if " ".join(words[:2]) in squash(line))
                assert len(pages[i]) - first >= 2, para[:40]  # two lines or more before the break
                last = next(n for n, line in enumerate(pages[i + 1]) if words[-1] in squash(line))
                assert last + 1 >= 2, para[:40]  # and two or more after it
    assert split, "no paragraph runs on to the next page: large print still breaks between sections"


@pytest.mark.parametrize("name", LARGE)
def test_large_print_lead_in_keeps_with_its_list(name: str, handout: Handout, pdf_of) -> None:
    """A lead-in (a paragraph ending in ":") and the first item of its list are on one page: the
    other disorders' intro on the full sheet and on each listed disorder's one-pager."""
    other = handout.sheet.other_disorders
    assert other.intro.rstrip().endswith(":")
    for doc, first in (("full", other.disorders[0].name), *((d.id, d.name) for d in other.disorders)):
        pages = [squash(t) for t in page_texts(pdf_of(doc, name))]
        (page,) = [t for t in pages if squash(other.intro) in t]
        assert squash(first) in page.split(squash(other.intro), 1)[1], doc


@pytest.mark.parametrize("name", LARGE)
def test_large_print_summary_table_repeats_its_header_where_it_splits(name: str, handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    """The evidence-at-a-glance table splits between rows; the part overleaf opens with its header
    row "Evidence at a glance (continued)", above its rows. The intro sentence is printed once."""
    from ivig_handout.plan.kinds.full_sheet import plan

    glance = next(b for b in plan(handout).blocks if type(b).__name__ == "Glance")
    intro, first, last = squash(glance.intro), squash(glance.rows[0][0]), squash(glance.rows[-1][0])
    continued = squash(handout.labels.continued.replace("{heading}", glance.heading))
    pages = [squash(t) for t in page_texts(pdf_of("full", name))]
    start = next(i for i, t in enumerate(pages) if intro in t)
    end = next(i for i, t in enumerate(pages) if last in t)
    assert end == start + 1  # split over two pages
    assert 0 <= pages[start].find(intro) < pages[start].find(first) and continued not in pages[start]
    assert 0 <= pages[end].find(continued) < pages[end].find(last)  # the header row, above the rows
    assert squash(glance.rows[1][0]) in pages[start] and squash(glance.rows[-2][0]) in pages[end]  # 2 rows a side
    assert sum(t.count(intro) for t in pages) == 1


@pytest.mark.parametrize("profile", (False, True), ids=("plain", "clinic"))
@pytest.mark.parametrize("name", LARGE)
def test_large_print_trailer_reads_whole_and_never_stands_alone(name: str, profile: bool, handout: Handout) -> None:
    """The source line and the disclaimer break between lines like the text (issue 21: a last page
    held them alone), each printed once, in order; no page holds only them."""
    s = handout.sheet
    for doc, data in large(handout, name, profile):
        pages = [squash(t) for t in page_texts(data)]
        text = " ".join(pages)
        assert text.find(squash(s.source.endorsement)[:60]) < text.find(squash(s.disclaimer)[:60])
        alone = [i for i, t in enumerate(pages) if squash(s.source.endorsement)[:40] in t
                 and t.index(squash(s.source.endorsement)[:40]) < 40]
        assert not alone, (doc, alone)


def test_only_large_print_breaks_by_lines() -> None:
    """keep_lines is set for large print's two kinds; every other layout keeps the older rule (its
    output unchanged, as the golden record checks)."""
    for name, layout in all_layouts().items():
        for section in ("full_sheet", "one_pager"):
            expected = 2 if name.startswith("large-print") else 0
            assert layout.kind(section).keep_lines == expected, (name, section)


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
