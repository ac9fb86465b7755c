"""inputs.roster and inputs.xlsx: hostile and malformed spreadsheets (issue 19, defects 1, 2 and 6) end
as one located roster error, within bounds that do not depend on what the file declares; UTF-16 CSV
rosters are recognised (issue 19, "Encodings")."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivig_handout.batch.roster import document_finder, layout_finder
from ivig_handout.errors import ContentError
from ivig_handout.inputs import roster as roster_module
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.roster import read_roster

from .xlsxfiles import (
    ANN,
    HEADER,
    SAVE,
    STYLES,
    WORKBOOK_RELS,
    bomb,
    hostile,
    inline,
    matches,
    row,
    shared,
    sheet,
    workbook,
)

SHEET_PART = "xl/worksheets/sheet1.xml"
_STANDARD_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", SHEET_PART,
                   "xl/styles.xml", "xl/sharedStrings.xml")


def _read(path: Path, default: str | None = None):  # type: ignore[no-untyped-def]
    return read_roster(path, document_finder(load_handout(None)), layout_finder(False), default, label=path.name)


def _problems(path: Path, default: str | None = "gbs") -> list[str]:
    with pytest.raises(ContentError) as info:
        _read(path, default)
    return info.value.problems


def _file(tmp_path: Path, data: bytes, name: str = "today.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def cells_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of cells of each row the roster check is given; a row of more than 16 cells (a padded
    one) or more than 100 rows fail the test at once, so a reader that pads cannot run on."""
    seen: list[int] = []
    check = roster_module._check

    def counted(records: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        for number, cells in records:
            seen.append(len(cells))
            assert len(cells) <= 16 and len(seen) <= 100, f"row {number}: {len(cells)} cells; {len(seen)} rows"
            yield number, cells

    monkeypatch.setattr(roster_module, "_check", lambda records, *rest: check(counted(records), *rest))
    return seen


@pytest.fixture
def unpacked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes each read of a ZIP part returned (every reader reads parts through ZipExtFile)."""
    sizes: list[int] = []
    for method in ("read", "read1"):
        real = getattr(zipfile.ZipExtFile, method)

        def counting(self: zipfile.ZipExtFile, n: int = -1, real: Any = real) -> bytes:
            data: bytes = real(self, n)
            sizes.append(len(data))
            return data

        monkeypatch.setattr(zipfile.ZipExtFile, method, counting)
    return sizes


# -- defect 1: the declared dimension --------------------------------------------------------------

DIMENSION = '<dimension ref="A1:XFD1048576"/>'


def test_a_declared_dimension_is_ignored_and_rows_are_not_padded(tmp_path: Path, cells_seen: list[int]) -> None:
    empty_far_cell = row(1048576, '<c r="XFD1048576" s="0"/>')  # a cell without a value, as far as a sheet goes
    path = _file(tmp_path, workbook(sheet(HEADER + ANN + empty_far_cell, head=DIMENSION)))
    rows = _read(path)
    assert [(r.row, r.patient.name, r.document) for r in rows] == [(2, "Ann Lee", "gbs")]
    assert cells_seen == [2, 2]  # the header and Ann's row: the empty cell is no row at all


def test_a_value_at_the_last_cell_is_one_cell_and_a_located_problem(tmp_path: Path, cells_seen: list[int]) -> None:
    far_cell = row(1048576, '<c r="XFD1048576"><v>7</v></c>')
    path = _file(tmp_path, workbook(sheet(HEADER + ANN + far_cell, head=DIMENSION)))
    assert _problems(path) == [
        "today.xlsx:1048576: column 16384 has a value but no name in the header row; name the column or clear the cell",
        "today.xlsx:1048576: name: is empty; every row needs the patient's name"]
    assert cells_seen == [2, 2, 1]


def test_rows_and_cells_without_references_follow_the_previous_ones(tmp_path: Path) -> None:
    rows = ('<row><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>disorder</t></is></c></row>'
            '<row r="4"><c t="inlineStr"><is><t>Ann Lee</t></is></c><c r="B4" t="inlineStr"><is><t>mg</t></is></c></row>'
            '<row><c t="inlineStr"><is><t>Bo Chan</t></is></c></row>')
    path = _file(tmp_path, workbook(sheet(rows)))
    assert [(r.row, r.patient.name, r.document) for r in _read(path, "cidp")] == [(4, "Ann Lee", "mg"),
                                                                                  (5, "Bo Chan", "cidp")]


def test_reading_stops_at_the_end_of_the_cell_data(tmp_path: Path) -> None:
    """What follows sheetData (merged cells, extensions, even broken XML) is never read."""
    data = workbook(sheet(HEADER + ANN).replace("</worksheet>", "<mergeCells><oops></worksheet>"))
    assert [r.patient.name for r in _read(_file(tmp_path, data))] == ["Ann Lee"]


def test_the_element_budget_bounds_any_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ivig_handout.inputs import xlsx

    monkeypatch.setattr(xlsx, "MAX_ELEMENTS", 60)  # the workbook's other parts hold 11, the sheet 16 before row 3
    data = workbook(sheet(HEADER + ANN + "".join(row(n, f'<c r="C{n}" s="1"/>') for n in range(3, 60))))
    assert _problems(_file(tmp_path, data)) == [
        ("today.xlsx: sheet 1, row 19: the workbook holds more than 60 cells and other entries; keep only the roster in "
        "it, on the first sheet, or save it as 'CSV UTF-8'")]


def test_only_the_parts_a_roster_needs_are_read(tmp_path: Path, unpacked: list[int]) -> None:
    """Other sheets, pictures and the like are never unpacked, however big they are."""
    data = workbook(sheet(HEADER + ANN), parts={"xl/worksheets/sheet2.xml": "x" * 20_000_000})
    assert [r.patient.name for r in _read(_file(tmp_path, data))] == ["Ann Lee"]
    assert sum(unpacked) < 10_000


@pytest.mark.parametrize(("rows", "expected"), [
    (row(2, inline("A2", "Ann"), inline("B2", "gbs"), '<c r="C2"' + "".join(f' a{n}=""' for n in range(64)) + "/>"),  # and r
     "sheet 1, after cell B2: an XML element has 65 attributes (at most 64 are read)"),
    (row(2, "<x>" * 70 + "</x>" * 70), "sheet 1, row 2: XML elements are nested more than 64 deep"),
    (row(2, *(f'<c r="{c}2" xmlns:n{c}="u"/>' for c in ("A", "B", "C"))) + "".join(
        row(n, f'<c r="A{n}"' + "".join(f' xmlns:n{k}="u"' for k in range(100)) + "/>") for n in range(3, 13)),
     "xl/worksheets/sheet1.xml: declares more than 1,000 XML namespaces"),
    (row(2, inline("A2", "Ann"), f'<c r="B2" x="{"y" * 270_000}"/>'),
     ("xl/worksheets/sheet1.xml: holds more than 262,144 bytes without a tag (a tag that long, or a text longer than "
     "a cell can be)")),
], ids=["attributes", "depth", "namespaces", "long-tag"])
def test_what_one_tag_may_cost_is_bounded(tmp_path: Path, rows: str, expected: str) -> None:
    """expat builds a tag whole (every attribute, every namespace, every open element) before any
    handler sees it: the tags are kept short, and each is refused past a few of each."""
    assert _problems(_file(tmp_path, workbook(sheet(HEADER + rows)))) == [f"today.xlsx: {expected}; {SAVE}"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_part_in_utf16_is_refused(tmp_path: Path, encoding: str) -> None:
    """A '<' byte is a '<' only in UTF-8 (and 8-bit encodings): the tag-length bound relies on it."""
    part = sheet(HEADER + ANN).replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"').encode(encoding)
    assert _problems(_file(tmp_path, workbook(part))) == [
        f"today.xlsx: {SHEET_PART}: is UTF-16 or UTF-32 XML, which spreadsheet programs do not write; {SAVE}"]


# -- defect 2: zip bombs ---------------------------------------------------------------------------

def test_a_part_that_says_it_unpacks_too_big_is_refused_unread(tmp_path: Path, unpacked: list[int]) -> None:
    from ivig_handout.inputs.xlsx import MAX_SHEET

    path = _file(tmp_path, bomb(40_000_000))  # 40 MB of one inline string, about 40 KB packed
    assert path.stat().st_size < 100_000
    assert _problems(path) == [
        (f"today.xlsx: {SHEET_PART} says it unpacks to 40,000,406 bytes; the limit is {MAX_SHEET:,} (a roster needs far "
        "less: keep only the roster in the workbook, or save it as 'CSV UTF-8')")]
    assert sum(unpacked) < 100_000  # the workbook's small parts; not a byte of the sheet


def _lie(data: bytes, part: str, size: int) -> bytes:
    """``data`` with the directory entry of ``part`` saying it unpacks to ``size`` bytes."""
    end = data.rindex(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(count):
        name, extra, comment = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46:at + 46 + name] == part.encode():
            return data[:at + 24] + struct.pack("<L", size) + data[at + 28:]
        at += 46 + name + extra + comment
    raise AssertionError(part)


def test_a_part_that_lies_about_its_size_is_never_read_past_what_it_said(tmp_path: Path,
                                                                        unpacked: list[int]) -> None:
    data = _lie(bomb(2_000_000), SHEET_PART, 5_000)  # says 5,000 bytes, holds 2 MB
    problems = _problems(_file(tmp_path, data))
    assert len(problems) == 1 and problems[0].startswith(f"today.xlsx: cannot be read as an XLSX workbook ({SHEET_PART}: ")
    assert problems[0].endswith(f"); {SAVE}")
    assert sum(unpacked) < 60_000


def test_a_cell_longer_than_a_spreadsheet_cell_is_refused_where_it_is(tmp_path: Path) -> None:
    assert _problems(_file(tmp_path, bomb(40_000, ref="B2"))) == [
        "today.xlsx: sheet 1, cell B2: holds more than 32,767 characters (a spreadsheet cell holds at most that)"]
    strings = workbook(sheet(HEADER + row(2, '<c r="A2" t="s"><v>0</v></c>')), strings=["x" * 40_000])
    assert _problems(_file(tmp_path, strings)) == [
        ("today.xlsx: xl/sharedStrings.xml, text 0: is longer than 32,767 characters (a spreadsheet cell holds at "
        "most that)")]


def test_the_archive_directory_is_checked_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = {f"xl/media/{n}.bin": b"" for n in range(5_001)}
    path = _file(tmp_path, workbook(sheet(HEADER + ANN), parts=parts))
    opened: list[object] = []
    real = zipfile.ZipFile.__init__
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda self, *args, **kw: (opened.append(args), real(self, *args, **kw))[1])
    size = 46 * 5_008 + sum(len(name) for name in parts) + len("".join(_STANDARD_PARTS))
    assert _problems(path) == [
        (f"today.xlsx: cannot be read as an XLSX workbook (it lists 5,008 parts in {size:,} bytes; a roster needs a "
        f"few, in at most 5,000 parts and 1,048,576 bytes); {SAVE}")]
    assert opened == []  # zipfile never went through the list


def test_a_zip64_directory_is_checked_by_what_zipfile_would_read(tmp_path: Path) -> None:
    """The end record may say 3 parts while its ZIP64 form, which zipfile believes, says 70,007."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook(sheet(HEADER + ANN)))) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for n in range(70_000):
            archive.writestr(f"{n}", b"")
    data = out.getvalue()
    end = data.rindex(b"PK\x05\x06")
    assert data[end - 20:end - 16] == b"PK\x06\x07"  # zipfile wrote the ZIP64 end record (more than 65,535 parts)
    small = data[:end + 8] + struct.pack("<HHLL", 3, 3, 200, 0) + data[end + 20:]
    problems = _problems(_file(tmp_path, small))
    assert len(problems) == 1 and problems[0].startswith(
        "today.xlsx: cannot be read as an XLSX workbook (it lists 70,007 parts in "), problems


def test_a_part_named_twice_is_refused(tmp_path: Path) -> None:
    data = workbook(sheet(HEADER + ANN))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(SHEET_PART, sheet(HEADER + row(2, inline("A2", "Eve Other"), inline("B2", "mg"))))
    assert _problems(_file(tmp_path, out.getvalue())) == [
        f"today.xlsx: cannot be read as an XLSX workbook (more than one part '{SHEET_PART}' in it); {SAVE}"]


# -- defect 6: malformed workbooks -----------------------------------------------------------------

@pytest.mark.parametrize("case", list(hostile()))
def test_a_malformed_workbook_is_one_located_problem(tmp_path: Path, case: str) -> None:
    data, expected = hostile()[case]
    problems = _problems(_file(tmp_path, data))
    assert len(problems) == 1 and matches(problems[0], f"today.xlsx: {expected}"), problems


def test_an_external_entity_is_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Eve Secret", encoding="utf-8")
    data, expected = hostile(str(secret))["xxe"]
    path = _file(tmp_path, data)
    opened: list[str] = []
    watching = [True]

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if watching[0] and event == "open" and args and "secret" in str(args[0]):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # hooks stay for the session: this one only watches during the read
    try:
        problems = _problems(path)
    finally:
        watching[0] = False
    assert problems == [f"today.xlsx: {expected}"] and "Eve" not in problems[0]
    assert opened == []


def test_every_problem_is_one_line_whatever_the_file_holds(tmp_path: Path) -> None:
    header = row(1, inline("A1", "name"), inline("B1", "col\nour"))
    assert _problems(_file(tmp_path, workbook(sheet(header + ANN)))) == [
        "today.xlsx:1: unknown column 'col our': the columns are name, disorder, date, layout, copies, language, also"]
    copies = row(1, inline("A1", "name"), inline("B1", "copies")) + row(2, inline("A2", "Ann"), inline("B2", "1\r\n2"))
    assert _problems(_file(tmp_path, workbook(sheet(copies)))) == [
        "today.xlsx:2: copies: '1 2' is not a whole number from 1 to 1000"]
    rels = WORKBOOK_RELS.replace('Target="worksheets/sheet1.xml"', 'Target="worksheets/sheet&#10;1.xml"')
    assert _problems(_file(tmp_path, workbook(sheet(HEADER + ANN), parts={"xl/_rels/workbook.xml.rels": rels}))) == [
        ("today.xlsx: cannot be read as an XLSX workbook (xl/_rels/workbook.xml.rels points to a part that cannot be: "
         f"'worksheets/sheet\\n1.xml'); {SAVE}")]


# -- what a workbook holds, read as the spreadsheet shows it ----------------------------------------

def test_dates_by_number_format_in_both_date_systems(tmp_path: Path) -> None:
    rows = (row(1, inline("A1", "name"), inline("B1", "date"), inline("C1", "copies"))
            + row(2, inline("A2", "Ann"), '<c r="B2" s="1"><v>46357</v></c>', '<c r="C2" s="3"><v>2</v></c>')
            + row(3, inline("A3", "Bo"), '<c r="B3" s="2"><v>46357.5</v></c>')
            + row(4, inline("A4", "Cy"), '<c r="B4" t="d"><v>2026-12-01T09:30:00</v></c>')
            + row(5, inline("A5", "Di"), '<c r="B5" s="1"><v>0.5</v></c>'))
    dates = [(r.patient.date, r.copies) for r in _read(_file(tmp_path, workbook(sheet(rows))), "gbs")]
    assert dates == [("1 December 2026", 2), ("1 December 2026", None), ("1 December 2026", None), ("12:00:00", None)]
    book1904 = workbook(sheet(row(1, inline("A1", "name"), inline("B1", "date"))
                              + row(2, inline("A2", "Ann"), '<c r="B2" s="2"><v>44895</v></c>')), date1904=True)
    assert [r.patient.date for r in _read(_file(tmp_path, book1904, "b.xlsx"), "gbs")] == ["1 December 2026"]


def test_styles_are_read_only_for_a_styled_number(tmp_path: Path) -> None:
    """A roster of text cells never reads the styles part: a broken one does not matter."""
    broken = STYLES.replace("</styleSheet>", "")
    data = workbook(sheet(HEADER + ANN), parts={"xl/styles.xml": broken})
    assert [r.patient.name for r in _read(_file(tmp_path, data))] == ["Ann Lee"]
    styled = workbook(sheet(HEADER + row(2, inline("A2", "Ann"), '<c r="B2" s="1"><v>3</v></c>')),
                      parts={"xl/styles.xml": broken})
    problems = _problems(_file(tmp_path, styled))
    assert len(problems) == 1 and problems[0].startswith("today.xlsx: xl/styles.xml: the XML is broken (no element")


def test_shared_strings_rich_text_and_phonetic_guides(tmp_path: Path) -> None:
    strings = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               "<si><t>name</t></si><si><t>disorder</t></si>"
               '<si><r><t xml:space="preserve">Ann </t></r><r><rPr><b/></rPr><t>Lee</t></r>'
               "<rPh sb=\"0\" eb=\"1\"><t>アン</t></rPh></si><si><t>MG</t></si></sst>")
    rows = (row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>')
            + row(2, '<c r="A2" t="s"><v>2</v></c>', '<c r="B2" t="s"><v>3</v></c>'))
    data = workbook(sheet(rows), parts={"xl/sharedStrings.xml": strings})
    assert [(r.patient.name, r.document) for r in _read(_file(tmp_path, data))] == [("Ann Lee", "mg")]


