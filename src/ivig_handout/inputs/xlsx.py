"""Inputs stage, xlsx: the cells of an XLSX workbook's first sheet, read within fixed bounds.

An XLSX file is a ZIP archive of XML parts, and nothing in it is trusted. Before any part is unpacked
the archive's directory is checked (its size and its number of parts); a part is refused if it says
it unpacks to more than its limit, and every read is capped again as it goes (a part may lie). The XML
is parsed as it streams (expat): no part is held whole, a DTD is refused (so no entity is ever
declared, let alone expanded or fetched), and each part may hold only so many elements. Only the
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
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from io import BytesIO
from xml.parsers import expat

from ..errors import ContentError

MAX_PARTS = 5_000  # parts (files) in the archive
MAX_DIRECTORY = 1 << 20  # bytes of the archive's directory (the list of parts)
MAX_SHEET = 16 << 20  # bytes of the first sheet's XML, unpacked
MAX_STRINGS_XML = 16 << 20  # bytes of the shared strings' XML, unpacked
MAX_SMALL = 4 << 20  # bytes of the workbook's, its relationships' or its styles' XML, unpacked
MAX_ELEMENTS = 600_000  # XML elements read from the whole workbook (bounds the time any file takes)
MAX_STRINGS = 100_000  # shared strings
MAX_CELL = 32_767  # characters in a cell: Excel's own limit
MAX_COLUMN = 16_384  # column XFD
MAX_ROW = 1_048_576
SHEET = "sheet 1"

Cell = str | int | float | bool | datetime | time
Row = tuple[int, dict[int, Cell]]  # a row number and its cells by 0-based column

_CHUNK = 1 << 16
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

class _Part:
    """What one XML part's parse reports to (by local element name, namespaces ignored): ``name`` is
    the file's, ``path`` the part's."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, path

    def located(self, why: str, where: str | None = None) -> ContentError:
        return ContentError([f"{self.name}: {where or self.where()}: {why}"])

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def where(self) -> str:
        """Where in the file the parse is, for a message (``sheet 1, cell B7``)."""
        return self.path


