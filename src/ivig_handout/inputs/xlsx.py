"""Inputs stage, xlsx: the cells of an XLSX workbook's first sheet, read within fixed bounds.

An XLSX file is a ZIP archive of XML parts, and nothing in it is trusted. Before any part is unpacked
the archive's directory is checked (its size and its number of parts); a part is refused if it says
it unpacks to more than its limit, and every read is capped again as it goes (a part may lie). The XML
is parsed as it streams (expat): no part is held whole, a DTD is refused (so no entity is ever
declared, let alone expanded or fetched), and the workbook may hold only so many elements. expat
builds each tag whole before anyone sees it, so what a tag may cost is bounded before it is parsed
(no run of more than MAX_RUN bytes without a '<') and refused soon after (attributes, nesting,
namespaces). Only the
parts a roster needs are read: the package's and the workbook's relationships and the workbook (to
find the first worksheet), the shared strings, that sheet, and the styles only once a number cell
has a style (a number in a date format is a date).

The sheet's declared dimension is ignored, and rows come out sparse (the cells that hold a value, by
0-based column), so a cell at XFD1048576 costs one cell, not a padded sheet; reading stops at the end
of the sheet's cell data. Every problem is one ContentError line, located where it can be:
``today.xlsx: sheet 1, cell B7: 'abc' is not a number``.
"""

from __future__ import annotations

import math
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from functools import cache, lru_cache
from io import BytesIO
from xml.parsers import expat

from ..errors import ContentError

MAX_PARTS = 5_000  # parts (files) in the archive
MAX_DIRECTORY = 1 << 20  # bytes of the archive's directory (the list of parts)
MAX_SHEET = 8 << 20  # bytes of the first sheet's XML, unpacked (10,000 patients take about 3 MB)
MAX_STRINGS_XML = 8 << 20  # bytes of the shared strings' XML, unpacked
MAX_SMALL = 4 << 20  # bytes of the workbook's, its relationships' or its styles' XML, unpacked
MAX_ELEMENTS = 400_000  # XML elements read from the whole workbook, all parts (bounds the time any file takes;
#                          10,000 patients in five columns take about 130,000)
MAX_STRINGS = 100_000  # shared strings
MAX_CELL = 32_767  # characters in a cell: Excel's own limit
MAX_RUN = 256 << 10  # bytes without a '<': the longest tag (the parser builds a tag whole), or a cell's text
MAX_ATTRIBUTES = 64  # attributes of one element (a cell has up to 5)
MAX_DEPTH = 64  # elements inside one another (a sheet's text is 7 deep)
MAX_NAMESPACES = 1_000  # namespace declarations in one part
MAX_COLUMN = 16_384  # column XFD
MAX_ROW = 1_048_576
SHEET = "sheet 1"

Cell = str | int | float | bool | datetime | time
Row = tuple[int, dict[int, Cell]]  # a row number and its cells by 0-based column

