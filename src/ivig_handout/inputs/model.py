"""Inputs stage, content model: the validated, frozen content of a handout (no I/O, no ReportLab)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .template import fill

Rating = Literal["strong", "moderate", "weak", "insufficient"]
RATINGS: tuple[Rating, ...] = ("strong", "moderate", "weak", "insufficient")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

# Size limits of a content pack. Within them every document builds, and `check` runs, in seconds
# (tests/inputs/test_limits.py builds a pack at the limits); each leaves room above the AAN sheet's
# own figure (in brackets). A file is also at most yamlio.MAX_BYTES (2 MiB) and nested at most
# yamlio.MAX_DEPTH (64) levels deep. Counts and totals are checked in inputs/rules.py.
MAX_DISORDERS = 40  # disorders on the sheet, its groups and its list of others together [12]
MAX_GROUPS = 20  # groups of helpful disorders [5]
MAX_PARAGRAPHS = 10  # paragraphs in one list: the introduction, a section, a group, a disorder, ... [3]
MAX_PARAGRAPH = 2_000  # characters in one paragraph, intro, citation or disclaimer [591]
MAX_LINE = 200  # characters in a title, heading, name, abbreviation or one-line label [88]
MAX_ITEMS = 20  # side-effect items [6]
MAX_ITEM = 300  # characters in one side-effect item [85]
MAX_ALIASES = 10  # aliases of one disorder [2]
MAX_ID = 64  # characters in an id or alias [49]
MAX_CORRECTIONS = 200  # recorded corrections [11]
MAX_KEYWORDS = 20  # PDF keywords [5]
MAX_SEARCH_WORDS = 40  # search words of one document (never printed: what staff type to find it) [19]
MAX_SEARCH_WORD = 60  # characters in one search word [57]
MAX_ONE_PAGER = 5_000  # characters a one-pager prints from the sheet; no layout holds more [3,241]
MAX_SHEET = 60_000  # characters of all the sheet's text together [7,622]
EDITION_DIGITS = 6  # hex digits of a pack's edition (Handout.edition): which words a handout printed


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Field(min_length=1, max_length=MAX_LINE)  # one line: a title, heading, name or label
Prose = Field(min_length=1, max_length=MAX_PARAGRAPH)  # a paragraph
Paragraph = Annotated[str, StringConstraints(max_length=MAX_PARAGRAPH)]
Paragraphs = Annotated[tuple[Paragraph, ...], Field(max_length=MAX_PARAGRAPHS)]
# What staff may type to find a document (symptoms, lay names, other spellings); never printed.
# Found whatever the case, accents, hyphens and spaces (inputs/search.py); checked in inputs/rules.py.
SearchWords = Annotated[tuple[Annotated[str, StringConstraints(min_length=1, max_length=MAX_SEARCH_WORD)], ...],
                        Field(max_length=MAX_SEARCH_WORDS)]


class Meta(Strict):
    language: str = Field(default="en-US", max_length=MAX_LINE)
    review_date: date
    reviewed_by: str | None = Field(default=None, max_length=MAX_LINE)


class Section(Strict):
    heading: str = Text
    paragraphs: Paragraphs = Field(min_length=1)


class Disorder(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=MAX_ID)
    aliases: tuple[str, ...] = Field(default=(), max_length=MAX_ALIASES)
    name: str = Text
    abbreviation: str | None = Field(default=None, max_length=MAX_LINE)
    rating: Rating = "insufficient"
    paragraphs: Paragraphs = ()
    search_words: SearchWords = ()

    @field_validator("aliases")
    @classmethod
    def _aliases_are_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for alias in value:
            if not re.match(ID_PATTERN, alias):
                raise ValueError(f"alias '{alias[:MAX_ID]}' must be lower-case letters, digits and dashes")
            if len(alias) > MAX_ID:
                raise ValueError(f"alias '{alias[:MAX_ID]}...' is {len(alias)} characters long; at most {MAX_ID}")
        return value

    @property
    def label(self) -> str:
        """Name with abbreviation, e.g. ``Guillain-Barré syndrome (GBS)``."""
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


class Group(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=MAX_ID)
    heading: str = Text
    paragraphs: Paragraphs = ()
    disorders: tuple[Disorder, ...] = Field(min_length=1, max_length=MAX_DISORDERS)


class Helpful(Strict):
    heading: str = Text
    groups: tuple[Group, ...] = Field(min_length=1, max_length=MAX_GROUPS)


class OtherDisorders(Strict):
    heading: str = Text
    intro: str = Prose
    disorders: tuple[Disorder, ...] = Field(min_length=1, max_length=MAX_DISORDERS)


class SideEffects(Strict):
    heading: str = Text
    intro: str = Prose
    items: tuple[Annotated[str, StringConstraints(max_length=MAX_ITEM)], ...] = Field(
        min_length=1, max_length=MAX_ITEMS)
    after: Paragraphs = ()


class Source(Strict):
    endorsement: str = Prose
    copyright: str = Text
    publisher: str = Text
    year: int = Field(ge=1900, le=2100)
    citation: str = Prose
    status: str = Prose


class Sheet(Strict):
    meta: Meta
    title: str = Text
    introduction: Paragraphs = Field(min_length=1)
    what_is_ivig: Section
    helpful: Helpful
    other_disorders: OtherDisorders
    side_effects: SideEffects
    closing: Paragraphs = ()
    source: Source
    disclaimer: str = Prose
    search_words: SearchWords = ()  # the full sheet's (each disorder has its own)


class RatingWords(Strict):
    strong: str = Text
    moderate: str = Text
    weak: str = Text
    insufficient: str = Text


class ClinicLabels(Strict):
    """Words printed around a clinic profile's details (a profile may give its own instead)."""

    questions: str = Text  # used when the profile gives a phone but no questions line; {phone}
    phone: str = Text  # the phone in the header; {phone}
    note_heading: str = Text
    qr_label: str = Text
    prepared_for: str = Text
    date: str = Text
    notes_heading: str = Text


