"""The command line: outputs, messages and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.design.layouts import all_layouts

from ..pdfcheck import page_sizes


def test_layouts_lists_every_layout() -> None:
    result = CliRunner().invoke(main, ["layouts"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line and not line[0].isspace()]
    assert names == list(all_layouts())
    assert "body 18 pt" in result.stdout and "2 pages a side in booklet order" in result.stdout


def test_build_writes_requested_file(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "sheet.pdf"
    result = CliRunner().invoke(main, ["build", "--layout", "a4", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out} (4 pages, a4)"
    assert set(page_sizes(out.read_bytes())) == {(595.28, 841.89)}
    assert [p.name for p in out.parent.iterdir()] == ["sheet.pdf"]  # no temporary file left


def test_build_default_name_in_out(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "ivig-information-sheet-letter.pdf").stat().st_size > 10_000


@pytest.mark.parametrize("command", [["build"], ["one-pager", "mg"], ["one-pager", "--all"]])
def test_unknown_layout_is_a_usage_error_that_suggests(tmp_path: Path, command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--layout", "leter", "-o" if "--all" not in command else "--out-dir",
                                       str(tmp_path / "x.pdf")])
    assert result.exit_code == 2  # a mistake in the command itself, as Click says for --copies 0
    assert "Error: Invalid value for '--layout' / '-l': unknown layout 'leter': did you mean 'letter'?" in result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


def test_output_is_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "is a folder" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_exit_2() -> None:
    result = CliRunner().invoke(main, ["build", "--no-such-option"])
    assert result.exit_code == 2


def test_help_does_not_import_reportlab() -> None:
    code = (
        "import sys; from ivig_handout.apps.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('reportlab' in sys.modules, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"