_CHUNK = 1 << 20  # bytes unpacked and parsed at a time (expat re-reads an unfinished token
#                  with each chunk: big chunks keep a huge token from costing its size squared)
_SAVE = "open it in the spreadsheet program and save it again, or save it as 'CSV UTF-8'"
_END = struct.Struct("<4s4H2LH")  # the end-of-central-directory record (zipfile's structEndArchive)
_END64 = struct.Struct("<4sQ2H2L4Q")  # its ZIP64 form
_LOCATOR64 = struct.Struct("<4sLQL")
_REF = re.compile(r"([A-Za-z]{1,3})([1-9][0-9]{0,6})")
_WHOLE = re.compile(r"[1-9][0-9]{0,6}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INDEX = re.compile(r"[0-9]{1,9}")
# built-in number formats that show a date or time (14-22, 45-47) or, in East Asian locales, a date (27-36, 50-58)
_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_NOT_CODES = re.compile(r'"[^"]*"|\\.|[_*].|\[[^\]]*\]')  # quoted text, escapes, padding, [colour] [$-409]


class _Stop(Exception):  # noqa: N818 - not an error: the end of the sheet's cell data
    pass


def sheet_rows(data: bytes, name: str) -> Iterator[Row]:
    """The rows of the first worksheet of the XLSX file ``data`` (``name`` in messages), in file
    order, each with its cells that hold a value; ContentError (one line) when the file cannot be read."""
    archive = _archive(data, name)
    with archive:
        book = _Book(archive, name)
        path = book.first_sheet()
        if path is not None:
            yield from book.rows(path)


def column_name(column: int) -> str:
    """``A`` for 1, ``XFD`` for 16384."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _quote(text: str) -> str:
    """Text from the file in a message: quoted, short, and never a line break or control character."""
    return repr(text if len(text) <= 30 else text[:30] + "…")


def _broken(name: str, why: str) -> ContentError:
    return ContentError([f"{name}: cannot be read as an XLSX workbook ({why}); {_SAVE}"])


# -- the archive ---------------------------------------------------------------------------------

def _archive(data: bytes, name: str) -> zipfile.ZipFile:
    """The archive, once its directory is known to be small (zipfile reads all of it, slowly, at once)."""
    parts, size = _directory(data)
    if parts > MAX_PARTS or size > MAX_DIRECTORY:
        raise _broken(name, f"it lists {parts:,} parts in {size:,} bytes; a roster needs a few, in at most "
                            f"{MAX_PARTS:,} parts and {MAX_DIRECTORY:,} bytes")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise _broken(name, f"not a ZIP archive: {exc}") from None
    if len(archive.infolist()) > MAX_PARTS:
        archive.close()
        raise _broken(name, f"it holds more than {MAX_PARTS:,} parts")
    return archive


def _directory(data: bytes) -> tuple[int, int]:
    """The number of parts and the size of the directory, as the archive's end record (and its ZIP64
    form, where there is one) state them; both read where zipfile looks for them. (0, 0) if none."""
    at = len(data) - _END.size
    if at < 0:
        return 0, 0
    if not (data[at:at + 4] == b"PK\x05\x06" and data.endswith(b"\0\0")):
        at = data.rfind(b"PK\x05\x06", max(0, len(data) - _END.size - 0xFFFF))
        if at < 0 or at + _END.size > len(data):
            return 0, 0
    fields = _END.unpack_from(data, at)
    parts, size = fields[4], fields[5]
    locator = at - _LOCATOR64.size
    if locator >= _END64.size and data[locator:locator + 4] == b"PK\x06\x07":
        record = _END64.unpack_from(data, locator - _END64.size)
        if record[0] == b"PK\x06\x06":
            parts, size = max(parts, record[7]), max(size, record[8])
    return parts, size


# -- reading parts -------------------------------------------------------------------------------

class _Budget:
    """The elements the workbook's parts may still hold, all parts together."""

    def __init__(self, left: int) -> None:
        self.left = left


class _Part:
    """What one XML part's parse reports to, by local element name (namespaces ignored): ``name`` is
    the file's, ``path`` the part's; every element spends one of ``budget``."""

    def __init__(self, name: str, path: str, budget: _Budget) -> None:
        self.name, self.path, self.budget = name, path, budget
        self.namespaces = 0  # declared so far
        self.depth = 0  # elements open

    def on_start(self, tag: str, attrs: dict[str, str]) -> None:
        """expat's handler: spend one element, then ``start``."""
        self.budget.left -= 1
        self.depth += 1
        if self.budget.left < 0 or len(attrs) > MAX_ATTRIBUTES or self.depth > MAX_DEPTH:
            raise self.over_budget(attrs)
        self.start(tag.rpartition(" ")[2], attrs)

    def on_end(self, tag: str) -> None:
        self.depth -= 1
        self.end(tag.rpartition(" ")[2])

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def where(self) -> str:
        """Where in the file the parse is, for a message (``sheet 1, cell B7``)."""
        return self.path

    def located(self, why: str, where: str | None = None) -> ContentError:
        return ContentError([f"{self.name}: {where or self.where()}: {why}"])

    def over_budget(self, attrs: dict[str, str]) -> ContentError:
        if self.depth > MAX_DEPTH:
            return self.located(f"XML elements are nested more than {MAX_DEPTH} deep; {_SAVE}")
        if len(attrs) > MAX_ATTRIBUTES:
            return self.located(f"an XML element has {len(attrs):,} attributes (at most {MAX_ATTRIBUTES} are read); "
                                f"{_SAVE}")
        return self.located(f"the workbook holds more than {MAX_ELEMENTS:,} cells and other entries; keep only the "
                            "roster in it, on the first sheet, or save it as 'CSV UTF-8'")


