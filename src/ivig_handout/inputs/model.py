"""Inputs stage, content model: the validated, frozen content of a handout (no I/O, no ReportLab)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

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


BCP47 = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"  # a language tag: en-US, es, es-419
NEWER_DOI = "10.1002/mus.27922"  # the 2023 AANEM statement every pack cites (newer_statement)


class Meta(Strict):
    language: str | None = Field(default=None, max_length=MAX_LINE)  # if given, the same as pack.yaml's
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


class LayoutWords(Strict):
    """The online copy's name for each layout of the PDFs beside a page."""

    letter: str = Text
    a4: str = Text
    large_print: str = Text


class OnlineLabels(Strict):
    """The words the online copy (``ivig-handout site``) puts around a handout's own."""

    skip: str = Text  # the skip link to the main content
    all_handouts: str = Text  # the link back to the index
    handouts: str = Text  # the index's list heading, and the navigation's name
    downloads: str = Text  # the PDFs' section heading
    downloads_intro: str = Text
    pdf: str = Text  # after each PDF link: "(PDF)"
    edition: str = Text
    source: str = Text
    reviewed: str = Text
    greyscale: str = Text
    layouts: LayoutWords


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
    newer_statement: str = Prose  # the source line's citation of the 2023 AANEM statement (NEWER_DOI)
    draft_band: str = Text  # on every page of a draft or stale translation (with the English pack's)
    translated_from: str = Prose  # printed by a translation only: the English original's {title} and {edition}
    logo_alt: str = Text  # a logo's alternative text when the profile names no clinic
    qr_alt: str = Text  # a QR code's alternative text; {url}
    link_alt: str = Text  # a link's description when it has no address
    online: OnlineLabels  # the online copy's own words

    def rating(self, rating: Rating) -> str:
        return str(getattr(self.ratings, rating))


class Reviewer(Strict):
    name: str = Field(default="", max_length=MAX_LINE)
    role: str = Field(default="", max_length=MAX_LINE)


class TranslatedFrom(Strict):
    """The English edition a translation was made from: its pack.yaml ``edition`` and the hash of its
    printed text (content.text_hash) then; a different hash now makes the translation stale."""

    edition: str = Text
    title: str = Text  # the English original's title, as the translation's source line names it
    text_sha256: str = Field(pattern=r"^[0-9a-f]{16}$")


class Pack(Strict):
    """pack.yaml: what a content pack is, in which language, translated from what, reviewed by whom."""

    language: str = Field(max_length=35)
    title: str = Text
    edition: str = Text
    translated_from: TranslatedFrom | None = None  # None: the pack is an original (the English edition)
    translator: str = Field(default="", max_length=MAX_LINE)
    reviewer: Reviewer = Reviewer()
    reviewed_on: date | None = None
    status: Literal["draft", "reviewed"]

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not re.match(BCP47, value):
            raise ValueError(f"'{value[:35]}' is not a BCP 47 language tag (write one such as en-US, es-US or es)")
        return value

    @model_validator(mode="after")
    def _reviewed_says_by_whom(self) -> Pack:
        if self.status == "reviewed" and not (self.reviewer.name and self.reviewer.role and self.reviewed_on):
            raise ValueError("status: reviewed needs reviewer (name and role) and reviewed_on")
        return self


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
    pack: Pack | None = None  # pack.yaml (always there when loaded by inputs.content)
    stale: bool = False  # a translation whose English edition's text has changed since
    band: str = ""  # the draft band every page carries ("" for a reviewed, current pack)

    @property
    def language(self) -> str:
        return self.pack.language if self.pack else (self.sheet.meta.language or "en-US")

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
    ("translated_from",): (("title", "edition"), ()),  # plan.common.trailer
    ("qr_alt",): (("url",), ()),  # render.tagging
}
