"""Option values that name something (a layout, a printer queue, a document, a host): an empty value is a
usage error (never the default, never the CUPS default queue), and so is a control character, said on one
line with the value shown as Python shows it (repr), on every command that takes the option."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main

# (command and arguments before the option, the option)
TAKES = [
    (["build"], "--layout"),
    (["one-pager", "gbs"], "--layout"),
    (["print", "gbs"], "--layout"),
    (["print", "gbs"], "--printer"),
    (["batch", "--roster", "ROSTER"], "--layout"),
    (["batch", "--roster", "ROSTER"], "--printer"),
    (["batch", "--roster", "ROSTER"], "--doc"),
    (["batch", "--all"], "--printer"),
    (["serve"], "--printer"),
    (["serve"], "--host"),
    (["serve"], "--allow-host"),
]
BAD = {"": "'' is empty; give a value, or leave the option out for its default",
       "  ": "'  ' is empty; give a value, or leave the option out for its default",
       "clinic\nfront": r"'clinic\nfront' holds a control character",
       "letter\r": r"'letter\r' holds a control character",
       "a\tb": r"'a\tb' holds a control character",
       "a\x1bb": r"'a\x1bb' holds a control character"}


@pytest.mark.parametrize(("command", "option"), TAKES, ids=[" ".join([*c[:1], o]) for c, o in TAKES])
@pytest.mark.parametrize("value", list(BAD), ids=[repr(v) for v in BAD])
def test_an_empty_value_or_a_control_character_is_a_usage_error_on_one_line(
        tmp_path: Path, command: list[str], option: str, value: str) -> None:
    roster = tmp_path / "day.csv"
    roster.write_text("name,disorder\nAnn Lee,gbs\n", encoding="utf-8")
    args = [str(roster) if a == "ROSTER" else a for a in command]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*args, option, value, *(["--out-dir", str(out)] if "batch" in args else [])])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Error: Invalid value for '{option}'")
    assert BAD[value] in errors[0]
    assert result.stderr.splitlines()[-1] == errors[0]  # nothing of the value spills onto another line
    assert not out.exists()  # nothing was made (or printed)


def test_a_job_files_printer_is_checked_the_same_way(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text('documents: [gbs]\nlayouts: [letter]\noutput: o\nprinter: "clinic\\nfront"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(job)])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {job}: printer: 'clinic\\nfront' holds a control character (a line break or "
                             "a tab?); give the name without it\n")
    assert not (tmp_path / "o").exists()
