"""Inputs stage, patient: who a handout is prepared for (the "Prepared for" name and date), checked."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContentError, UncoveredCharacterError
from .text import check_text, normalise

LIMITS = {"patient_name": 60, "date": 30}  # characters, once whitespace is collapsed
SLOT = "\x00slot"  # a value left for stamping (render/stamp.py): a template reserves its place, prints nothing


@dataclass(frozen=True)
class Patient:
    """The "Prepared for" name and date, both optional; where they came from (an option, a roster row,
    a web form) is none of the renderer's business."""

    name: str | None = None
    date: str | None = None


def patient(name: str | None, date: str | None,
            fields: tuple[str, str] = ("--patient-name", "--date")) -> Patient | None:
    """The "Prepared for" values, normalised; None when neither was given; ContentError naming
    ``fields`` if one is too long or not printable."""
    problems, values = [], []
    for value, field, key in ((name, fields[0], "patient_name"), (date, fields[1], "date")):
        text = normalise(value) if value is not None else ""
        values.append(text or None)
        if len(text) > LIMITS[key]:
            problems.append(f"{field}: is {len(text)} characters long; at most {LIMITS[key]} fit, shorten it")
        try:
            check_text(text, field)
        except UncoveredCharacterError as exc:
            problems.append(str(exc))
    if problems:
        raise ContentError(problems)
    return None if values == [None, None] else Patient(values[0], values[1])


def template_of(patient: Patient) -> Patient:
    """The patient of a template for ``patient``: each value it has reserved (SLOT), the others absent,
    so one template serves every patient with the same values given."""
    return Patient(SLOT if patient.name else None, SLOT if patient.date else None)


def is_template(patient: Patient | None) -> bool:
    return patient is not None and SLOT in (patient.name, patient.date)
