"""Apps stage, web: the page's choices (handouts, layouts, clinics) and its form, checked into a
library Request. Every problem is a ContentError whose lines name the field, in the page's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ...api import Request, content, layouts, patient
from ...errors import ContentError
from ...export.sinks.record import initials
from ...inputs.roster import format_date
from ...inputs.search import FULL, Document, documents, lookup

FULL_LABEL = "Full information sheet (every disorder)"
MAX_COPIES = 100  # at the desk; a bigger run is a batch


@dataclass(frozen=True)
class Choice:
    """One handout the page offers: its id and the label shown ("Myasthenia gravis (MG)")."""

    id: str
    label: str


def handout_choices(folder: Path | None) -> list[Choice]:
    """The full sheet, then every disorder in source order."""
    return [Choice(doc.id, doc.label) for doc in handout_documents(folder)]


def handout_documents(folder: Path | None) -> list[Document]:
    """The handouts as the resolver finds them (inputs/search.py), under the page's labels."""
    return documents(content(folder), labels={FULL: FULL_LABEL})


def layout_choices() -> list[tuple[str, str]]:
    """Each layout's name and its one-line description."""
    return [(name, f"{name}: {layout.summary()[1]}") for name, layout in layouts().items()]


def today() -> str:
    """Today as handouts print it: ``1 December 2026``."""
    return format_date(date.today())


@dataclass(frozen=True)
class Order:
    """What the form asks for: the library request, the copies, who hands it out (initials or None)."""

    request: Request
    copies: int
    by: str | None


@dataclass(frozen=True)
class HandoutForm:
    """What the page's form holds, as typed (shown again with any message)."""

    handout: str = ""
    layout: str = "letter"
    mono: bool = False
    copies: str = "1"
    patient_name: str = ""
    date: str = field(default_factory=today)
    clinic: str = ""
    by: str = ""  # the staff member's initials, for the record

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> HandoutForm:
        """The form as posted; a missing field keeps its default."""
        def text(key: str, default: str) -> str:
            return str(form.get(key, default))[:500]

        base = cls()
        return cls(text("handout", ""), text("layout", base.layout), bool(form.get("mono")),
                   text("copies", base.copies), text("patient_name", ""), text("date", base.date),
                   text("clinic", ""), text("by", ""))

    def request(self, choices: list[Choice], clinics: Mapping[str, Path], folder: Path | None) -> Order:
        """The library request, copies and staff initials; ContentError listing every problem at once."""
        problems: list[str] = []
        document = find_handout(self.handout, folder, problems)
        if self.layout not in layouts():
            problems.append(f"Layout: '{self.layout[:40]}' is not one of the layouts offered; choose one")
        copies = self._copies(problems)
        clinic = self.clinic_path(clinics, problems)
        who = None
        try:
            who = patient(self.patient_name or None, self.date or None, fields=("Patient name", "Date"))
        except ContentError as exc:
            problems += exc.problems
        by = self._initials(problems)
        if problems:
            raise ContentError(problems)
        return Order(Request(document or FULL, self.layout, self.mono, folder, clinic, who), copies, by)

    def _initials(self, problems: list[str]) -> str | None:
        try:
            return initials(self.by, field="Your initials")
        except ContentError as exc:
            problems += exc.problems
            return None

    def _copies(self, problems: list[str]) -> int:
        text = self.copies.strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_COPIES):
            problems.append(f"Copies: '{text[:20]}' is not a whole number from 1 to {MAX_COPIES}")
            return 1
        return int(text)

    def clinic_path(self, clinics: Mapping[str, Path], problems: list[str]) -> Path | None:
        """The profile of the clinic chosen (by name, from those configured; one: that one)."""
        if len(clinics) <= 1:
            return next(iter(clinics.values()), None)
        if self.clinic not in clinics:
            problems.append("Clinic: choose one of the clinics offered")
            return None
        return clinics[self.clinic]


def find_handout(text: str, folder: Path | None, problems: list[str]) -> str | None:
    """The id of the handout typed or picked: its label, name, abbreviation, id, an alias, or a search word
    only it has, whatever the case, accents, hyphens and spaces (inputs/search.py)."""
    if not text.strip():
        problems.append("Handout: is empty; type part of a disorder's name (or \"full\") and pick one")
        return None
    found = lookup(handout_documents(folder), text)
    if found.found is not None:
        return found.found.id
    shown = text.strip()[:60]
    if found.tied:
        which = ", ".join(d.label for d in found.tied[:4])
        which += f" and {len(found.tied) - 4} more" if found.tied[4:] else ""
        problems.append(f"Handout: '{shown}' fits {len(found.tied)} handouts ({which}); pick one")
        return None
    close = [d.label for d in found.close]
    hint = f"; did you mean {' or '.join(close)}?" if close else "; type part of a disorder's name and pick one"
    problems.append(f"Handout: no handout is called '{shown}'{hint}")
    return None