class _Book:
    """The archive, its parts by name, and what has been read of it."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive, self.name = archive, name
        self.budget = _Budget(MAX_ELEMENTS)
        self.date1904 = False
        self.strings_path: str | None = None
        self.styles_path: str | None = None
        self.infos: dict[str, list[zipfile.ZipInfo]] = {}
        for info in archive.infolist():
            self.infos.setdefault(info.filename, []).append(info)

    def first_sheet(self) -> str | None:
        """The path of the first worksheet (None: the workbook has none); notes the other parts' paths."""
        root = self.relationships("_rels/.rels", "")
        workbook = next((target for _, kind, target in root if kind.endswith("/officeDocument")), None)
        if workbook is None:
            raise _broken(self.name, "no workbook in it")
        folder, file = posixpath.split(workbook)
        links = {rid: (kind, target)
                 for rid, kind, target in self.relationships(posixpath.join(folder, "_rels", file + ".rels"), folder)}
        book = _Workbook(self.name, workbook, self.budget)
        self.parse(workbook, MAX_SMALL, book)
        self.date1904 = book.date1904
        self.strings_path = next((t for k, t in links.values() if k.endswith("/sharedStrings")), None)
        self.styles_path = next((t for k, t in links.values() if k.endswith("/styles")), None)
        return next((links[rid][1] for rid in book.sheets
                     if rid in links and links[rid][0].endswith("/worksheet")), None)

    def relationships(self, path: str, folder: str) -> list[tuple[str, str, str]]:
        """(id, type, part path) of each internal relationship in ``path``, targets taken from ``folder``."""
        part = _Relationships(self.name, path, self.budget)
        self.parse(path, MAX_SMALL, part)
        found = []
        for rid, kind, target in part.links:
            full = posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target))
            if full.startswith(("../", "/")) or full in (".", "..") or not full.isprintable():
                raise _broken(self.name, f"{path} points to a part that cannot be: {_quote(target)}")
            found.append((rid, kind, full))
        return found

    def rows(self, path: str) -> Iterator[Row]:
        strings = _Strings(self.name, self.strings_path or "", self.budget)
        if self.strings_path is not None:
            self.parse(self.strings_path, MAX_STRINGS_XML, strings)
        sheet = _Sheet(self.name, self.budget, strings.strings, self.date_styles, self.date1904)
        for _ in self.feed(path, MAX_SHEET, sheet):
            yield from sheet.done
            sheet.done.clear()

    def date_styles(self) -> frozenset[int]:
        """The cell styles (indexes) whose number format is a date; read at the first styled number."""
        if self.styles_path is None:
            return frozenset()
        styles = _Styles(self.name, self.styles_path, self.budget)
        self.parse(self.styles_path, MAX_SMALL, styles)
        return styles.dates()

    def parse(self, path: str, limit: int, part: _Part) -> None:
        for _ in self.feed(path, limit, part):
            pass

    def feed(self, path: str, limit: int, part: _Part) -> Iterator[None]:
        """Parse the part at ``path`` into ``part``, yielding after each chunk and at the end; located
        ContentErrors."""
        parser = expat.ParserCreate("UTF-8", " ")  # UTF-8 whatever a part declares, so a '<' byte is a '<'
        #                                            (expat would still detect UTF-16: refused below)
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def refuse(*_: object) -> None:
            raise part.located(f"holds a DTD (<!DOCTYPE ...>), which a spreadsheet program never writes; {_SAVE}")

        def declared(*_: object) -> None:
            part.namespaces += 1
            if part.namespaces > MAX_NAMESPACES:
                raise part.located(f"declares more than {MAX_NAMESPACES:,} XML namespaces; {_SAVE}", path)

        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
        parser.StartNamespaceDeclHandler = declared
        parser.StartElementHandler, parser.EndElementHandler = part.on_start, part.on_end
        parser.CharacterDataHandler = part.text
        run = -1  # bytes without a '<' at the end of the last chunk (-1: none read yet)
        try:
            for chunk in self.chunks(path, limit):
                run = _checked(chunk, run, part, path)
                parser.Parse(chunk, False)
                yield
            parser.Parse(b"", True)
        except _Stop:
            pass
        except expat.ExpatError as exc:
            why = f"{expat.ErrorString(exc.code)}, line {exc.lineno}, column {exc.offset}"
            raise part.located(f"the XML is broken ({why}); {_SAVE}") from None
        yield

    def chunks(self, path: str, limit: int) -> Iterator[bytes]:
        """The unpacked bytes of the part at ``path``, in chunks, never more than ``limit`` of them."""
        infos = self.infos.get(path, [])
        if len(infos) != 1:
            raise _broken(self.name, f"{'no' if not infos else 'more than one'} part {_quote(path)} in it")
        info = infos[0]
        if info.flag_bits & 1:
            raise _broken(self.name, f"{path} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _broken(self.name, f"{path} is packed in a way spreadsheet programs do not use")
        if info.file_size > limit:
            raise self.too_big(path, f"says it unpacks to {info.file_size:,} bytes", limit)
        read = 0
        with self.unpacking(path):
            stream = self.archive.open(info)
        with stream:
            while True:
                with self.unpacking(path):
                    chunk = stream.read(_CHUNK)
                if not chunk:
                    return
                read += len(chunk)
                if read > limit:
                    raise self.too_big(path, f"unpacks to more than {limit:,} bytes", limit)
                yield chunk

    @contextmanager
    def unpacking(self, path: str) -> Iterator[None]:
        """What zipfile and zlib raise on a damaged part, as one ContentError line."""
        try:
            yield
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError,
                struct.error) as exc:
            raise _broken(self.name, f"{path}: {exc}") from None

    def too_big(self, path: str, what: str, limit: int) -> ContentError:
        return ContentError([(f"{self.name}: {path} {what}; the limit is {limit:,} (a roster needs far less: keep "
                             "only the roster in the workbook, or save it as 'CSV UTF-8')")])


