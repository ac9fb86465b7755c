"""Export stage, CSV that opens safely in a spreadsheet: every CSV the tool writes (``record export
--format csv``, the web page's ``today.csv``) is made by ``csv_text``, so that no text a person typed (a
patient's name, a printer, initials) opens as a formula (CSV injection, as OWASP describes it):

- a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
  quote in front (``'=HYPERLINK(...)``), which spreadsheets show as text;
- every text cell is quoted (and its quotes doubled), so a comma or a semicolon inside it never starts
  a new cell, whichever separator the spreadsheet splits on;
- numbers (ids, copies, years: Python ints) are written as they are, unquoted, so they stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_LEADS = frozenset("=+-@\t\r")  # OWASP: a cell starting with one of these may run as a formula


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell a spreadsheet shows as it is: text starting with a formula character gets
    a leading single quote; anything else (numbers, None, other text) is unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_LEADS:
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header row and ``rows`` as CSV (CRLF line ends): text cells neutralised (``safe_cell``) and
    quoted, numbers bare, None as an empty (quoted) cell."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
