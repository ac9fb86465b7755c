"""Apps stage, web: the page's choices (handouts, layouts, clinics) and its form, checked into a
library Request. Every problem is a ContentError whose lines name the field, in the page's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ...api import (
    FULL,
    Document,
    Patient,
    Request,
    also_pack,
    check_text,
    content,
    format_date,
    layouts,
    lookup,
    patient,
)
from ...api import search_documents as documents
from ...errors import ContentError, UncoveredCharacterError
from ...export.sinks.record import initials

FULL_LABEL = "Full information sheet (every disorder)"
OWN = "own"  # the second-language field's value for the page's own pack
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
    return [(name, f"{name}: {layout.summary(desk=True)[1]}") for name, layout in layouts().items()]


def today(folder: Path | None = None) -> str:
    """Today as handouts of the content pack at ``folder`` print it: ``1 December 2026``, ``1 de diciembre
    de 2026`` (its language's long date)."""
    return format_date(date.today(), content(folder).language if folder is not None else "en")


@dataclass(frozen=True)
class Language:
    """A language the page offers for a handout: its pack's name (``es``; "" for the page's own pack),
    the label shown ("Español (Spanish)"), whether it may be given to patients (a draft translation may
    not, unless the page was started with --allow-draft), and its BCP 47 tag."""

    name: str
    label: str
    usable: bool = True
    tag: str = ""


def language_choices(folder: Path | None, allow_draft: bool = False) -> list[Language]:
    """The page's own language first (name ""), then English and every shipped language pack; each
    other language once (a pack in the page's own language is the page's)."""
    from ...api import also_pack, draft_problem, shipped_packs

    found = [_language("", folder, allow_draft, draft_problem)]
    for name in ["en", *shipped_packs()]:
        if content(also_pack(name)).language not in {lang.tag for lang in found}:
            found.append(_language(name, also_pack(name), allow_draft, draft_problem))
    return found


def _language(name: str, folder: Path | None, allow_draft: bool, problem: Any) -> Language:
    pack = content(folder)
    label = _language_label(pack.language)
    draft = problem(pack, folder) is not None
    return Language(name, f"{label}: draft translation, not reviewed" if draft else label, allow_draft or not draft,
                    pack.language)


def _language_label(tag: str) -> str:
    """``Español (Spanish)``: the language's own name and its English one (Babel's CLDR data)."""
    from babel import Locale

    locale = Locale.parse(tag, sep="-")
    own, english = locale.language_name or tag, locale.get_language_name("en") or tag
    own = own[:1].upper() + own[1:]
    return own if own == english else f"{own} ({english})"


class FormError(ContentError):
    """The form's problems, each with the id of the field at fault (``fields``, one per problem)."""

    def __init__(self, problems: list[str], fields: list[str]) -> None:
        super().__init__(problems)
        self.fields = fields


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
    also: str = ""  # a second language on the back (a Language's name; "": one language)
    language: str = ""  # the handout's language (a Language's name; "": the page's own)

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> HandoutForm:
        """The form as posted; a missing field keeps its default."""
        def text(key: str, default: str) -> str:
            return str(form.get(key, default))[:500]

        base = cls()
        return cls(text("handout", ""), text("layout", base.layout), bool(form.get("mono")),
                   text("copies", base.copies), text("patient_name", ""), text("date", base.date),
                   text("clinic", ""), text("by", ""), text("also", ""), text("language", ""))

    def request(self, choices: list[Choice], clinics: Mapping[str, Path], folder: Path | None,
                languages: list[Language] | None = None) -> Order:
        """The library request, copies and staff initials; FormError listing every problem at once, each
        with the field at fault."""
        problems: list[str] = []
        fields: list[str] = []

        clinic = self.clinic_path(clinics, problems)
        fields += ["clinic"] * (len(problems) - len(fields))
        document = find_handout(self.handout, folder, problems)
        fields += ["handout"] * (len(problems) - len(fields))
        if self.layout not in layouts():
            problems.append(f"Layout: '{self.layout[:40]}' is not one of the layouts offered; choose one")
        fields += ["layout"] * (len(problems) - len(fields))
        front = self._chosen(languages or [], self.language, "Language", problems)
        fields += ["language"] * (len(problems) - len(fields))
        wanted = "" if self.also == OWN else self.also  # the page's own pack on the back
        back = self._chosen(languages or [], wanted, "Second language", problems) if self.also else None
        if back is not None and front is not None and back.tag == front.tag:
            problems.append("Second language: the same as the handout's language; choose another, or None")
            back = None
        fields += ["also"] * (len(problems) - len(fields))
        copies = self._copies(problems)
        fields += ["copies"] * (len(problems) - len(fields))
        who = self._patient(problems, fields)
        by = self._initials(problems)
        fields += ["by"] * (len(problems) - len(fields))
        if problems:
            raise FormError(problems, fields)
        pack = folder if front is None or not front.name else also_pack(front.name)
        also = (back.name or (str(folder) if folder is not None else "en")) if back is not None else None
        return Order(Request(document or FULL, self.layout, self.mono, pack, clinic, who, also=also), copies, by)

    @staticmethod
    def _chosen(languages: list[Language], name: str, field_label: str, problems: list[str]) -> Language | None:
        """The language ``name`` of those offered, if it may be given to patients (else a problem)."""
        found = next((lang for lang in languages if lang.name == name), None)
        if found is None and name:
            problems.append(f"{field_label}: choose one of the languages offered")
        elif found is not None and not found.usable:
            problems.append(f"{field_label}: {found.label}; it is not given to patients until it is reviewed")
            return None
        return found

    def _patient(self, problems: list[str], fields: list[str]) -> Patient | None:
        """The "Prepared for" name and date, each checked on its own so each problem names its field."""
        found = len(problems)
        checks = (("patient_name", self.patient_name or None, None), ("date", None, self.date or None))
        for field_id, name, when in checks:
            if not printable(name or when or "", FIELD_LABELS[field_id], problems):
                fields.append(field_id)
                continue
            try:
                patient(name, when, fields=("Patient name", "Date"))
            except ContentError as exc:
                problems += exc.problems
                fields += [field_id] * len(exc.problems)
        if len(problems) > found:
            return None
        return patient(self.patient_name or None, self.date or None, fields=("Patient name", "Date"))

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


FIELD_LABELS = {"patient_name": "Patient name", "date": "Date"}


def printable(text: str, label: str, problems: list[str]) -> bool:
    """Whether every character of ``text`` can be printed; if not, the problem in the desk's words (the
    command line names the character's code and the fonts)."""
    try:
        check_text(text, label)
    except UncoveredCharacterError as exc:
        shown = f"“{exc.char}”" if exc.char.isprintable() and not exc.char.isspace() else "a hidden character"
        problems.append(f"{label}: {shown} cannot be printed on the handout; type it again without it")
        return False
    return True


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
