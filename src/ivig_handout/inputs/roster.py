"""Inputs stage, roster: a day's patients from a CSV or XLSX file, checked row by row into frozen rows.

A header row names the columns, in any order, case-insensitive: ``name`` (required), ``disorder``,
``date``, ``layout``, ``copies``, ``language`` (the handout's language: ``en``, ``es``) and ``also`` (a
second language, printed on the back). Every bad row is reported at once, each problem located as a
spreadsheet shows it (``roster.csv:14: disorder: unknown 'gbz', did you mean 'gbs'?``; the header is
row 1, empty rows count but are skipped). Names and dates are checked like ``--patient-name`` and
``--date``. Which documents and layouts exist is the caller's business: it passes a function for each
that returns the canonical name or raises an IvigError whose message says what is wrong.

CSV: UTF-8 with or without a byte-order mark; comma or semicolon, whichever the header line has more
of (outside quotes); quoted fields may hold either and line breaks. UTF-16 text (with or without a
byte-order mark) is recognised and refused with how to save it as UTF-8. XLSX (inputs.xlsx, read
within fixed bounds): the first sheet; a date cell becomes ``1 December 2026`` (day, English month
name, year: the same in every locale), or the content pack's language's long date (Babel's CLDR data:
``1 de diciembre de 2026``); a number cell in ``copies`` must be a whole number. Rows are
sparse (cells by 0-based column), so only the cells a file holds are ever looked at.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ..errors import ContentError, IvigError, Problem, ProblemsError
from .files import read_regular
from .patient import Patient, patient

COLUMNS = ("name", "disorder", "date", "layout", "copies", "language", "also")
MAX_ROWS = 10_000  # patients in one roster (rows that are not empty)
MAX_BYTES = 16 * 1024 * 1024  # a roster file
MAX_COPIES = 1000
MAX_PROBLEMS = 200  # problems listed; the count of the rest follows
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), or an XLSX saved with a password
_SAVE_UTF8 = ("save the roster as 'CSV UTF-8' (Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; LibreOffice: "
              "File > Save As > Text CSV, character set 'Unicode (UTF-8)')")

Resolve = Callable[[str], str]  # a cell's text -> canonical name; raises IvigError (its message is shown)
Cells = Mapping[int, Any]  # a row's cells that hold something, by 0-based column


@dataclass(frozen=True)
class RosterRow:
    """One patient of the roster: the row number a spreadsheet shows, who, which document (canonical
    id), which layout (None: the run's default layouts) and how many copies (None: the run's default);
    the handout's language (a shipped pack's name, ``en`` for English; None: the run's pack) and a
    second language for the back (None: one language)."""

    row: int
    patient: Patient
    document: str
    layout: str | None = None
    copies: int | None = None
    language: str | None = None
    also: str | None = None


def format_date(value: date, language: str = "en") -> str:
    """A date as a handout prints it: ``1 December 2026`` in English; in another language (a BCP 47
    tag) its long form from Babel's CLDR data, e.g. ``1 de diciembre de 2026``."""
    if language.split("-", maxsplit=1)[0].lower() == "en":
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date as long_date

    try:
        locale = Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(language.split("-", maxsplit=1)[0])
    return str(long_date(value, format="long", locale=locale))


def read_roster(path: Path | str, document: Resolve, layout: Resolve, default_document: str | None = None,
                label: str | None = None, language: str = "en", languages: Resolve | None = None
                ) -> tuple[RosterRow, ...]:
    """The checked rows of the roster at ``path``, in file order; ContentError (a ProblemsError, with
    the problems as values) listing every problem.

    ``document`` and ``layout`` check a cell (an id, alias or name) and return its canonical name.
    ``default_document`` (already canonical) is used for rows whose ``disorder`` cell is empty.
    """
    name = label or str(path)
    data = read_regular(path, MAX_BYTES, name, "a roster (CSV or XLSX file)")
    rows, problems = roster_rows(data, name, document, layout, default_document, strict=True, language=language,
                                 languages=languages)
    if problems:
        raise ProblemsError(list(problems))
    return rows


