"""Inputs stage, content model: the validated, frozen content of a handout (no I/O, no ReportLab)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Rating = Literal["strong", "moderate", "weak", "insufficient"]
RATINGS: tuple[Rating, ...] = ("strong", "moderate", "weak", "insufficient")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Field(min_length=1)


class Meta(Strict):
    language: str = "en-US"
    review_date: date
    reviewed_by: str | None = None


class Section(Strict):
    heading: str = Text
    paragraphs: tuple[str, ...] = Field(min_length=1)


class Disorder(Strict):
    id: str = Field(pattern=ID_PATTERN)
    aliases: tuple[str, ...] = ()
    name: str = Text
    abbreviation: str | None = None
    rating: Rating = "insufficient"
    paragraphs: tuple[str, ...] = ()

    @field_validator("aliases")
    @classmethod
    def _aliases_are_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import re

        for alias in value:
            if not re.match(ID_PATTERN, alias):
                raise ValueError(f"alias '{alias}' must be lower-case letters, digits and dashes")
        return value

    @property
    def label(self) -> str:
        """Name with abbreviation, e.g. ``Guillain-Barré syndrome (GBS)``."""
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


class Group(Strict):
    id: str = Field(pattern=ID_PATTERN)
    heading: str = Text
    paragraphs: tuple[str, ...] = ()
    disorders: tuple[Disorder, ...] = Field(min_length=1)


class Helpful(Strict):
    heading: str = Text
    groups: tuple[Group, ...] = Field(min_length=1)


class OtherDisorders(Strict):
    heading: str = Text
    intro: str = Text
    disorders: tuple[Disorder, ...] = Field(min_length=1)


class SideEffects(Strict):
    heading: str = Text
    intro: str = Text
    items: tuple[str, ...] = Field(min_length=1)
    after: tuple[str, ...] = ()


class Source(Strict):
    endorsement: str = Text
    copyright: str = Text
    publisher: str = Text
    year: int = Field(ge=1900, le=2100)
    citation: str = Text
    status: str = Text


class Sheet(Strict):
    meta: Meta
    title: str = Text
    introduction: tuple[str, ...] = Field(min_length=1)
    what_is_ivig: Section
    helpful: Helpful
    other_disorders: OtherDisorders
    side_effects: SideEffects
    closing: tuple[str, ...] = ()
    source: Source
    disclaimer: str = Text


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
    glance_intro: str = Text
    notice_heading: str = Text
    notice: str = Text
    source_label: str = Text
    status_label: str = Text
    page_footer: str = Text
    continued: str | None = None  # heading of a box continued on the next page; {heading} = its own
    one_pager_title: str = Text
    one_pager_about: str = Text
    one_pager_research: str = Text
    document_author: str = Text
    document_subject: str = Text
    document_keywords: tuple[str, ...] = ()
    clinic: ClinicLabels

    def rating(self, rating: Rating) -> str:
        return str(getattr(self.ratings, rating))


class Correction(Strict):
    original: str = Text
    corrected: str = Text
    reason: str = Text
    typo: str | None = None  # the wrong fragment `check` looks for (default: the whole original)


class Corrections(Strict):
    corrections: tuple[Correction, ...] = ()


class Handout(BaseModel):
    """Everything a document needs: the sheet, the layout's words, the record of corrections."""

    model_config = ConfigDict(frozen=True)
    sheet: Sheet
    labels: Labels
    corrections: tuple[Correction, ...]

    def disorders(self) -> list[tuple[Disorder, Group | None]]:
        """Every disorder the sheet names, in source order, with its group (None for the list)."""
        found: list[tuple[Disorder, Group | None]] = [
            (d, g) for g in self.sheet.helpful.groups for d in g.disorders
        ]
        found += [(d, None) for d in self.sheet.other_disorders.disorders]
        return found

    def notice(self) -> str:
        return self.labels.notice.format(year=self.sheet.source.year)
