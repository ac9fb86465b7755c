"""Content packs with mistakes: each gives a located one-line message and exit 1, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import load_handout

from ..conftest import edit


def line_of(pack: Path, name: str, needle: str) -> int:
    for number, line in enumerate((pack / name).read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def run_build(pack: Path, tmp_path: Path) -> tuple[int, str, str]:
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(main, ["build", "--content", str(pack), "-o", str(out)])
    assert not out.exists(), "a PDF was written from broken content"
    return result.exit_code, result.stdout, result.stderr


def assert_clean_error(code: int, stderr: str) -> list[str]:
    assert code == 1
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines)
    return lines


def test_malformed_yaml(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "title: IV Immunoglobulin", "title: [IV Immunoglobulin")
    code, _, err = run_build(pack, tmp_path)
    lines = assert_clean_error(code, err)
    assert f"{pack}/sheet.yaml:" in lines[0] and "YAML syntax error" in lines[0]


def test_duplicate_key(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "          abbreviation: GBS\n", "          abbreviation: GBS\n          abbreviation: GB\n")
    code, _, err = run_build(pack, tmp_path)
    (line,) = assert_clean_error(code, err)
    n = line_of(pack, "sheet.yaml", "abbreviation: GBS") + 1
    assert f"sheet.yaml:{n}:11: helpful.groups[0].disorders[0].abbreviation: duplicate key 'abbreviation'" in line


def test_unknown_key(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "          rating: moderate\n", "          rating: moderate\n          ratng: weak\n", )
    code, _, err = run_build(pack, tmp_path)
    (line,) = assert_clean_error(code, err)
    n = line_of(pack, "sheet.yaml", "ratng: weak")
    assert f"sheet.yaml:{n}:11: helpful.groups[1].disorders[0].ratng: unknown field 'ratng'" in line
    assert "allowed:" in line and "rating" in line


def test_missing_field(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "disclaimer: >-", "disclaimr: >-")
    code, _, err = run_build(pack, tmp_path)
    lines = assert_clean_error(code, err)
    assert any(re.search(r"sheet\.yaml:\d+:1: disclaimer: required field is missing$", x) for x in lines)
    assert any("disclaimr: unknown field" in x for x in lines)  # all problems at once


def test_wrong_type_and_bad_rating(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "          rating: weak\n", "          rating: great\n")
    edit(pack, "sheet.yaml", "  year: 2012", "  year: [2012]")
    code, _, err = run_build(pack, tmp_path)
    lines = assert_clean_error(code, err)
    rating_line = line_of(pack, "sheet.yaml", "rating: great")
    assert any(f"sheet.yaml:{rating_line}:11: helpful.groups[3].disorders[0].rating: must be one of" in x
               and "'great'" in x for x in lines)
    assert any("source.year: expected a whole number" in x for x in lines)


def test_yes_no_stay_text(pack: Path) -> None:
    edit(pack, "sheet.yaml", "          abbreviation: GBS", "          abbreviation: no")
    handout = load_handout(pack)
    assert handout.disorders()[0][0].abbreviation == "no"


@pytest.mark.parametrize("body", [b"", b"\x00\x01binary\xff", b"- just\n- a list\n"])
def test_empty_binary_or_wrong_shape(pack: Path, tmp_path: Path, body: bytes) -> None:
    (pack / "labels.yaml").write_bytes(body)
    code, _, err = run_build(pack, tmp_path)
    (line,) = assert_clean_error(code, err)
    assert "labels.yaml" in line


def test_missing_content_folder(tmp_path: Path) -> None:
    code, _, err = run_build(tmp_path / "nope", tmp_path)
    (line,) = assert_clean_error(code, err)
    assert "content folder not found" in line


def test_loader_raises_content_error(pack: Path) -> None:
    edit(pack, "labels.yaml", "page_footer: Page {page} of {pages}", "page_footer: Page {pge}")
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    assert any("page_footer" in p for p in info.value.problems)