def test_strict_open_xml_workbook(tmp_path: Path) -> None:
    strict = {"http://schemas.openxmlformats.org/spreadsheetml/2006/main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
              "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
              "http://purl.oclc.org/ooxml/officeDocument/relationships"}
    data = workbook(sheet(HEADER + ANN))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            text = source.read(info).decode()
            for old, new in strict.items():
                text = text.replace(old, new)
            archive.writestr(info.filename, text)
    assert [r.patient.name for r in _read(_file(tmp_path, out.getvalue()))] == ["Ann Lee"]


def test_not_a_workbook_and_old_excel(tmp_path: Path) -> None:
    assert _problems(_file(tmp_path, b"PK\x03\x04" + b"\0" * 100)) == [
        f"today.xlsx: cannot be read as an XLSX workbook (not a ZIP archive: File is not a zip file); {SAVE}"]
    assert _problems(_file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "day.xls")) == [
        ("day.xls: is an Excel 97-2003 workbook (.xls) or one saved with a password; save it as an Excel workbook "
        "(.xlsx) without a password, or as 'CSV UTF-8'")]


# -- Encodings: UTF-16 -----------------------------------------------------------------------------

UTF16_HINT = ("not UTF-8; save the roster as 'CSV UTF-8' (Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; "
              "LibreOffice: File > Save As > Text CSV, character set 'Unicode (UTF-8)')")


