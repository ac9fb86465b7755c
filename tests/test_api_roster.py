"""The in-memory roster (api.roster, api.print_runs): the good rows and the problems of the bad rows come
back side by side as values (Problem), the print runs hold exactly the good rows, and nothing is written
to disk. The command line still refuses a roster with a bad row, with the same one line per problem."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from ivig_handout import api
from ivig_handout.errors import Problem, ProblemsError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.roster import read_roster

NAMES = [f"Patient Number{i:02d}" for i in range(1, 21)]


def day(bad_at: int = 5) -> bytes:
    """A 20-row roster (rows on lines 2..21) whose row on line ``bad_at`` asks for the handout 'zzz'."""
    lines = ["name,disorder"] + [f"{n},{'zzz' if i + 2 == bad_at else 'mg'}" for i, n in enumerate(NAMES)]
    return ("\n".join(lines) + "\n").encode()


def text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_problem_reads_as_the_command_line_s_line() -> None:
    assert str(Problem("day.csv", 4, "disorder", "unknown 'zzz'")) == "day.csv:4: disorder: unknown 'zzz'"
    assert str(Problem("day.csv", 4, "", "column 7 has a value")) == "day.csv:4: column 7 has a value"
    assert str(Problem("day.csv", None, "", "is empty")) == "day.csv: is empty"


def test_a_bad_row_is_a_problem_beside_the_good_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    checked = api.roster(api.RosterFile(day(), label="day.csv"))
    assert [r.row for r in checked.rows] == [n for n in range(2, 22) if n != 5]
    [problem] = checked.problems
    assert (problem.file, problem.line, problem.field, problem.value) == ("day.csv", 5, "disorder", "zzz")
    assert problem.text.startswith("unknown 'zzz'")
    made = api.print_runs(api.RosterFile(day(), label="day.csv"), checked)
    assert list(made.runs) == ["letter"] and made.problems == checked.problems
    assert [row.row for row, _request, _copies in made.rows["letter"]] == [r.row for r in checked.rows]
    printed = text(made.runs["letter"])
    assert [n for n in NAMES if n in printed] == [n for i, n in enumerate(NAMES) if i + 2 != 5]  # 19, in order
    assert len(PdfReader(io.BytesIO(made.runs["letter"])).pages) == 19 * 2  # one page each, a blank back
    assert list(tmp_path.iterdir()) == []  # nothing written to the temporary folder


def test_the_command_line_still_refuses_a_roster_with_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "day.csv"
    path.write_bytes(day())
    handout = load_handout(None)
    with pytest.raises(ProblemsError) as refused:
        read_roster(path, api.document_finder(handout), api.layout_finder(False), label="day.csv")
    assert str(refused.value).startswith("day.csv:5: disorder: unknown 'zzz'")
    assert [str(p) for p in refused.value.found] == str(refused.value).splitlines()


def test_an_xlsx_row_is_a_problem_at_its_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["name", "disorder", "copies"], ["Ann Lee", "mg", 1], ["Bob Stone", "cidp", "many"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    checked = api.roster(api.RosterFile(out.getvalue(), label="day.xlsx"))
    assert [r.row for r in checked.rows] == [2]
    assert [(p.line, p.field, p.value) for p in checked.problems] == [(3, "copies", "many")]


def test_a_file_that_cannot_be_read_has_no_rows() -> None:
    checked = api.roster(api.RosterFile("name\n".encode("utf-16"), label="day.csv"))
    assert checked.rows == () and [(p.line, p.field) for p in checked.problems] == [(None, "")]
    assert str(checked.problems[0]).startswith("day.csv: is UTF-16 text")