class Labels(Strict):
    ratings: RatingWords
    glance_heading: str = Text
    glance_intro: str = Prose
    notice_heading: str = Text
    notice: str = Prose
    source_label: str = Text
    status_label: str = Text
    page_footer: str = Text
    continued: str | None = Field(default=None, max_length=MAX_LINE)  # a box continued on the next page; {heading}
    one_pager_title: str = Text
    one_pager_about: str = Text
    one_pager_research: str = Text
    document_author: str = Text
    document_subject: str = Text
    document_keywords: tuple[Annotated[str, StringConstraints(max_length=MAX_LINE)], ...] = Field(
        default=(), max_length=MAX_KEYWORDS)
    clinic: ClinicLabels

    def rating(self, rating: Rating) -> str:
        return str(getattr(self.ratings, rating))


class Correction(Strict):
    original: str = Prose
    corrected: str = Prose
    reason: str = Prose
    typo: str | None = Field(default=None, max_length=MAX_PARAGRAPH)  # the wrong fragment `check` looks for


class Corrections(Strict):
    corrections: tuple[Correction, ...] = Field(default=(), max_length=MAX_CORRECTIONS)


class Handout(BaseModel):
    """Everything a document needs: the sheet, the layout's words, the record of corrections."""

    model_config = ConfigDict(frozen=True)
    sheet: Sheet
    labels: Labels
    corrections: tuple[Correction, ...]
    edition: str = ""  # the pack's short hash (EDITION_DIGITS hex of the sha256 of its files), for the record

    def disorders(self) -> list[tuple[Disorder, Group | None]]:
        """Every disorder the sheet names, in source order, with its group (None for the list)."""
        found: list[tuple[Disorder, Group | None]] = [
            (d, g) for g in self.sheet.helpful.groups for d in g.disorders
        ]
        found += [(d, None) for d in self.sheet.other_disorders.disorders]
        return found

    def notice(self) -> str:
        return fill(self.labels.notice, year=self.sheet.source.year)


# The placeholders each label may hold (and must hold), by its path in labels.yaml: filled with
# template.fill where the label is used, checked by template.problems when the pack is loaded.
TEMPLATES: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("notice",): (("year",), ("year",)),  # Handout.notice
    ("page_footer",): (("page", "pages"), ("page",)),  # render.document, every page
    ("one_pager_title",): (("name",), ("name",)),  # plan.kinds.one_pager
    ("continued",): (("heading",), ()),  # plan.common.side_effect_box
    ("clinic", "questions"): (("phone",), ()),  # plan.profile
    ("clinic", "phone"): (("phone",), ("phone",)),  # plan.profile
}