@pytest.mark.parametrize(("encoding", "bom", "order"), [
    ("utf-16-be", b"", "big-endian"), ("utf-16-le", b"", "little-endian"),
    ("utf-16-be", b"\xfe\xff", "big-endian"), ("utf-16-le", b"\xff\xfe", "little-endian")])
def test_a_utf16_roster_is_named_as_such(tmp_path: Path, encoding: str, bom: bytes, order: str) -> None:
    text = "name,disorder\r\nNguyễn Thị Minh Khai,gbs\r\nŁódź Wiśniewska,mg\r\n"
    path = _file(tmp_path, bom + text.encode(encoding), "today.csv")
    assert _problems(path) == [f"today.csv: is UTF-16 text ({order}), {UTF16_HINT}"]


def test_nul_characters_in_utf8_are_still_named(tmp_path: Path) -> None:
    path = _file(tmp_path, b"name,disorder\nAnn\0Lee,gbs\n", "today.csv")
    assert _problems(path) == ["today.csv: holds NUL characters; is it really a CSV file?"]


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"<", b"x")) | st.just(b"<"), max_size=30),
       st.integers(1, 25))
def test_runs_without_a_tag_are_measured_across_chunks(pieces: list[bytes], cut: int) -> None:
    """_run_after, chunk by chunk, finds a run of more than MAX_RUN bytes exactly when there is one."""
    from ivig_handout.inputs import xlsx

    data = b"".join(pieces)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx, "MAX_RUN", 10)
        run = 0
        for start in range(0, len(data), cut):
            run = xlsx._run_after(data[start:start + cut], run)
            if run < 0:
                break
    longest = max(len(piece) for piece in data.split(b"<"))
    assert (run < 0) == (longest > 10)
    if run >= 0:
        assert run == len(data.split(b"<")[-1])