# -- the parts -----------------------------------------------------------------------------------

class _Relationships(_Part):
    def __init__(self, name: str, path: str, budget: _Budget) -> None:
        super().__init__(name, path, budget)
        self.links: list[tuple[str, str, str]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode", "Internal") == "Internal":
            self.links.append((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")))


class _Workbook(_Part):
    def __init__(self, name: str, path: str, budget: _Budget) -> None:
        super().__init__(name, path, budget)
        self.date1904 = False
        self.sheets: list[str] = []  # relationship ids, in the workbook's order

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            self.sheets += [value for key, value in attrs.items() if key.endswith(" id")][:1]


class _Strings(_Part):
    """The shared strings: each ``si``'s text (its ``t`` elements, not its phonetic guides)."""

    def __init__(self, name: str, path: str, budget: _Budget) -> None:
        super().__init__(name, path, budget)
        self.strings: list[str] = []
        self.parts: list[str] | None = None  # the text of the ``t`` being read
        self.length = 0  # characters of the current string
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "si":
            if len(self.strings) >= MAX_STRINGS:
                raise self.located(f"holds more than {MAX_STRINGS:,} texts; keep only the roster in the workbook, "
                                   "or save it as 'CSV UTF-8'", self.path)
            self.strings.append("")
            self.length = self.phonetic = 0
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and not self.phonetic and self.strings:
            self.parts = []

    def end(self, tag: str) -> None:
        if tag == "t" and self.parts is not None:
            self.strings[-1] += "".join(self.parts)
            self.parts = None
        elif tag == "rPh":
            self.phonetic -= 1

    def text(self, data: str) -> None:
        if self.parts is not None:
            self.length += len(data)
            if self.length > MAX_CELL:
                raise self.located(f"is longer than {MAX_CELL:,} characters (a spreadsheet cell holds at most that)")
            self.parts.append(data)

    def where(self) -> str:
        return f"{self.path}, text {len(self.strings) - 1:,}" if self.strings else self.path


class _Styles(_Part):
    """The number format of each cell style (``cellXfs``), and the workbook's own formats."""

    def __init__(self, name: str, path: str, budget: _Budget) -> None:
        super().__init__(name, path, budget)
        self.formats: dict[str, str] = {}
        self.cell_styles: list[str] = []
        self.in_cell_styles = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt":
            self.formats[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            self.in_cell_styles = True
        elif tag == "xf" and self.in_cell_styles:
            self.cell_styles.append(attrs.get("numFmtId", "0"))

    def end(self, tag: str) -> None:
        if tag == "cellXfs":
            self.in_cell_styles = False

    def dates(self) -> frozenset[int]:
        return frozenset(i for i, number in enumerate(self.cell_styles) if self.is_date(number))

    def is_date(self, number: str) -> bool:
        if number in self.formats:
            return is_date_format(self.formats[number])
        return _INDEX.fullmatch(number) is not None and int(number) in _DATE_FORMATS


def is_date_format(code: str) -> bool:
    """Whether a number format shows a date or a time of day: its first section has d, m, y, h or s
    outside quoted text, escapes and brackets ([h] elapsed hours are a duration, not a date)."""
    first = code.split(";", maxsplit=1)[0]
    if re.search(r"\[[hms]+\]", first, re.IGNORECASE):
        return False
    return re.search(r"[dmyhs]", _NOT_CODES.sub("", first), re.IGNORECASE) is not None


class _Sheet(_Part):
    """The worksheet: the rows and cells of its ``sheetData``, each cell checked and converted as it
    ends (the handlers are written out for speed: they run for every element of the sheet)."""

    def __init__(self, name: str, budget: _Budget, strings: list[str], date_styles: Callable[[], frozenset[int]],
                 date1904: bool) -> None:
        super().__init__(name, SHEET, budget)
        self.strings = strings
        self.date_styles = cache(date_styles)
        self.date1904 = date1904
        self.done: list[Row] = []  # rows read since the caller last took them
        self.in_data = False
        self.row, self.row_text = 0, ""  # the current (or last) row's number
        self.cells: dict[int, Cell] | None = None  # the current row's cells (None: not in a row)
        self.column = 0  # the current (or last) cell's column in the current row
        self.in_cell = False
        self.kind, self.style = "n", ""  # the cell's type (n, s, inlineStr, str, b, e, d) and style
        self.parts: list[str] = []  # the cell's text so far
        self.length = 0
        self.has_value = False  # a ``v`` (in an inline string: an ``is``) was seen
        self.collect = False  # in a ``v``, or in a ``t`` of an inline string
        self.phonetic = 0

    def on_start(self, tag: str, attrs: dict[str, str]) -> None:
        budget = self.budget
        budget.left -= 1
        self.depth += 1
        if budget.left < 0 or len(attrs) > MAX_ATTRIBUTES or self.depth > MAX_DEPTH:
            raise self.over_budget(attrs)
        tag = tag.rpartition(" ")[2]
        if self.in_cell:
            if tag == "v":
                if self.kind != "inlineStr":
                    self.collect = self.has_value = True
            elif tag == "t":
                if self.kind == "inlineStr" and not self.phonetic:
                    self.collect = True
            elif tag == "is":
                if self.kind == "inlineStr":
                    self.has_value = True
            elif tag == "rPh":
                self.phonetic += 1
        elif tag == "c":
            if self.cells is not None:
                self.start_cell(attrs)
        elif tag == "row":
            if self.in_data and self.cells is None:
                self.start_row(attrs.get("r"))
        elif tag == "sheetData":
            self.in_data = True

    def on_end(self, tag: str) -> None:
        self.depth -= 1
        tag = tag.rpartition(" ")[2]
        if tag == "c":
            if self.in_cell and self.cells is not None:
                value = self.value()
                if value is not None:
                    self.cells[self.column - 1] = value
                self.in_cell = False
        elif tag in ("v", "t"):
            self.collect = False
        elif tag == "row":
            if self.cells:
                self.done.append((self.row, self.cells))
            self.cells = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "sheetData":
            raise _Stop

    def text(self, data: str) -> None:
        if self.collect:
            self.length += len(data)
            if self.length > MAX_CELL:
                raise self.located(f"holds more than {MAX_CELL:,} characters (a spreadsheet cell holds at most that)")
            self.parts.append(data)

    def where(self) -> str:
        if self.in_cell:
            return f"{SHEET}, cell {column_name(self.column)}{self.row}"
        if self.column:
            return f"{SHEET}, after cell {column_name(self.column)}{self.row}"
        return f"{SHEET}, row {self.row}" if self.row else SHEET

    def start_row(self, given: str | None) -> None:
        if given is None:
            number, given = self.row + 1, str(self.row + 1)
        elif _WHOLE.fullmatch(given) is None:
            raise self.located(f"is not a row number (rows go from 1 to {MAX_ROW:,}); {_SAVE}",
                               f"{SHEET}, row {_quote(given)}")
        else:
            number = int(given)
        if number <= self.row or number > MAX_ROW:
            raise self.located(f"comes after row {self.row} (rows go from 1 to {MAX_ROW:,}); {_SAVE}",
                               f"{SHEET}, row {number}")
        self.row, self.row_text, self.cells, self.column = number, given, {}, 0

    def start_cell(self, attrs: dict[str, str]) -> None:
        given = attrs.get("r")
        if given is None:
            column = self.column + 1
        else:
            found = _REF.fullmatch(given)
            if found is None or found[2] != self.row_text or (column := _column(found[1])) > MAX_COLUMN:
                raise self.located(f"{_quote(given)} is not a cell of this row (columns go from A to XFD); {_SAVE}",
                                   f"{SHEET}, row {self.row}")
        if column <= self.column or column > MAX_COLUMN:
            raise self.located(f"the next cell is out of place ({column_name(column)}{self.row}); {_SAVE}")
        self.column, self.in_cell = column, True
        self.kind, self.style = attrs.get("t", "n"), attrs.get("s", "")
        self.parts, self.length, self.has_value, self.phonetic = [], 0, False, 0

    def value(self) -> Cell | None:
        if not self.has_value:
            return None
        text = "".join(self.parts)
        kind = self.kind
        if kind == "inlineStr":
            return text
        if not text:
            return None
        if kind == "n":
            return self.number(text)
        if kind == "s":
            return self.shared(text)
        if kind in ("str", "e"):  # a formula's text, an error such as #N/A
            return text
        if kind == "b":
            if text.strip() not in ("0", "1"):
                raise self.located(f"{_quote(text)} is not TRUE or FALSE (1 or 0)")
            return text.strip() == "1"
        if kind == "d":
            return self.iso_date(text)
        raise self.located(f"has a type {_quote(kind)} that spreadsheets do not use; {_SAVE}")

    def shared(self, text: str) -> str:
        index = text.strip()
        if _INDEX.fullmatch(index) is None or int(index) >= len(self.strings):
            raise self.located(f"refers to shared text number {_quote(index)}, but the workbook has "
                               f"{len(self.strings):,} shared texts; {_SAVE}")
        return self.strings[int(index)]

    def number(self, text: str) -> int | float | datetime | time:
        stripped = text.strip()
        number: int | float
        try:
            if _NUMBER.fullmatch(stripped) is None:
                raise ValueError(stripped)
            number = float(stripped) if any(c in stripped for c in ".eE") else int(stripped)
        except ValueError:
            raise self.located(f"{_quote(text)} is not a number") from None
        if not math.isfinite(number):
            raise self.located(f"{_quote(text)} is not a number a spreadsheet can hold")
        style = self.style
        if style in ("", "0"):
            return number
        if _INDEX.fullmatch(style) is None:
            raise self.located(f"has a style {_quote(style)} that is not a style number; {_SAVE}")
        if int(style) not in self.date_styles():
            return number
        try:
            return serial_date(number, self.date1904)
        except (ValueError, OverflowError):
            raise self.located(f"is a date cell holding {number}, which is not a date from 1900 to 9999") from None

    def iso_date(self, text: str) -> datetime | time:
        for kind in (datetime, time):
            try:
                return kind.fromisoformat(text.strip())
            except ValueError:
                pass
        raise self.located(f"{_quote(text)} is not a date (a date cell holds one as 2026-12-01)")


def _checked(chunk: bytes, run: int, part: _Part, path: str) -> int:
    """The bytes without a ``<`` at the end of the next ``chunk`` of the part at ``path``, given ``run``
    before it (-1: the first chunk); ContentError if the part is not UTF-8 or has a longer run than MAX_RUN."""
    if run < 0 and (b"\0" in chunk[:4] or chunk.startswith((b"\xfe\xff", b"\xff\xfe"))):
        raise part.located(f"is UTF-16 or UTF-32 XML, which spreadsheet programs do not write; {_SAVE}", path)
    run = _run_after(chunk, max(run, 0))
    if run < 0:
        raise part.located(f"holds more than {MAX_RUN:,} bytes without a tag (a tag that long, or a text longer "
                           f"than a cell can be); {_SAVE}", path)
    return run


def _run_after(chunk: bytes, run: int) -> int:
    """The bytes without a ``<`` at the end of ``chunk``, given ``run`` such bytes before it; -1 if
    somewhere they are more than MAX_RUN. Linear: each window is searched from its end, and the next
    window starts after the last ``<`` found, past everything searched."""
    start = -run  # where the current run began, relative to the chunk
    while start + MAX_RUN < len(chunk):
        found = chunk.rfind(b"<", max(start, 0), start + MAX_RUN + 1)
        if found < 0:
            return -1
        start = found + 1
    found = chunk.rfind(b"<", max(start, 0))
    return len(chunk) - (found + 1 if found >= 0 else start)


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def serial_date(value: float, date1904: bool = False) -> datetime | time:
    """An Excel serial number as a date and time (below 1: a time of day alone), as spreadsheets show
    it: in the 1900 system day 60 is the 29 February 1900 that never was; the 1904 system counts from
    1 January 1904."""
    if not 0 <= value < 2958466:
        raise ValueError(value)
    day, fraction = divmod(value, 1)
    moment = timedelta(milliseconds=round(fraction * 86_400_000))
    if value < 1 and moment.days == 0:
        return (datetime.min + moment).time()
    if date1904:
        return datetime(1904, 1, 1) + timedelta(days=day) + moment
    return datetime(1899, 12, 30) + timedelta(days=day + (1 if value < 60 else 0)) + moment