@dataclass
class _Book:
    """The archive, its parts by name, and what has been read of it."""

    archive: zipfile.ZipFile
    name: str
    elements: int = 0  # elements read so far, from every part
    date1904: bool = False
    strings_path: str | None = None
    styles_path: str | None = None
    infos: dict[str, list[zipfile.ZipInfo]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for info in self.archive.infolist():
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
        book = _Workbook(self.name, workbook)
        self.parse(workbook, MAX_SMALL, book)
        self.date1904 = book.date1904
        self.strings_path = next((t for k, t in links.values() if k.endswith("/sharedStrings")), None)
        self.styles_path = next((t for k, t in links.values() if k.endswith("/styles")), None)
        return next((links[rid][1] for rid in book.sheets
                     if rid in links and links[rid][0].endswith("/worksheet")), None)

    def relationships(self, path: str, folder: str) -> list[tuple[str, str, str]]:
        """(id, type, part path) of each internal relationship in ``path``, targets taken from ``folder``."""
        part = _Relationships(self.name, path)
        self.parse(path, MAX_SMALL, part)
        found = []
        for rid, kind, target in part.links:
            full = posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target))
            if full.startswith(("../", "/")) or full in (".", ".."):
                raise _broken(self.name, f"{path} points outside the workbook: {_quote(target)}")
            found.append((rid, kind, full))
        return found

    def rows(self, path: str) -> Iterator[Row]:
        strings = _Strings(self.name, self.strings_path or "")
        if self.strings_path is not None:
            self.parse(self.strings_path, MAX_STRINGS_XML, strings)
        sheet = _Sheet(self.name, strings.strings, self.date_styles, self.date1904)
        for _ in self.feed(path, MAX_SHEET, sheet):
            yield from sheet.done
            sheet.done.clear()
        yield from sheet.done

    def date_styles(self) -> frozenset[int]:
        """The cell styles (indexes) whose number format is a date; read at the first styled number."""
        if self.styles_path is None:
            return frozenset()
        styles = _Styles(self.name, self.styles_path)
        self.parse(self.styles_path, MAX_SMALL, styles)
        return styles.dates()

    def parse(self, path: str, limit: int, part: _Part) -> None:
        for _ in self.feed(path, limit, part):
            pass

    def feed(self, path: str, limit: int, part: _Part) -> Iterator[None]:
        """Parse the part at ``path`` into ``part``, yielding after each chunk; located ContentErrors."""
        parser = self.parser(part)
        try:
            for chunk in self.chunks(path, limit):
                parser.Parse(chunk, False)
                yield
            parser.Parse(b"", True)
        except _Stop:
            pass
        except expat.ExpatError as exc:
            why = f"{expat.ErrorString(exc.code)}, line {exc.lineno}, column {exc.offset}"
            raise ContentError([f"{self.name}: {part.where()}: the XML is broken ({why}); {_SAVE}"]) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise _broken(self.name, f"{path}: {exc}") from None
        yield

    def parser(self, part: _Part) -> expat.XMLParserType:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def refuse(*_: object) -> None:
            raise ContentError([(f"{self.name}: {part.where()}: holds a DTD (<!DOCTYPE ...>), which a spreadsheet "
                                f"program never writes; {_SAVE}")])

        def start(tag: str, attrs: dict[str, str]) -> None:
            self.elements += 1
            if self.elements > MAX_ELEMENTS:
                raise ContentError([(f"{self.name}: {part.where()}: the workbook holds more than "
                                    f"{MAX_ELEMENTS:,} cells and other entries; keep only the roster in it, on "
                                    "the first sheet, or save it as 'CSV UTF-8'")])
            part.start(tag.rpartition(" ")[2], attrs)

        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        parser.StartElementHandler = start
        parser.EndElementHandler = lambda tag: part.end(tag.rpartition(" ")[2])
        parser.CharacterDataHandler = part.text
        return parser

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
        with self.archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                if read > limit:
                    raise self.too_big(path, f"unpacks to more than {limit:,} bytes", limit)
                yield chunk

    def too_big(self, path: str, what: str, limit: int) -> ContentError:
        return ContentError([(f"{self.name}: {path} {what}; the limit is {limit:,} (a roster needs far less: keep "
                             "only the roster in the workbook, or save it as 'CSV UTF-8')")])


# -- the parts -----------------------------------------------------------------------------------