def roster_rows(data: bytes, name: str, document: Resolve, layout: Resolve, default_document: str | None = None,
                strict: bool = False, language: str = "en", languages: Resolve | None = None
                ) -> tuple[tuple[RosterRow, ...], tuple[Problem, ...]]:
    """The good rows of the roster ``data`` (``name`` in problems) and the problems of the others, side
    by side: a bad row never stops the good ones. A problem of the whole file (it cannot be read, it
    has no header or no patients, too many patients) comes with no rows. ``strict``: a file whose rows
    have problems reads as problems only (as the command line refuses it). Date cells are written in
    ``language`` (format_date), or in the row's own ``language`` cell's; ``languages`` checks a
    ``language`` or ``also`` cell (None: those columns are not taken)."""
    try:
        if len(data) > MAX_BYTES:
            raise ProblemsError([Problem(name, None, "", f"is bigger than {MAX_BYTES // 2**20} MB; a roster "
                                                         "needs far less")])
        if data.startswith(_OLE_MAGIC):
            raise ProblemsError([Problem(name, None, "", "is an Excel 97-2003 workbook (.xls) or one saved with a "
                                         "password; save it as an Excel workbook (.xlsx) without a password, or as "
                                         "'CSV UTF-8'")])
        records = _xlsx_records(data, name) if data.startswith(_XLSX_MAGIC) else _csv_records(data, name)
        checks = _Checks(document, layout, languages, language)
        rows, problems = _check(records, name, checks, default_document)
    except ProblemsError as exc:
        return (), exc.found
    except ContentError as exc:  # the XLSX reader's: the file cannot be read
        return (), tuple(Problem(name, None, "", p.removeprefix(f"{name}: ")) for p in exc.problems)
    return (() if strict and problems else rows), problems


def _xlsx_records(data: bytes, name: str) -> Iterator[tuple[int, Cells]]:
    """inputs.xlsx's rows (imported only for an XLSX roster)."""
    from .xlsx import sheet_rows

    return sheet_rows(data, name)


def _utf16_order(data: bytes) -> str | None:
    """``big-endian`` or ``little-endian`` when ``data`` is UTF-16 text, with or without a byte-order
    mark (without one: a NUL in every other byte, where ASCII characters put them); else None."""
    if len(data) % 2:
        return None
    order = {b"\xfe\xff": "big-endian", b"\xff\xfe": "little-endian"}.get(data[:2])
    if order is None:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) * 3 < len(head) // 2:  # under a third of the characters ASCII: not UTF-16 text
            return None
        order = "big-endian" if even > odd else "little-endian"
    try:
        text = data.decode("utf-16-be" if order == "big-endian" else "utf-16-le")
    except UnicodeDecodeError:
        return None
    return order if "\0" not in text else None


