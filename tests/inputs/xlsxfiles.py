"""XLSX workbooks built part by part with zipfile, for the hostile-spreadsheet tests (and bench/xlsx.py):
small, made at test time, each part's XML written as given, so a test can put anything in it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>")
ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
             f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<workbookPr{pr}/><sheets><sheet name="Monday" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                 f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>')
# cell style 1 is a date (built-in format 14, m/d/yyyy), style 2 a custom date format, style 3 a plain number
STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
          '<numFmts count="2"><numFmt numFmtId="164" formatCode="d\\ mmmm\\ yyyy"/>'
          '<numFmt numFmtId="165" formatCode="0.00&quot;d&quot;"/></numFmts>'
          '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>'
          "</cellXfs></styleSheet>")


def sheet(rows: str, head: str = "") -> str:
    """A worksheet whose sheetData holds ``rows`` (XML), after ``head`` (e.g. a dimension element)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{head}'
            f"<sheetData>{rows}</sheetData></worksheet>")


def shared(strings: Iterable[str]) -> str:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'


def inline(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(number: int | str, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


HEADER = row(1, inline("A1", "name"), inline("B1", "disorder"))


def workbook(sheet_xml: str, strings: Iterable[str] | None = None, date1904: bool = False,
             parts: Mapping[str, bytes | str] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The bytes of an XLSX file: its first sheet ``sheet_xml``, shared strings (if given), the styles
    above, and ``parts`` added or put in place of any of these (by name)."""
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.replace("{pr}", ' date1904="1"' if date1904 else ""),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet_xml,
        "xl/styles.xml": STYLES, "xl/sharedStrings.xml": shared(strings or ())}
    members.update(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def bomb(size: int, ref: str = "A2") -> bytes:
    """A workbook whose second row holds one inline string of ``size`` characters: small packed,
    huge unpacked (written in pieces, never held whole)."""
    out = io.BytesIO()
    base = workbook(sheet(""))
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(sheet(HEADER + "@@").split("@@")[0].encode())
            part.write(f'<row r="2"><c r="{ref}" t="inlineStr"><is><t>'.encode())
            piece = b"A" * (1 << 20)
            for _ in range(size >> 20):
                part.write(piece)
            part.write(b"A" * (size % (1 << 20)))
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


ANN = row(2, inline("A2", "Ann Lee"), inline("B2", "gbs"))
SAVE = "open it in the spreadsheet program and save it again, or save it as 'CSV UTF-8'"


def _with_dtd(dtd: str, cell: str = '<c r="A2" t="inlineStr"><is><t>&x;</t></is></c>') -> str:
    body = sheet(HEADER + row(2, cell, inline("B2", "gbs"))).split("?>", 1)[1]
    return f'<?xml version="1.0" encoding="UTF-8"?>{dtd}{body}'


LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY a "lol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")


def hostile(secret: str = "/etc/hostname") -> dict[str, tuple[bytes, str]]:
    """Malformed or hostile workbooks, each with the message it must end in (after ``FILE: ``; a
    trailing ``*`` means the message starts so)."""
    return {
        "date-text": (workbook(sheet(HEADER + row(2, inline("A2", "Ann"), '<c r="B2" t="d"><v>notadate</v></c>'))),
                      "sheet 1, cell B2: 'notadate' is not a date (a date cell holds one as 2026-12-01)"),
        "number-text": (workbook(sheet(HEADER + row(2, inline("A2", "Ann"), '<c r="B2" t="n"><v>abc</v></c>'))),
                        "sheet 1, cell B2: 'abc' is not a number"),
        "bad-reference": (workbook(sheet(HEADER + row(2, inline("A2", "Ann"), '<c r="ZZZZZZ2"><v>1</v></c>'))),
                          f"sheet 1, row 2: 'ZZZZZZ2' is not a cell of this row (columns go from A to XFD); {SAVE}"),
        "shared-index": (workbook(sheet(HEADER + row(2, inline("A2", "Ann"), '<c r="B2" t="s"><v>999999</v></c>')),
                                  strings=["gbs", "mg"]),
                         ("sheet 1, cell B2: refers to shared text number '999999', but the workbook has 2 shared "
                         f"texts; {SAVE}")),
        "negative-row": (workbook(sheet(HEADER + row(-5, inline("A2", "Ann")))),
                         f"sheet 1, row '-5': is not a row number (rows go from 1 to 1,048,576); {SAVE}"),
        "unclosed": (workbook(sheet(HEADER + ANN)[:-25]),
                     "sheet 1, after cell B2: the XML is broken (unclosed token, line 1, column *"),
        "xxe": (workbook(_with_dtd(f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file://{secret}">]>')),
                f"sheet 1: holds a DTD (<!DOCTYPE ...>), which a spreadsheet program never writes; {SAVE}"),
        "billion-laughs": (workbook(_with_dtd(LAUGHS, '<c r="A2" t="inlineStr"><is><t>&j;</t></is></c>')),
                           f"sheet 1: holds a DTD (<!DOCTYPE ...>), which a spreadsheet program never writes; {SAVE}"),
        "undeclared-entity": (workbook(_with_dtd("")),
                              "sheet 1, cell A2: the XML is broken (undefined entity, line 1, column *"),
        "dtd-in-shared-strings": (
            workbook(sheet(HEADER + ANN), parts={"xl/sharedStrings.xml": _with_dtd(LAUGHS).replace("worksheet", "sst")}),
            f"xl/sharedStrings.xml: holds a DTD (<!DOCTYPE ...>), which a spreadsheet program never writes; {SAVE}"),
    }


def matches(line: str, expected: str) -> bool:
    return line.startswith(expected[:-1]) if expected.endswith("*") else line == expected
