"""The in-memory roster (api.roster, api.print_runs): the good rows and the problems of the bad rows come
back side by side as values (Problem), the print runs hold exactly the good rows, and nothing is written
to disk. The command line still refuses a roster with a bad row, with the same one line per problem."""

from __future__ import annotations

import io
import subprocess
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


def _pdftotext(data: bytes, folder: Path) -> list[str]:
    """Each page's text (poppler), spaces collapsed."""
    path = folder / "read.pdf"
    path.write_bytes(data)
    got = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    path.unlink()
    return [" ".join(page.split()) for page in got.stdout.split("\f")[:-1]]


def test_print_runs_give_each_row_s_own_file_when_asked(tmp_path: Path) -> None:
    """issue 22: print_runs(..., files=True) returns every good row's own PDF too, named by row number,
    document and layout (never the name), each the row's handout as a full render of it reads: its
    pages, and its own patient's name (and no other) on them; on imposed layouts too."""
    rows = [("Ann Lee", "mg", "letter"), ("Nguyễn Thị Minh", "gbs", "a4"), ("Bo Chan", "gbs", "booklet"),
            ("Cy Diaz", "cidp", "2up"), ("Di Fox", "full", "letter")]
    data = ("name,disorder,layout,date\n" + "".join(f"{n},{d},{lay},1 December 2026\n" for n, d, lay in rows)).encode()
    made = api.print_runs(api.RosterFile(data, label="day.csv"), files=True)
    assert made.problems == ()
    assert list(made.files) == [f"row-{i + 2:04d}-{d}-{lay}.pdf" for i, (_n, d, lay) in enumerate(rows)]
    for (name, doc, layout), pdf in zip(rows, made.files.values(), strict=True):
        full = api.build(api.Request(doc, layout, patient=api.Patient(name, "1 December 2026")), stamp=False)
        pages = _pdftotext(pdf, tmp_path)
        assert pages == _pdftotext(full.data, tmp_path), (doc, layout)
        assert len(pages) == full.pages and any(name in page for page in pages)
        assert not any(other in " ".join(pages) for other, _d, _l in rows if other != name)
    for layout in ("letter", "booklet", "2up"):  # the print runs hold the same handouts, in order
        printed = " ".join(_pdftotext(made.runs[layout], tmp_path))
        names = [n for n, _d, lay in rows if lay == layout]
        assert [n for n in names if n in printed] == names
    assert api.print_runs(api.RosterFile(data, label="day.csv")).files == {}  # only when asked