def _csv_records(data: bytes, name: str) -> Iterator[tuple[int, Cells]]:
    order = _utf16_order(data)
    if order is not None:
        raise ProblemsError([Problem(name, None, "", f"is UTF-16 text ({order}), not UTF-8; {_SAVE_UTF8}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsError([Problem(name, line, "", "is not UTF-8 text; save the roster as 'CSV UTF-8'")]) from None
    if "\0" in text:
        raise ProblemsError([Problem(name, None, "", "holds NUL characters; is it really a CSV file?")])
    header = _first_line(text)
    delimiter = ";" if _outside_quotes(header, ";") > _outside_quotes(header, ",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, dict(enumerate(cells))
    except csv.Error as exc:
        raise ProblemsError([Problem(name, number + 1, "", f"cannot be read as CSV ({exc})")]) from None


def _first_line(text: str) -> str:
    """The header record's text: up to the first line break outside quotes."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:i]
    return text


def _outside_quotes(line: str, char: str) -> int:
    return sum(1 for i, part in enumerate(line.split('"')) if i % 2 == 0 for c in part if c == char)


@dataclass(frozen=True)
class _Checks:
    """How a row's cells are checked: its document, layout and languages, and the run's language. The
    outcome of checking a cell's text other than a name is kept (``seen``): a roster repeats its
    documents, layouts and dates row after row."""

    document: Resolve
    layout: Resolve
    languages: Resolve | None
    language: str  # the run's (BCP 47), for dates
    seen: dict[tuple[str, str], tuple[str | None, tuple[str, ...]]] = field(default_factory=dict)

    def home(self) -> str | None:
        """The run's language as a ``language`` cell names it (None: not one the cells can name)."""
        try:
            return self.languages(self.language) if self.languages is not None else None
        except IvigError:
            return None


def _check(records: Iterator[tuple[int, Cells]], name: str, checks: _Checks,
           default_document: str | None) -> tuple[tuple[RosterRow, ...], tuple[Problem, ...]]:
    problems: list[Problem] = []
    rows: list[RosterRow] = []
    columns: dict[int, str] | None = None
    count = more = 0
    for number, cells in records:
        if columns is None:
            if not _blank(cells):
                columns = _header(cells, name, number)
            continue
        if _blank(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ProblemsError([Problem(name, number, "", f"more than {MAX_ROWS:,} patients; split the roster "
                                                           "into several files (nothing was printed)")])
        row = _row(cells, columns, Problem(name, number, "", ""), checks, default_document, problems)
        if row is not None:
            rows.append(row)
        more += max(0, len(problems) - MAX_PROBLEMS)
        del problems[MAX_PROBLEMS:]  # only so many are shown: the rest are counted, not kept
    if columns is None:
        raise ProblemsError([Problem(name, None, "", f"is empty; the first row names the columns "
                                                     f"({', '.join(COLUMNS)})")])
    if not rows and not problems:
        raise ProblemsError([Problem(name, None, "", "has a header row but no patients")])
    return tuple(rows), tuple(_listed(problems, more, name))


def _listed(problems: list[Problem], more: int, name: str) -> list[Problem]:
    more += max(0, len(problems) - MAX_PROBLEMS)
    return problems[:MAX_PROBLEMS] + ([Problem(name, None, "", f"and {more} more problems")] if more > 0 else [])


def _echo(text: str, limit: int = 40) -> str:
    """A cell's text in a problem: on one line (line breaks and other spacing made single spaces), and short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _blank(cells: Cells) -> bool:
    return all(_text(c) == "" for c in cells.values())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_date(value.date())
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(cells: Cells, name: str, number: int) -> dict[int, str]:
    """The named columns, by 0-based column."""
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    for i, cell in cells.items():
        key = _text(cell).lstrip("\ufeff").strip().lower()
        if not key:
            continue
        if key not in COLUMNS:
            from difflib import get_close_matches  # (only for a header with a mistake)

            close = get_close_matches(key, COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(Problem(name, number, "", f"unknown column '{_echo(_text(cell))}': {hint}the columns are "
                                                      f"{', '.join(COLUMNS)}", _text(cell)))
        elif key in columns.values():
            problems.append(Problem(name, number, "", f"column '{key}' appears twice; keep one", key))
        columns[i] = key
    if "name" not in columns.values() and not problems:
        problems.append(Problem(name, number, "", f"no 'name' column; the first row names the columns "
                                                  f"({', '.join(COLUMNS)}; only name is required)"))
    if problems:
        raise ProblemsError(_listed(problems, 0, name))
    return columns


def _row(cells: Cells, columns: Mapping[int, str], at: Problem, checks: _Checks,
         default_document: str | None, problems: list[Problem]) -> RosterRow | None:
    """The row, or None with its problems added (``at``: a problem at the row, to fill in)."""
    values: dict[str, Any] = {}
    bad = len(problems)
    for i, cell in cells.items():
        column = columns.get(i)
        if column is None:
            if _text(cell):
                problems.append(replace(at, text=f"column {i + 1} has a value but no name in the header row; name "
                                        "the column or clear the cell", value=_text(cell)))
            continue
        values[column] = cell
    language, also = _languages(values, checks, at, problems)
    who_name, when = _text(values.get("name")), _when(values.get("date"), language or checks.language)
    if not who_name:
        problems.append(replace(at, field="name", text="is empty; every row needs the patient's name"))
    given = Patient(_value(who_name, "name", checks, at, problems), _value(when, "date", checks, at, problems))
    disorder = _text(values.get("disorder"))
    doc = _resolve(disorder, "disorder", checks.document, at, problems, checks)
    if doc is None and not disorder:
        if default_document is None:
            problems.append(replace(at, field="disorder", text="is empty and no default document was given (--doc, "
                                    "or documents: in the job file)"))
        doc = default_document
    lay = _resolve(_text(values.get("layout")), "layout", checks.layout, at, problems, checks)
    copies = _copies(values.get("copies"), at, problems)
    if len(problems) > bad or doc is None:
        return None
    return RosterRow(at.line or 0, given, doc, lay, copies, language, also)


def _value(text: str, column: str, checks: _Checks, at: Problem, problems: list[Problem]) -> str | None:
    """A name or date cell's text checked as ``--patient-name`` or ``--date`` are (inputs.patient), its
    problems added: the value as printed (normalised; None if empty). A date's outcome is kept for the
    rows after (a roster's rows mostly share one); a name's is not."""
    found = checks.seen.get((column, text)) if column != "name" else None
    if found is None:
        try:
            made = patient(text or None, None, fields=(column, column)) if column == "name" else \
                patient(None, text or None, fields=(column, column))
            found = ((made.name if column == "name" else made.date) if made is not None else None, ())
        except ContentError as exc:
            found = (None, tuple(exc.problems))
        if column != "name":
            checks.seen[column, text] = found
    value, texts = found
    problems += [replace(at, field=column, text=p.removeprefix(f"{column}: "), value=text) for p in texts]
    return value


def _when(value: Any, language: str) -> str:
    """A date cell as text: a spreadsheet's date in ``language`` (format_date), text as it is."""
    if isinstance(value, (date, datetime)):
        return format_date(value.date() if isinstance(value, datetime) else value, language)
    return _text(value)


def _languages(values: Mapping[str, Any], checks: _Checks, at: Problem,
               problems: list[Problem]) -> tuple[str | None, str | None]:
    """The row's ``language`` and ``also`` cells, checked (a language named twice: a problem)."""
    found: list[str | None] = []
    for column in ("language", "also"):
        text = _text(values.get(column))
        if text and checks.languages is None:
            problems.append(replace(at, field=column, text="languages are not chosen here; leave it empty",
                                    value=text))
            found.append(None)
            continue
        found.append(_resolve(text, column, checks.languages, at, problems, checks) if checks.languages else None)
    language, also = found
    if also is not None and also == (language or checks.home()):
        problems.append(replace(at, field="also", text=f"'{also}' is the handout's own language; name another, or "
                                "leave it empty", value=_text(values.get("also"))))
    return language, also


def _resolve(text: str, column: str, check: Resolve, at: Problem, problems: list[Problem],
             checks: _Checks) -> str | None:
    """A document, layout or language cell's canonical name (None with its problem added, or if empty);
    each distinct text is checked once (``checks.seen``)."""
    if not text:
        return None
    found = checks.seen.get((column, text))
    if found is None:
        try:
            found = (check(text), ())
        except IvigError as exc:
            found = (None, ((str(exc).splitlines() or ["not known"])[0],))
        checks.seen[column, text] = found
    value, texts = found
    problems += [replace(at, field=column, text=reason, value=text) for reason in texts]
    return value


def _copies(value: Any, at: Problem, problems: list[Problem]) -> int | None:
    if value is None or _text(value) == "":
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_COPIES:
        problems.append(replace(at, field="copies", value=_text(value),
                                text=f"'{_echo(_text(value), 20)}' is not a whole number from 1 to {MAX_COPIES}"))
        return None
    return number
