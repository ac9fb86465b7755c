"""render/measure.py: a Para breaks its lines once per width, and gives what a plain Paragraph gives.

Each case wraps a Para and a plain ReportLab Paragraph of the same markup the same way (several
widths, back and forth, then split), and compares their lines word by word; then lays out many
paragraphs in narrow frames across pages both ways and compares the PDFs byte for byte.
"""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Frame, PageTemplate, Paragraph
from reportlab.platypus.doctemplate import BaseDocTemplate
from reportlab.platypus.paragraph import ParaLines

from ivig_handout.render import measure
from ivig_handout.render.fonts import MAIN, face_name, register_fonts
from ivig_handout.render.measure import KEPT, Para

register_fonts()
REGULAR, BOLD = face_name(MAIN, False), face_name(MAIN, True)
WORDS = ("IVIg", "immune", "globulin", "infusion", "headache", "a", "of", "the", "rash", "kidney",
         "blood-clot", "tiredness,", "fever.", "Guillain-Barré", "myasthenia", "x" * 40, "(CIDP)", "&amp;")


def markup(rng: random.Random) -> str:
    """Random text of 1-80 words, some in bold or italic runs, now and then a line break."""
    out = []
    for _ in range(rng.randint(1, 80)):
        word = rng.choice(WORDS)
        roll = rng.random()
        out.append(f"<b>{word}</b>" if roll < 0.1 else f"<i>{word}</i>" if roll < 0.15 else
                   f"{word}<br/>" if roll < 0.17 else word)
    return " ".join(out)


def style(rng: random.Random, name: str = "body") -> ParagraphStyle:
    size = rng.choice((9, 10.5, 12, 14))
    return ParagraphStyle(name, fontName=REGULAR, fontSize=size, leading=size * 1.3,
                          alignment=rng.choice((TA_LEFT, TA_JUSTIFY)), firstLineIndent=rng.choice((0, 6)),
                          leftIndent=rng.choice((0, 12)), bulletFontName=BOLD, bulletFontSize=size)


def lines(bl: ParaLines) -> list[Any]:
    """What a break gives, word by word: each line's spare width and its words (text, face, size)."""
    if bl.kind == 0:
        return [(round(space, 6), [str(w) for w in words]) for space, words in bl.lines]
    return [(round(line.extraSpace, 6), [(getattr(w, "text", None), w.fontName, w.fontSize) for w in line.words])
            for line in bl.lines]


def wrapped(para: Paragraph, widths: list[float]) -> list[Any]:
    """Wrap ``para`` at each width in turn; its size, lines and widest line after each."""
    seen = []
    for width in widths:
        size = para.wrap(width, 10_000)
        seen.append((size, lines(para.blPara), para._width_max, para._wrapWidths))
    return seen


@pytest.mark.parametrize("seed", range(40))
def test_same_lines_as_a_paragraph(seed: int) -> None:
    """Back and forth over a few widths (each again), then split at a height: the same as a plain Paragraph."""
    rng = random.Random(seed)
    text, st = markup(rng), style(rng)
    bullet = rng.choice((None, "•", "12."))
    widths = [width for _ in range(8) for width in [rng.choice((90.0, 150.0, 233.5, 400.0))] * rng.randint(1, 3)]
    para, plain = Para(text, st, bulletText=bullet), Paragraph(text, st, bulletText=bullet)
    assert wrapped(para, widths) == wrapped(plain, widths)
    height = rng.choice((st.leading * 2.5, st.leading * 6))
    ours, theirs = para.split(widths[-1], height), plain.split(widths[-1], height)
    assert [type(p) for p in ours] == [Para] * len(ours)
    assert [wrapped(p, widths[:3]) for p in ours] == [wrapped(p, widths[:3]) for p in theirs]


