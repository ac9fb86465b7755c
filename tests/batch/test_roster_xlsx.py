"""batch --roster with hostile or malformed spreadsheets (issue 19, defects 1, 2 and 6): one ``error:``
line naming the file, the sheet and the cell (where there is one), exit 1, nothing written; and the
issue's own files (a declared dimension of the whole sheet, a zip bomb) end at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inputs.common import error_lines, one_error, run_cli, run_many
from tests.inputs.xlsxfiles import ANN, HEADER, bomb, hostile, matches, row, sheet, workbook

DIMENSION = workbook(sheet(HEADER + ANN + row(1048576, '<c r="XFD1048576"><v>1</v></c>'),
                           head='<dimension ref="A1:XFD1048576"/>'))


def _written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("case", list(hostile()))
def test_a_malformed_workbook_is_one_located_error_line(tmp_path: Path, case: str) -> None:
    data, expected = hostile()[case]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data)
    code, stdout, stderr = run_cli("batch", "--roster", str(bad), "--doc", "gbs", "--out-dir", str(tmp_path / "out"))
    line = one_error(code, stderr)
    assert matches(line, f"error: {bad}: {expected}"), line
    assert stdout == "" and _written(tmp_path) == ["bad.xlsx"]


def test_the_issues_files_end_at_once_in_a_real_process(tmp_path: Path) -> None:
    """The 2 KB workbook declaring A1:XFD1048576 (it ran for more than 300 s) and the 400 KB one
    unpacking to 400 MB (11.9 s, 1.69 GB): each one error line (a run past 60 s fails as a hang)."""
    (tmp_path / "dimension.xlsx").write_bytes(DIMENSION)
    (tmp_path / "bomb.xlsx").write_bytes(bomb(400_000_000))
    (tmp_path / "xxe.xlsx").write_bytes(hostile(str(tmp_path / "dimension.xlsx"))["xxe"][0])
    runs = run_many(*(["batch", "--roster", str(tmp_path / name), "--doc", "gbs", "--out-dir", str(tmp_path / "out")]
                      for name in ("dimension.xlsx", "bomb.xlsx", "xxe.xlsx")))
    assert error_lines(*runs[0][::2]) == [
        (f"error: {tmp_path / 'dimension.xlsx'}:1048576: column 16384 has a value but no name in the header row; "
        "name the column or clear the cell"),
        f"error: {tmp_path / 'dimension.xlsx'}:1048576: name: is empty; every row needs the patient's name"]
    assert [one_error(code, stderr) for code, _, stderr in runs[1:]] == [
        (f"error: {tmp_path / 'bomb.xlsx'}: xl/worksheets/sheet1.xml says it unpacks to 400,000,406 bytes; the limit is "
        "8,388,608 (a roster needs far less: keep only the roster in the workbook, or save it as 'CSV UTF-8')"),
        f"error: {tmp_path / 'xxe.xlsx'}: sheet 1: {hostile()['xxe'][1].split(': ', 1)[1]}"]
    assert "out" not in _written(tmp_path)