_TOKENS = ["<", ">", "/", '"', "=", "&", "&amp;", "&#10;", "&x;", ' r="', ' t="', ' s="', "<c>", "</c>", "<row>",
           "</row>", "<v>", "</v>", "<is><t>", "</t>", "<rPh>", "-", "9", "Z", "XFD", "1048577", "inlineStr", "d", "b",
           "e", "s", "1e999", "nan", "<!DOCTYPE x>", "<!--", "<?x?>", "<![CDATA[", 'xmlns:a="b"', "a:", "\x00", "é"]
_FUZZ_ROWS = (row(1, inline("A1", "name"), '<c r="B1" t="s"><v>1</v></c>', inline("C1", "date"), inline("D1", "copies"))
              + row(2, inline("A2", "Ann"), '<c r="B2" t="s"><v>0</v></c>', '<c r="C2" s="1"><v>46357</v></c>',
                    '<c r="D2"><v>2</v></c>')
              + row(3, '<c r="A3" t="str"><f>A2</f><v>Bo</v></c>', '<c r="B3" t="s"><v>0</v></c>',
                    '<c r="C3" t="d"><v>2026-12-01</v></c>', '<c r="E3" t="b"/>'))
_FUZZ_PARTS = {SHEET_PART: sheet(_FUZZ_ROWS), "xl/sharedStrings.xml": shared(["gbs", "disorder"]), "xl/styles.xml": STYLES,
               "xl/_rels/workbook.xml.rels": WORKBOOK_RELS}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_FUZZ_PARTS)),
       st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["", *_TOKENS]), st.integers(0, 6)), min_size=1, max_size=4))
def test_any_damage_to_a_part_ends_in_rows_or_one_located_line(part: str, edits: list[tuple[float, str, int]]) -> None:
    from ivig_handout.inputs.xlsx import sheet_rows

    text = _FUZZ_PARTS[part]
    for where, insert, cut in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut:]
    try:
        rows = [(number, dict(cells)) for number, cells in sheet_rows(workbook(sheet(_FUZZ_ROWS), parts={part: text}),
                                                                       "today.xlsx")]
    except ContentError as exc:
        assert len(exc.problems) == 1 and exc.problems[0].startswith("today.xlsx: ")
        assert exc.problems[0].isprintable()
    else:
        assert all(number >= 1 and all(column >= 0 for column in cells) for number, cells in rows)