class _Relationships(_Part):
    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
        self.links: list[tuple[str, str, str]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode", "Internal") == "Internal":
            self.links.append((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")))


class _Workbook(_Part):
    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
        self.date1904 = False
        self.sheets: list[str] = []  # relationship ids, in the workbook's order

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            self.sheets += [value for key, value in attrs.items() if key.endswith(" id")][:1]


class _Strings(_Part):
    """The shared strings: each ``si``'s text (its ``t`` elements, not its phonetic guides)."""

    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
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
            self.length = 0
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

    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
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


@dataclass
class _Cell:
    ref: str
    column: int
    kind: str  # the ``t`` attribute: n, s, inlineStr, str, b, e or d
    style: str | None
    parts: list[str] = field(default_factory=list)
    has_value: bool = False  # a ``v`` (an inline string: an ``is``) was seen
    length: int = 0


class _Sheet(_Part):
    """The worksheet: the rows and cells of its ``sheetData``, checked and converted as they end."""

    def __init__(self, name: str, strings: list[str], date_styles: Callable[[], frozenset[int]],
                 date1904: bool) -> None:
        super().__init__(name, SHEET)
        self.strings = strings
        self.date_styles = cache(date_styles)
        self.date1904 = date1904
        self.in_data = False
        self.row = 0  # the current (or last) row's number
        self.cells: dict[int, Cell] | None = None  # the current row's cells (None: not in a row)
        self.column = 0  # the last cell's column in the current row
        self.cell: _Cell | None = None
        self.last = ""  # the last cell's reference
        self.collect = False  # in a ``v``, or in a ``t`` of an inline string
        self.phonetic = 0
        self.done: list[Row] = []

    def where(self) -> str:
        if self.cell is not None:
            return f"{SHEET}, cell {self.cell.ref}"
        if self.last:
            return f"{SHEET}, after cell {self.last}"
        return f"{SHEET}, row {self.row:,}" if self.row else SHEET

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        cell = self.cell
        if cell is not None:
            if tag == "v" and cell.kind != "inlineStr":
                self.collect = cell.has_value = True
            elif tag == "is" and cell.kind == "inlineStr":
                cell.has_value = True
            elif tag == "rPh":
                self.phonetic += 1
            elif tag == "t" and cell.kind == "inlineStr" and not self.phonetic:
                self.collect = True
        elif tag == "c" and self.cells is not None:
            self.start_cell(attrs)
        elif tag == "row" and self.in_data and self.cells is None:
            self.start_row(attrs.get("r"))
        elif tag == "sheetData":
            self.in_data = True

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.collect = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c" and self.cell is not None and self.cells is not None:
            value = self.value(self.cell)
            if value is not None:
                self.cells[self.cell.column - 1] = value
            self.last, self.cell = self.cell.ref, None
        elif tag == "row" and self.cells is not None:
            if self.cells:
                self.done.append((self.row, self.cells))
            self.cells = None
        elif tag == "sheetData":
            raise _Stop

    def text(self, data: str) -> None:
        if self.collect and self.cell is not None:
            self.cell.length += len(data)
            if self.cell.length > MAX_CELL:
                raise self.located(f"holds more than {MAX_CELL:,} characters (a spreadsheet cell holds at most that)")
            self.cell.parts.append(data)

    def start_row(self, given: str | None) -> None:
        number = self.row + 1
        if given is not None:
            if _WHOLE.fullmatch(given) is None or int(given) > MAX_ROW:
                raise self.located(f"is not a row number (rows go from 1 to {MAX_ROW:,}); {_SAVE}",
                                   f"{SHEET}, row {_quote(given)}")
            number = int(given)
        if number <= self.row or number > MAX_ROW:
            raise self.located(f"comes after row {self.row}; {_SAVE}", f"{SHEET}, row {number:,}")
        self.row, self.cells, self.column, self.last = number, {}, 0, ""

    def start_cell(self, attrs: dict[str, str]) -> None:
        given = attrs.get("r")
        column = self.column + 1
        if given is not None:
            found = _REF.fullmatch(given)
            column = _column(found.group(1)) if found else 0
            if found is None or column > MAX_COLUMN or int(found.group(2)) != self.row:
                raise self.located(f"{_quote(given)} is not a cell of this row (columns go from A to XFD); {_SAVE}",
                                   f"{SHEET}, row {self.row:,}")
        if column > MAX_COLUMN or column <= self.column:
            raise self.located(f"the next cell is out of place ({column_name(column)}{self.row}); {_SAVE}")
        self.column = column
        self.cell = _Cell(f"{column_name(column)}{self.row}", column, attrs.get("t", "n"), attrs.get("s"))

    def value(self, cell: _Cell) -> Cell | None:
        if not cell.has_value:
            return None
        text = "".join(cell.parts)
        if cell.kind == "inlineStr":
            return text
        if not text:
            return None
        if cell.kind == "n":
            return self.number(text, cell.style)
        if cell.kind == "s":
            return self.shared(text)
        if cell.kind in ("str", "e"):  # a formula's text, an error such as #N/A
            return text
        if cell.kind == "b":
            if text.strip() not in ("0", "1"):
                raise self.located(f"{_quote(text)} is not TRUE or FALSE (1 or 0)")
            return text.strip() == "1"
        if cell.kind == "d":
            return self.iso_date(text)
        raise self.located(f"has a type {_quote(cell.kind)} that spreadsheets do not use; {_SAVE}")

    def shared(self, text: str) -> str:
        index = text.strip()
        if _INDEX.fullmatch(index) is None or int(index) >= len(self.strings):
            raise self.located(f"refers to shared text number {_quote(index)}, but the workbook has "
                               f"{len(self.strings):,} shared texts; {_SAVE}")
        return self.strings[int(index)]

    def number(self, text: str, style: str | None) -> int | float | datetime | time:
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
        if style is None or style == "0":
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
