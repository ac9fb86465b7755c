"""inputs.roster: CSV and XLSX rosters read into checked rows; every bad row reported at once, located."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ivig_handout.batch.roster import document_finder, layout_finder
from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.roster import MAX_ROWS, read_roster

NAMES = ("Nguyễn Thị Minh Khai", "Łódź Wiśniewska", "Ωmega")


def _read(path: Path, default: str | None = None):
    return read_roster(path, document_finder(load_handout(None)), layout_finder(False), default, label=path.name)


def _problems(path: Path, default: str | None = None) -> list[str]:
    with pytest.raises(ContentError) as info:
        _read(path, default)
    return info.value.problems


def test_csv_with_bom_semicolons_quotes_and_every_disorder(tmp_path: Path) -> None:
    handout = load_handout(None)
    ids = ["full"] + [d.id for d, _ in handout.disorders()]
    lines = ["Copies;DATE;Name;disorder;Layout"]  # any order, any case
    for i, doc in enumerate(ids):
        lines.append(f'{i % 3 + 1};1 December 2026;"{NAMES[i % 3]}; {i}";{doc};{"a4" if i == 1 else ""}')
    lines.insert(3, ";;;;")  # an empty row is skipped, but counted as a spreadsheet counts it
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    rows = _read(path)
    assert [r.document for r in rows] == ids
    assert rows[0].patient.name == f"{NAMES[0]}; 0"  # the quoted semicolon stays in the name
    assert rows[0].patient.date == "1 December 2026"
    assert [r.row for r in rows[:4]] == [2, 3, 5, 6]
    assert rows[1].layout == "a4" and rows[0].layout is None
    assert [r.copies for r in rows[:3]] == [1, 2, 3]


def test_disorder_by_alias_name_or_abbreviation_and_default_doc(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name,disorder\nA,Guillain-Barré syndrome\nB,MG\nC,lambert-eaton\nD,\n", encoding="utf-8")
    assert [r.document for r in _read(path, default="cidp")] == ["gbs", "mg", "lems", "cidp"]


def test_xlsx_with_a_date_cell_and_number_copies(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "disorder", "date", "copies"])
    sheet.append([NAMES[0], "gbs", datetime(2026, 12, 1, 9, 30), 2])
    sheet.append([])
    sheet.append([NAMES[1], "cidp", "tomorrow", 3.0])
    sheet.append(["x" * 60, "full", None, None])  # a name at the length limit
    path = tmp_path / "roster.xlsx"
    book.save(path)
    rows = _read(path)
    assert [(r.row, r.patient.name, r.patient.date, r.copies) for r in rows] == [
        (2, NAMES[0], "1 December 2026", 2), (4, NAMES[1], "tomorrow", 3), (5, "x" * 60, None, None)]


def test_xlsx_errors_are_located_by_sheet_row(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "disorder", "copies"])
    sheet.append(["A", "gbs", 1.5])
    sheet.append(["B", "gbz", 1])
    path = tmp_path / "day.xlsx"
    book.save(path)
    assert _problems(path) == ["day.xlsx:2: copies: '1.5' is not a whole number from 1 to 1000",
                               "day.xlsx:3: disorder: unknown 'gbz', did you mean 'gbs'?"]


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    rows = ["name,disorder,copies,date", "Ann,gbs,1,", "Bob,gbz,1,", ",gbs,,", "Cy,mg,0,", "Di,mg,1001,",
            "Ed,mg,two,", "x" * 61 + ",mg,,", "Fay,mg,,\x07", "Gus,,,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problems = _problems(path)
    assert len(problems) == 8
    assert problems[:6] == [
        "roster.csv:3: disorder: unknown 'gbz', did you mean 'gbs'?",
        "roster.csv:4: name: is empty; every row needs the patient's name",
        "roster.csv:5: copies: '0' is not a whole number from 1 to 1000",
        "roster.csv:6: copies: '1001' is not a whole number from 1 to 1000",
        "roster.csv:7: copies: 'two' is not a whole number from 1 to 1000",
        "roster.csv:8: name: is 61 characters long; at most 60 fit, shorten it"]
    assert problems[6].startswith("roster.csv:9: date: the character") and "U+0007" in problems[6]
    assert problems[7] == ("roster.csv:10: disorder: is empty and no default document was given (--doc, or "
                           "documents: in the job file)")
    assert "Ann" not in " ".join(problems)  # good rows are not mentioned


def test_unknown_duplicate_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name,disorder,colour,Name\nA,gbs,red,B\n", encoding="utf-8")
    assert _problems(path) == [
        "r.csv:1: unknown column 'colour': the columns are name, disorder, date, layout, copies, language, also",
        "r.csv:1: column 'name' appears twice; keep one"]
    path.write_text("disorders\ngbs\n", encoding="utf-8")
    assert _problems(path) == [("r.csv:1: unknown column 'disorders': did you mean 'disorder'? the columns are "
                               "name, disorder, date, layout, copies, language, also")]
    path.write_text("disorder,date\ngbs,today\n", encoding="utf-8")
    assert _problems(path)[0].startswith("r.csv:1: no 'name' column")


def test_unknown_layout_and_value_without_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name,layout,\nA,leter,\nB,letter,oops\n", encoding="utf-8")
    assert _problems(path, "gbs") == [
        ("r.csv:2: layout: unknown 'leter', did you mean 'letter' or 'letter-mono' or 'booklet'? "
        "(see `ivig-handout layouts`)"),
        "r.csv:3: column 3 has a value but no name in the header row; name the column or clear the cell"]


def test_not_utf8_empty_and_too_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("name\nJosé\n".encode("cp1252"))
    assert _problems(path) == ["r.csv:2: is not UTF-8 text; save the roster as 'CSV UTF-8'"]
    path.write_text("\n\n", encoding="utf-8")
    assert _problems(path)[0].startswith("r.csv: is empty")
    path.write_text("name\n" + "A\n" * (MAX_ROWS + 1), encoding="utf-8")
    assert _problems(path, "gbs") == [(f"r.csv:{MAX_ROWS + 2}: more than 10,000 patients; split the roster into "
                                      "several files (nothing was printed)")]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "r.csv"
    os.mkfifo(fifo)
    assert "named pipe" in _problems(fifo)[0]


def test_a_cell_repeated_row_after_row_is_checked_once_and_reported_on_every_row(tmp_path: Path) -> None:
    """Issue 25: each distinct document, layout and date text is checked once per roster (rows repeat
    them), yet a bad one is still reported on every row that has it, and the good rows' values are as
    checked on their own."""
    calls: list[str] = []
    find = document_finder(load_handout(None))

    def counted(text: str) -> str:
        calls.append(text)
        return find(text)

    path = tmp_path / "roster.csv"
    lines = ["name,disorder,date"] + [f"P{i} ,gbs,  1 December   2026" for i in range(50)]
    lines += ["Bad One,gbz,1 December 2026", "Bad Two,gbz,\x07", "Bad Three,GBS,\x07"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_roster(path, counted, layout_finder(False), label="r.csv")
    assert sorted(calls) == ["GBS", "gbs", "gbz"]
    problems = info.value.problems
    control = "date: the character U+0007 is a control character; remove it"
    assert problems == ["r.csv:52: disorder: unknown 'gbz', did you mean 'gbs'?", f"r.csv:53: {control}",
                        "r.csv:53: disorder: unknown 'gbz', did you mean 'gbs'?", f"r.csv:54: {control}"]
    path.write_text("\n".join(lines[:51]) + "\n", encoding="utf-8")
    rows = read_roster(path, counted, layout_finder(False), label="r.csv")
    assert [(r.patient.name, r.patient.date, r.document) for r in rows[:2]] == [
        ("P0", "1 December 2026", "gbs"), ("P1", "1 December 2026", "gbs")]
    assert len(rows) == 50
