"""Issue 23: a roster's ``language`` column is the handout's language, its ``also`` column a second
language printed on the back. Cells name a language as a clinic writes it (``es``, ``es-US``,
``Spanish``, ``español``); an unknown one, or ``also`` the same as the handout's, is a problem at its
row and column; a draft translation named in a row is refused (located) unless --allow-draft; a
spreadsheet's date cell is written in the row's language; the record gets each row's language."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl

from ivig_handout.api import RosterFile, print_runs, roster

from .inputs.common import error_lines, run_process
from .pdfcheck import page_texts, squash

DAY = ("name,disorder,language,also\n"
       "Ana Lima,lems,,es\n"
       "Juan Perez,lems,Spanish,\n"
       "Bob Li,lems,en-US,\n"
       "Eva Sol,lems,español,English\n").encode()


def test_cells_name_languages_as_a_clinic_writes_them() -> None:
    checked = roster(RosterFile(DAY, allow_draft=True))
    assert not checked.problems
    assert [(r.language, r.also) for r in checked.rows] == [(None, "es"), ("es", None), ("en", None), ("es", "en")]


def test_bad_language_cells_are_problems_at_their_row_and_column() -> None:
    data = b"name,disorder,language,also\nAna Lima,lems,fr,\nBob Li,lems,,en\nEva Sol,lems,es,spanish\n"
    checked = roster(RosterFile(data, allow_draft=True))
    assert [(p.line, p.field, p.text) for p in checked.problems] == [
        (2, "language", "unknown language 'fr', expected en or es"),
        (3, "also", "'en' is the handout's own language; name another, or leave it empty"),
        (4, "also", "'es' is the handout's own language; name another, or leave it empty")]
    assert checked.rows == ()


def test_a_row_naming_a_draft_is_refused_without_allow_draft() -> None:
    checked = roster(RosterFile(DAY))
    assert [(p.line, p.field) for p in checked.problems] == [(2, "also"), (3, "language"), (5, "language")]
    assert all("is a draft translation" in p.text for p in checked.problems)
    assert [r.row for r in checked.rows] == [4]  # the English row goes ahead


def test_each_row_is_printed_in_its_languages() -> None:
    made = print_runs(RosterFile(DAY, allow_draft=True))
    texts = [squash(t) for t in page_texts(made.runs["letter"])]
    firsts = [t[:60] for t in texts]
    assert "Prepared for Ana Lima" in texts[0] and "Preparado para Ana Lima" in texts[1], firsts
    assert "Preparado para Juan Perez" in texts[2] and texts[3] == "", firsts  # each handout on a front side
    assert "Prepared for Bob Li" in texts[4] and texts[5] == "", firsts
    assert "Preparado para Eva Sol" in texts[6] and "Prepared for Eva Sol" in texts[7], firsts


def test_a_date_cell_is_written_in_the_rows_language() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "disorder", "date", "language"])
    sheet.append(["Ana Lima", "lems", date(2026, 12, 1), "es"])
    sheet.append(["Bob Li", "lems", date(2026, 12, 1), ""])
    out = io.BytesIO()
    book.save(out)
    checked = roster(RosterFile(out.getvalue(), "day.xlsx", allow_draft=True))
    assert [r.patient.date for r in checked.rows] == ["1 de diciembre de 2026", "1 December 2026"]


def test_the_command_line_batch_records_each_rows_language(tmp_path: Path) -> None:
    path = tmp_path / "day.csv"
    path.write_bytes(DAY)
    db = tmp_path / "record.sqlite3"
    refused = run_process("batch", "--roster", str(path), "--out-dir", str(tmp_path / "no"), "--record-db", str(db),
                          timeout=120)
    lines = error_lines(refused[0], refused[2])
    assert [line.split(": ")[1:3] for line in lines] == [[f"{path}:2", "also"], [f"{path}:3", "language"],
                                                         [f"{path}:5", "language"]]
    assert all("is a draft translation" in line for line in lines) and not db.exists()
    code, _, stderr, _ = run_process("batch", "--roster", str(path), "--out-dir", str(tmp_path / "out"),
                                     "--record-db", str(db), "--allow-draft", timeout=120)
    assert code == 0, stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT language, pack_edition FROM given ORDER BY id").fetchall()
    conn.close()
    en, es = "aan-ivig-2012-en.1", "aan-ivig-2012-es.draft1"
    assert rows == [("en-US+es-US", f"{en}+{es}"), ("es-US", es), ("en-US", en), ("es-US+en-US", f"{es}+{en}")]
