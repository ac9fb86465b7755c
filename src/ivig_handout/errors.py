"""Errors: one hierarchy; every failure a user can fix ends as one ``error:`` line and exit code 1."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


class IvigError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message (one line when possible)."""


class ContentError(IvigError):
    """One or more located problems in a YAML file (content pack, layouts, profile, job)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[str]]]:  # picklable (batch workers)
        return type(self), (self.problems,)


class NotFoundError(IvigError):
    """An unknown disorder id or layout name; the message suggests the closest."""


class FitError(IvigError):
    """A block that does not fit where it must (a one-pager on one page, a box on a page)."""


class TooLongError(FitError):
    """A document past its layout's page limit: the message, and what it is about (the document, the
    layout, its page limit, and whether a clinic profile was on it) for callers that word it their own
    way (the web page)."""

    def __init__(self, message: str, document: str, layout: str, limit: int, profile: bool) -> None:
        self.document, self.layout, self.limit, self.profile = document, layout, limit, profile
        super().__init__(message)

    def __reduce__(self) -> tuple[type[TooLongError], tuple[str, str, str, int, bool]]:  # picklable
        return type(self), (str(self), self.document, self.layout, self.limit, self.profile)


class OutputError(IvigError):
    """An output path that cannot be written."""


NOT_IN_FONTS = "is not in any bundled font; replace it"


class UncoveredCharacterError(IvigError):
    """A character that cannot be printed with the bundled fonts (or must not be printed at all)."""

    def __init__(self, char: str, field: str, reason: str = NOT_IN_FONTS) -> None:
        self.char, self.field, self.reason = char, field, reason
        super().__init__(f"{field}: the character {describe(char)} {reason}")

    def __reduce__(self) -> tuple[type[UncoveredCharacterError], tuple[str, str, str]]:  # picklable
        return type(self), (self.char, self.field, self.reason)


def describe(char: str) -> str:
    """``'ꙮ' (U+A66E)``; non-printable characters (controls, ...) are never echoed raw."""
    code = f"U+{ord(char):04X}"
    if char.isprintable():
        return f"'{char}' ({code})"
    name = unicodedata.name(char, "")
    return f"{code} {name}" if name else code



@dataclass(frozen=True)
class Problem:
    """One problem of an input file as a value: the file (as the user named it), the line or row a
    spreadsheet shows (None: the whole file), the field or column at fault ("" when none), what is
    wrong and what to do (``text``), and the cell's text as given (``value``, for callers that word
    the problem their own way). ``str()`` is the command line's one line: ``roster.csv:4: disorder: ...``."""

    file: str
    line: int | None
    field: str
    text: str
    value: str = ""

    def __str__(self) -> str:
        at = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{at}: {self.field}: {self.text}" if self.field else f"{at}: {self.text}"


class ProblemsError(ContentError):
    """Problems of an input file as values (``found``); its message lists them as the command line
    shows them, one a line."""

    def __init__(self, found: list[Problem]) -> None:
        self.found = tuple(found)
        super().__init__([str(p) for p in found])

    def __reduce__(self) -> tuple[type[ProblemsError], tuple[list[Problem]]]:  # type: ignore[override]
        return type(self), (list(self.found),)
