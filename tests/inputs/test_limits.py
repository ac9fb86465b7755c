"""Size limits of a content pack: past any of them build, one-pager and check all refuse the pack at
once, with located lines (check passed 10,000 disorders that build refused, and took forever); within
them every document builds, and check passes (how fast: bench/limits.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ivig_handout.api import Request, build
from ivig_handout.apps.check import run_checks
from ivig_handout.errors import FitError
from ivig_handout.inputs import model
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.rules import _every_one_pager, _own, _texts, disorders

from .common import disorder, error_lines, one_error, pack_at_limits, run_cli, sheet_of, text, write


def refused(pack: Path, tmp_path: Path) -> list[str]:
    """build and one-pager refuse the pack with the same lines; check fails with them too."""
    lines = error_lines(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert error_lines(*run_cli("one-pager", "gbs", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2]) == lines
    code, stdout, _ = run_cli("check", "--content", str(pack))
    assert code == 1 and "FAIL  content schema" in stdout and all(x.removeprefix("error: ") in stdout for x in lines)
    assert not (tmp_path / "o.pdf").exists()
    return lines


def test_ten_thousand_disorders(pack: Path, tmp_path: Path) -> None:
    sheet = sheet_of(pack)
    sheet["helpful"]["groups"][0]["disorders"] = [{"id": f"d{i}", "name": "D"} for i in range(10_000)]
    write(pack, sheet)
    (line,) = refused(pack, tmp_path)
    assert line.startswith(f"error: {pack}/sheet.yaml:")
    assert line.endswith(f": helpful.groups[0].disorders: has 10,000 items; at most {model.MAX_DISORDERS}")


def test_disorders_counted_across_groups_and_the_list(pack: Path, tmp_path: Path) -> None:
    sheet = sheet_of(pack)
    sheet["helpful"]["groups"] = [{"id": f"group-{g}", "heading": f"Group {g}",
                                   "disorders": [disorder(g * 100 + i, ["Short."]) for i in range(12)]}
                                  for g in range(3)]
    write(pack, sheet)
    (line,) = refused(pack, tmp_path)
    assert f"helpful, other_disorders: the sheet names 42 disorders in all; at most {model.MAX_DISORDERS}" in line


@pytest.mark.parametrize(("where", "change", "words"), [
    ("a paragraph", lambda s: s["what_is_ivig"]["paragraphs"].append(text(2_001)),
     "what_is_ivig.paragraphs[2]: is 2,001 characters long; at most 2,000 (shorten it, or split it)"),
    ("paragraphs", lambda s: s["helpful"]["groups"][1]["disorders"][0].update(paragraphs=["Short."] * 11),
     "helpful.groups[1].disorders[0].paragraphs: has 11 items; at most 10"),
    ("a heading", lambda s: s["helpful"].update(heading="H" * 201),
     "helpful.heading: is 201 characters long; at most 200"),
    ("the title", lambda s: s.update(title="T" * 201), "title: is 201 characters long; at most 200"),
    ("groups", lambda s: s["helpful"].update(groups=[{"id": f"g{g}", "heading": "G", "disorders": [disorder(g, [])]}
                                                     for g in range(21)]),
     "helpful.groups: has 21 items; at most 20"),
    ("side effects", lambda s: s["side_effects"].update(items=["Fever"] * 21), "side_effects.items: has 21 items"),
    ("a side effect", lambda s: s["side_effects"]["items"].append("F" * 301),
     "side_effects.items[6]: is 301 characters long; at most 300"),
    ("aliases", lambda s: s["other_disorders"]["disorders"][0].update(aliases=[f"a{i}" for i in range(11)]),
     "other_disorders.disorders[0].aliases: has 11 items; at most 10"),
    ("the disclaimer", lambda s: s.update(disclaimer=text(2_001)), "disclaimer: is 2,001 characters long"),
])
def test_each_limit_is_one_located_line(pack: Path, tmp_path: Path, where: str, change: Any, words: str) -> None:
    sheet = sheet_of(pack)
    change(sheet)
    write(pack, sheet)
    lines = refused(pack, tmp_path)
    assert any(f"{pack}/sheet.yaml:" in x and words in x for x in lines), (where, lines)


def test_labels_and_corrections_have_limits(pack: Path, tmp_path: Path) -> None:
    labels = yaml.safe_load((pack / "labels.yaml").read_text(encoding="utf-8"))
    labels["glance_heading"] = "G" * 201
    labels["document_keywords"] = ["IVIg"] * 21
    (pack / "labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True), encoding="utf-8")
    corrections = yaml.safe_load((pack / "corrections.yaml").read_text(encoding="utf-8"))
    corrections["corrections"] = corrections["corrections"] * 20  # 220
    (pack / "corrections.yaml").write_text(yaml.safe_dump(corrections, allow_unicode=True), encoding="utf-8")
    lines = refused(pack, tmp_path)
    assert [x.split(": ", 2)[2] for x in lines] == [
        "glance_heading: is 201 characters long; at most 200 (shorten it, or split it)",
        "document_keywords: has 21 items; at most 20",
        "corrections: has 220 items; at most 200",
    ]


def test_what_a_one_pager_prints_is_limited(pack: Path, tmp_path: Path) -> None:
    """Each disorder's one-pager prints what IVIg is, the side effects, the source and the disclaimer,
    and its group's and its own paragraphs: at most MAX_ONE_PAGER characters of the sheet."""
    sheet = sheet_of(pack)
    sheet["helpful"]["groups"][0]["paragraphs"] = [text(1_500)] * 2  # gbs and cidp, both too long
    sheet["helpful"]["groups"][2]["disorders"][0]["paragraphs"] = [text(1_800)] * 2  # mg alone
    write(pack, sheet)
    lines = refused(pack, tmp_path)
    assert [x.split(": ", 2)[2].split(": ")[0] for x in lines] == ["helpful.groups[0]", "helpful.groups[2].disorders[0]"]
    assert "each of its one-pagers would print" in lines[0] and "shorten the group's paragraphs" in lines[0]
    assert all("characters of the sheet" in x and f"at most {model.MAX_ONE_PAGER:,}" in x for x in lines)
    sheet["helpful"]["groups"][0]["paragraphs"] = []
    sheet["helpful"]["groups"][2]["disorders"][0]["paragraphs"] = ["Short."]
    sheet["what_is_ivig"]["paragraphs"] = [text(1_900)] * 3
    write(pack, sheet)
    (line,) = refused(pack, tmp_path)
    assert "sheet.yaml:1:1: what_is_ivig, side_effects, source, disclaimer: every one-pager prints these" in line


