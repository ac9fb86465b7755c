"""One-page handouts: every disorder on Letter and A4, read back from the PDF; the command and its errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.design.layouts import get_layout
from ivig_handout.errors import FitError
from ivig_handout.export.tagging import tag
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Handout
from ivig_handout.plan.blocks import SourceLine
from ivig_handout.plan.common import trailer
from ivig_handout.plan.kinds import get_kind
from ivig_handout.render.fit import fit
from ivig_handout.resources import default_content_dir

from ..conftest import build_pdf
from ..pdfcheck import BASE14, body_text, fonts, glyph_sizes, min_glyph_size, page_sizes, page_texts, squash
from .test_full_sheet import corrected_source, source_sentences

HANDOUT = load_handout()
IDS = [d.id for d, _ in HANDOUT.disorders()]
LAYOUTS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
CASES = [(i, layout) for i in IDS for layout in LAYOUTS]


def test_every_disorder_the_source_names() -> None:
    assert len(IDS) == 12
    assert {"gbs", "cidp", "mmn", "mg", "lems", "dermatomyositis", "polymyositis", "postpolio"} <= set(IDS)


@pytest.fixture(scope="module", params=CASES, ids=[f"{i}-{layout}" for i, layout in CASES])
def page(request: pytest.FixtureRequest, pdf_of) -> tuple[str, str, bytes]:  # type: ignore[no-untyped-def]
    doc, layout = request.param
    return doc, layout, pdf_of(doc, layout)


def in_order(text: str, sentences: list[str], start: int = 0) -> int:
    """Assert every sentence is in ``text`` after the one before it; return the end of the last."""
    cursor = start
    for sentence in sentences:
        found = text.find(squash(sentence), cursor)
        assert found >= 0, f"missing or out of order: {sentence!r}"
        cursor = found + len(squash(sentence))
    return cursor


def text_of(data: bytes) -> str:
    return squash(page_texts(data)[0])


def test_exactly_one_page_of_the_right_size(page: tuple[str, str, bytes]) -> None:
    _, layout, data = page
    assert page_sizes(data) == [LAYOUTS[layout]]


def test_title_with_name_and_badge_at_the_top(page: tuple[str, str, bytes], handout: Handout) -> None:
    doc, _, data = page
    disorder, _ = next((d, g) for d, g in handout.disorders() if d.id == doc)
    title = handout.labels.one_pager_title.format(name=disorder.label)
    text = text_of(data)
    assert text.startswith(squash(title)), text[:120]
    after_title = text[len(squash(title)):].lstrip()
    assert after_title.startswith(handout.labels.rating(disorder.rating))  # the badge, beside the title


def test_what_ivig_is_then_the_disorder_text_in_source_order(page: tuple[str, str, bytes], handout: Handout,
                                                              source_text: str) -> None:
    doc, _, data = page
    disorder, group = next((d, g) for d, g in handout.disorders() if d.id == doc)
    source = squash(corrected_source(source_text, handout))
    text = text_of(data)
    cursor = in_order(text, source_sentences("\n".join(handout.sheet.what_is_ivig.paragraphs)))
    if group is None:  # listed only: the source's statement and the name, nothing invented
        own = [handout.sheet.other_disorders.intro, disorder.name]
        start = text.index(handout.labels.one_pager_research, cursor) + len(handout.labels.one_pager_research)
        end = text.index(squash(handout.sheet.side_effects.heading))
        assert re.sub(r"\s*•\s*", " ", text[start:end]).strip() == squash(" ".join(own))
    else:  # the group's text (GBS, CIDP), then the disorder's own, verbatim and in order
        own = source_sentences("\n".join((*group.paragraphs, *disorder.paragraphs)))
        assert len(own) >= 4
    for sentence in own:
        assert squash(sentence) in source, f"not from the source: {sentence!r}"
    in_order(text, own, cursor)


def test_group_text_only_where_the_group_has_it(handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    polyneuropathy = squash(handout.sheet.helpful.groups[0].paragraphs[0])
    for doc in IDS:
        assert (polyneuropathy in text_of(pdf_of(doc, "letter"))) == (doc in ("gbs", "cidp")), doc


def test_side_effects_notice_source_disclaimer(page: tuple[str, str, bytes], handout: Handout) -> None:
    text = text_of(page[2])
    se = handout.sheet.side_effects
    end = in_order(text, [se.heading, se.intro, *se.items, *se.after])
    end = in_order(text, [handout.labels.notice_heading, handout.notice()], end)
    src = handout.sheet.source
    end = in_order(text, [handout.labels.source_label, src.endorsement, src.copyright, src.citation, src.status], end)
    in_order(text, [handout.sheet.disclaimer], end)
    assert "Page 1 of 1" in text


def test_type_sizes(page: tuple[str, str, bytes], handout: Handout) -> None:
    doc, layout, data = page
    assert min_glyph_size(data) >= 8
    source = next(b for b in trailer(handout) if isinstance(b, SourceLine))
    small = squash(" ".join([handout.sheet.disclaimer, f"{source.label} " + " · ".join(source.lines),
                             handout.sheet.title, handout.labels.page_footer.format(page=1, pages=1)]))
    runs = [(size, squash(text)) for _, size, text in glyph_sizes(data) if squash(text)]
    body = [size for size, text in runs if text not in small]  # everything but source, disclaimer, footer
    assert body and min(body) >= 11, [(s, t) for s, t in runs if s < 11 and t not in small][:5]
    assert {round(s) for s, t in runs if "Blood clotting" in t} <= {11, 12}


def test_twelve_point_where_it_fits(pdf_of) -> None:  # type: ignore[no-untyped-def]
    # A disorder the source only lists leaves plenty of room: it prints at the layout's full 12 pt.
    for layout in LAYOUTS:
        runs = glyph_sizes(pdf_of("polymyositis", layout))
        assert {round(s, 1) for _, s, t in runs if "Antibodies are blood proteins" in t} == {12.0}


def test_fonts_embedded_no_base14(page: tuple[str, str, bytes]) -> None:
    used = fonts(page[2])
    assert used and all(f.embedded for f in used), used
    assert not any(b in f.name for f in used for b in BASE14), used


@pytest.mark.parametrize("layout", ["letter-mono", "a4-mono"])
def test_greyscale_variants_also_one_page(layout: str, handout: Handout) -> None:
    for doc in IDS:
        data = build_pdf(handout, doc, get_layout(layout))
        assert len(page_sizes(data)) == 1, doc
        assert handout.labels.rating(next(d for d, _ in handout.disorders() if d.id == doc).rating) in body_text(data)


def test_byte_identical(handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    assert build_pdf(handout, "mg", get_layout("a4")) == pdf_of("mg", "a4")


def test_room_left_is_measured(handout: Handout, pdf_of) -> None:  # type: ignore[no-untyped-def]
    layout = get_layout("letter")
    kind = get_kind("one-pager")
    fitted = fit(kind.plan(handout, "mg"), kind, layout)  # the fitting production runs
    assert fitted.tags is not None  # then the structure it recorded is written (export/tagging.py)
    assert tag(fitted.data, fitted.tags) == pdf_of("mg", "letter")
    assert fitted.pages == 1
    assert 0 < fitted.room < layout.frame_height
    assert fitted.body in (layout.body, layout.kind("one_pager").body)


# The command ---------------------------------------------------------------------------------------

def test_one_pager_by_alias_default_name(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["one-pager", "Guillain-Barre", "--layout", "a4"])
    assert result.exit_code == 0, result.stderr
    target = Path("out") / "ivig-gbs-a4.pdf"
    assert result.stdout.strip() == f"wrote {target} (1 page, a4)"
    data = (tmp_path / target).read_bytes()
    assert page_sizes(data) == [LAYOUTS["a4"]]
    assert text_of(data).startswith("IVIg for Guillain-Barré syndrome (GBS)")


def test_one_pager_output_file_mono(tmp_path: Path) -> None:
    out = tmp_path / "mg.pdf"
    result = CliRunner().invoke(main, ["one-pager", "mg", "--mono", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out} (1 page, letter-mono)"
    assert [p.name for p in tmp_path.iterdir()] == ["mg.pdf"]


def test_all_writes_twelve_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["one-pager", "--all", "--layout", "a4", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"ivig-{i}-a4.pdf" for i in IDS)
    assert len(result.stdout.splitlines()) == 12
    for name in names:
        assert page_sizes((tmp_path / name).read_bytes()) == [LAYOUTS["a4"]], name


def test_unknown_id_suggests_the_closest(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["one-pager", "gbz", "--out-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown disorder 'gbz': did you mean 'gbs'?")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [[], ["mg", "--all"], ["--all", "-o", "x.pdf"]])
def test_usage_errors(args: list[str]) -> None:
    assert CliRunner().invoke(main, ["one-pager", *args]).exit_code == 2


@pytest.fixture()
def long_pack(tmp_path: Path) -> Path:
    """A content pack whose myasthenia gravis text is far too long for one page (even in the smallest type)."""
    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    sheet = pack / "sheet.yaml"
    text = sheet.read_text(encoding="utf-8")
    last = "The person may need a breathing machine."
    assert text.count(last) == 1
    more = " WWWWWWW WWWWWW." * 100  # within the content limits, past what fitting makes room for (the widest letters)
    mild = "the benefits and risks of using IVIg to treat mild MG."  # more in the next paragraph (to the 5,000 limit)
    assert text.count(mild) == 1
    sheet.write_text(text.replace(last, last + more).replace(mild, mild + more[:144]), encoding="utf-8")
    return pack


def test_content_too_long_for_one_page(long_pack: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for args in (["mg", "-o", str(out / "mg.pdf")], ["--all", "--out-dir", str(out)]):
        result = CliRunner().invoke(main, ["one-pager", *args, "--content", str(long_pack)])
        assert result.exit_code == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr
        assert lines[0].startswith("error: the one-pager for 'mg' does not fit on one page of layout 'letter'")
        assert re.search(r"about \d+ pt too long", lines[0])
        assert not out.exists(), "a file was written although a one-pager did not fit"


def test_fit_error_from_the_library(long_pack: Path) -> None:
    with pytest.raises(FitError, match="'mg' does not fit on one page of layout 'a4'"):
        build_pdf(load_handout(long_pack), "mg", get_layout("a4"))
