"""A draft or stale translation never reaches a patient unmarked (issue 23): serve, print and rosters
refuse it without --allow-draft (one line); one-pager, build and a written batch make it with the band;
`check` gives Spanish its own reading level and another language none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ivig_handout.apps.check import run_checks
from ivig_handout.apps.cli import refuse_draft
from ivig_handout.resources import default_content_dir

from ..conftest import edit
from ..inputs.common import error_lines, one_error, run_cli, run_process
from ..render.test_clinic import flat

DRAFT = "is a draft translation, not reviewed (pack.yaml status: draft); it is not given to patients"
BAND = "Borrador de traducción, sin revisar: no entregar a pacientes / Draft translation, not reviewed"


def test_print_refuses_a_draft_without_allow_draft() -> None:
    line = one_error(*run_cli("print", "lems", "--content", "es")[::2])
    assert line.startswith(f"error: content/es: {DRAFT}") and "give --allow-draft" in line


def test_serve_refuses_a_draft_without_allow_draft() -> None:
    line = one_error(*run_cli("serve", "--content", "es", "--port", "1")[::2])
    assert DRAFT in line and "--allow-draft" in line


def test_allow_draft_lets_it_through() -> None:
    refuse_draft(Path("es"), allow=True)  # no error
    refuse_draft(None, allow=False)  # the English pack is reviewed


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("name,disorder\nAna Lima,lems\n", encoding="utf-8")
    return path


def test_a_roster_refuses_a_draft(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr, _ = run_process("batch", "--roster", str(_roster(tmp_path)), "--content", "es",
                                     "--out-dir", str(out), timeout=120)
    assert len(error_lines(code, stderr)) == 1 and DRAFT in stderr
    assert not out.exists() or not list(out.iterdir())  # nothing written


def test_a_roster_with_allow_draft_prints_the_band(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr, _ = run_process("batch", "--roster", str(_roster(tmp_path)), "--content", "es",
                                     "--out-dir", str(out), "--allow-draft", timeout=120)
    assert code == 0, stderr
    text = flat((out / "roster-letter.pdf").read_bytes())
    assert BAND in text and "Preparado para Ana Lima" in text


def test_a_one_pager_may_be_written_as_a_draft_with_its_band(tmp_path: Path) -> None:
    path = tmp_path / "lems.pdf"
    code, _, stderr = run_cli("one-pager", "lems", "--content", "es", "-o", str(path))
    assert code == 0, stderr
    assert BAND in flat(path.read_bytes())


def test_a_stale_translation_is_refused_too(tmp_path: Path) -> None:
    both = tmp_path / "content"
    shutil.copytree(default_content_dir(), both)
    edit(both, "sheet.yaml", "These occur only in rare cases.", "These occur only in very rare cases.")
    line = one_error(*run_cli("print", "lems", "--content", str(both / "es"))[::2])
    assert f"{both / 'es'}: is out of date: its English edition changed since it was translated" in line


def test_spanish_reading_level_is_spanish() -> None:
    found = {f.check: f for f in run_checks(Path("es"), fit=False)}["reading level"]
    assert set(found.data) == {"fernandez_huerta", "szigriszt_pazos"}
    assert "Fernández-Huerta" in found.detail and "INFLESZ" in found.detail and "Flesch" not in found.detail
    assert 0 < found.data["szigriszt_pazos"] < 100 and 0 < found.data["fernandez_huerta"] < 110
    assert any(i.startswith("Miastenia gravis: Fernández-Huerta ") for i in found.items)


def test_english_reading_level_is_unchanged() -> None:
    found = {f.check: f for f in run_checks(None, fit=False)}["reading level"]
    assert set(found.data) == {"flesch_kincaid_grade", "smog_index"}


@pytest.mark.parametrize("tag", ["fr", "vi-VN"])
def test_a_language_without_a_formula_has_no_score(tmp_path: Path, tag: str) -> None:
    both = tmp_path / "content"
    shutil.copytree(default_content_dir(), both)
    pack = yaml.safe_load((both / "es" / "pack.yaml").read_text(encoding="utf-8"))
    pack["language"] = tag
    (both / "es" / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    edit(both / "es", "sheet.yaml", "language: es-US", f"language: {tag}")
    found = {f.check: f for f in run_checks(both / "es", fit=False)}["reading level"]
    assert found.status == "note" and found.detail.startswith(f"not available for {tag}") and not found.data
