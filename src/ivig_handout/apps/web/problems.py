"""Apps stage, web: what went wrong, in words for the front desk. The library's errors are worded for
the command line (options, point sizes, files); the page says what to do at the desk instead, and which
field of the form is at fault, for the error summary at the top of the form (the GOV.UK pattern: a box
that takes the focus, and a link to each field at fault, which carries its own message).

The words come from what an error is (its class and its fields), never from parsing its text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...errors import IvigError, TooLongError
from .forms import FormError

REVIEW_AFTER_DAYS = 365  # as api.review_notes: a note when the content's review is older than this


@dataclass(frozen=True)
class Problem:
    """One problem: what to do, in the page's words, and the id of the form field at fault ("" when it
    is no one field's)."""

    text: str
    field: str = ""

    @property
    def inline(self) -> str:
        """The message beside the field: the text without its "Field: " lead (the label is right there)."""
        head, sep, rest = self.text.partition(": ")
        return rest[:1].upper() + rest[1:] if sep and self.field and head and len(head) < 20 else self.text


def problems_of(exc: IvigError) -> list[Problem]:
    """The problems of a failed request for the handout form, worded for the desk."""
    if isinstance(exc, FormError):
        return [Problem(text, field) for text, field in zip(exc.problems, exc.fields, strict=True)]
    if isinstance(exc, TooLongError):
        return [too_long(exc)]
    return [Problem(line) for line in str(exc).splitlines()]


def too_long(exc: TooLongError) -> Problem:
    """A handout that does not fit its layout's pages (with the clinic's details and the patient's name)."""
    pages = "one page" if exc.limit == 1 else f"{exc.limit} pages"
    if exc.profile:
        return Problem(f"Layout: with the clinic’s details and the patient’s name, this handout does not fit on "
                       f"{pages} of the {exc.layout} layout. Choose the large-print layout (it takes more pages), "
                       f"or shorten the patient’s name.", "layout")
    return Problem(f"Layout: this handout does not fit on {pages} of the {exc.layout} layout. Choose the "
                   f"large-print layout, which takes more pages.", "layout")


def left_out_notes(left_out: tuple[str, ...], layout: str) -> list[str]:
    """What gave way so a handout keeps to its layout's pages, for the preview's notes."""
    words = {"the notes box": "the ruled box for the care team’s notes"}
    return [f"To fit the {layout} layout, this handout is printed without {words.get(part, part)}. Choose the "
            f"large-print layout to have it." for part in left_out]


def review_note(reviewed: date, today: date | None = None) -> list[str]:
    """A note when the handouts' text was last reviewed over a year ago (printing still goes ahead)."""
    age = ((today or date.today()) - reviewed).days
    if age <= REVIEW_AFTER_DAYS:
        return []
    return [(f"The handouts’ text was last checked against current guidance on {reviewed.day} {reviewed:%B %Y}. Ask "
             "whoever looks after the handouts to check it again. The handout can still be given.")]