def test_breaks_once_per_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrapped again at a width it knows, a Para of one run does not break its lines again; it knows at
    most KEPT widths. One of several runs: only at the width it was last broken at (see the module)."""
    calls: list[tuple[float, ...]] = []
    plain = Paragraph.breakLines

    def counted(self: Paragraph, width: Any) -> Any:
        calls.append(tuple(width))
        return plain(self, width)

    monkeypatch.setattr(Paragraph, "breakLines", counted)
    text = " ".join(["immune globulin infusion, headache or a rash."] * 8)  # one run, no word too long to fit
    para = Para(text, style(random.Random(7)))
    widths = [100.0 + 10 * i for i in range(KEPT)]
    for width in widths * 3:
        para.wrap(width, 10_000)
    assert len(calls) == KEPT  # each width broken once
    para.wrap(500.0, 10_000)  # one more: the oldest is let go, the rest kept
    assert len(para.__dict__["_ivig_broken"]) == KEPT
    para.wrap(widths[-1], 10_000)
    assert len(calls) == KEPT + 1
    para.wrap(widths[0], 10_000)
    assert len(calls) == KEPT + 2
    runs = Para(text.replace("globulin", "<b>globulin</b>"), para.style)
    for width in (100.0, 100.0, 110.0, 110.0, 100.0):
        runs.wrap(width, 10_000)
    assert len(calls) == KEPT + 5


def build(make: type[Paragraph], seed: int) -> bytes:
    """Many random paragraphs laid out in two narrow columns a page, over several pages."""
    rng = random.Random(seed)
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=(420, 600), invariant=1, initialFontName=REGULAR)
    frames = [Frame(20, 20, 180, 560, id="a"), Frame(220, 20, 180, 560, id="b")]
    doc.addPageTemplates([PageTemplate("two", frames=frames)])
    doc.build([make(markup(rng), style(rng), bulletText=rng.choice((None, "•"))) for _ in range(60)])
    return buf.getvalue()


@pytest.mark.parametrize("seed", range(3))
def test_same_pdf_as_paragraphs(seed: int) -> None:
    """Laid out and split across frames and pages, Paras make the very PDF plain Paragraphs make."""
    assert build(Para, seed) == build(Paragraph, seed)
    assert measure.Para is Para


def test_parsed_once_per_text_and_style(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same markup in the same style values is parsed once per process; each Para gets fragments of
    its own (changing one's leaves the next Para's as parsed); another size or colour is parsed again."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus.paraparser import ParaParser

    text = "immune globulin <b>infusion</b>, a <i>headache</i> or a rash"
    st = ParagraphStyle("body", fontName=REGULAR, fontSize=11, leading=14)
    expected = [(f.text, f.fontName) for f in Paragraph(text, st).frags]
    parsed: list[str] = []
    plain = ParaParser.parse

    def counted(self: ParaParser, text: str, style: Any) -> Any:
        parsed.append(text)
        return plain(self, text, style)

    monkeypatch.setattr(ParaParser, "parse", counted)
    monkeypatch.setattr(measure, "_parsed", {})
    first = Para(text, st)
    first.frags[0].text = "changed"  # as a wrap or split may change its own
    first.wrap(90.0, 10_000)
    again = Para(text, ParagraphStyle("other", parent=st, leading=20))  # leading: not read by the parser
    assert len(parsed) == 1
    assert [(f.text, f.fontName) for f in again.frags] == expected
    assert not {id(f) for f in again.frags} & {id(f) for f in first.frags}
    Para(text, ParagraphStyle("big", parent=st, fontSize=12))
    Para(text, ParagraphStyle("red", parent=st, textColor=HexColor("#aa0000")))
    assert len(parsed) == 3


@pytest.mark.parametrize("seed", range(2))
def test_same_pdf_when_parsed_before(seed: int) -> None:
    """Paras whose markup this process parsed before (the same paragraphs laid out again) make the PDF
    plain Paragraphs make."""
    build(Para, seed)
    assert build(Para, seed) == build(Paragraph, seed)
