"""Errors: every failure a user can fix, with a message that says what to fix."""

from __future__ import annotations


class IvigError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message (one line when possible)."""


class ContentError(IvigError):
    """One or more located problems in a YAML file (content pack, layouts, profile, job)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class NotFoundError(IvigError):
    """An unknown disorder id or layout name; the message suggests the closest."""


class FitError(IvigError):
    """A block that does not fit where it must (a one-pager on one page, a box on a page)."""


class OutputError(IvigError):
    """An output path that cannot be written."""