def test_the_whole_sheet_is_limited(pack: Path, tmp_path: Path) -> None:
    sheet = sheet_of(pack)
    sheet["helpful"]["groups"] = [{"id": f"group-{g}", "heading": f"Group {g}",
                                   "disorders": [disorder(g * 100 + i, [text(1_900)]) for i in range(8)]}
                                  for g in range(4)]
    write(pack, sheet)
    (line,) = refused(pack, tmp_path)
    assert "sheet.yaml:1:1: the sheet has " in line and f"characters of text; at most {model.MAX_SHEET:,}" in line


# --- within the limits: every document builds (bench/limits.py times them) -----------------------

@pytest.fixture(scope="module", params=["one-pagers", "whole-sheet"])
def at_limits(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from ivig_handout.resources import default_content_dir

    folder = tmp_path_factory.mktemp("limits") / "pack"
    shutil.copytree(default_content_dir(), folder)
    return pack_at_limits(folder, request.param == "one-pagers")


def test_the_packs_at_the_limits_are_within_them(at_limits: Path) -> None:
    sheet = load_handout(at_limits).sheet  # loads: within every limit
    found = list(disorders(sheet))
    every = _every_one_pager(sheet)
    assert len(found) == model.MAX_DISORDERS
    longest = max(every + _own(sheet, path, d) for path, d in found)
    total = sum(map(len, _texts(sheet)))
    assert longest > 0.95 * model.MAX_ONE_PAGER or total > 0.9 * model.MAX_SHEET, (longest, total)


@pytest.mark.parametrize("layout", ["letter", "large-print", "2up-a4"])
def test_at_the_limits_the_full_sheet_builds(at_limits: Path, layout: str) -> None:
    result = build(Request("full", layout, content=at_limits))
    assert result.pages > 1


@pytest.mark.parametrize("layout", ["letter", "large-print"])
def test_at_the_limits_a_one_pager_builds_or_is_refused(at_limits: Path, layout: str) -> None:
    try:
        result = build(Request("disorder-0", layout, content=at_limits, kind="one-pager"))
    except FitError as exc:
        assert "does not fit" in str(exc)
    else:
        assert result.pages >= 1 and result.about.title == "IVIg for Disorder number 0"


def test_at_the_limits_check_without_fitting_passes_the_schema(at_limits: Path) -> None:
    findings = run_checks(at_limits, fit=False)
    assert findings[0].status == "ok"


def test_limits_leave_room_above_the_aan_sheet() -> None:
    sheet = load_handout().sheet
    found = list(disorders(sheet))
    every = _every_one_pager(sheet)
    assert len(found) * 3 <= model.MAX_DISORDERS
    assert max(every + _own(sheet, p, d) for p, d in found) * 1.5 <= model.MAX_ONE_PAGER
    assert sum(map(len, _texts(sheet))) * 5 <= model.MAX_SHEET
    assert max(len(p) for p in _texts(sheet)) * 3 <= model.MAX_PARAGRAPH


def test_a_located_problem_never_echoes_a_huge_value(pack: Path, tmp_path: Path) -> None:
    edit_sheet = sheet_of(pack)
    edit_sheet["helpful"]["groups"][0]["disorders"][0]["rating"] = "x" * 100_000
    write(pack, edit_sheet)
    line = one_error(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert len(line) < 400 and "rating: must be one of" in line
