"""Inputs stage, patient: who a handout is prepared for (the "Prepared for" name and date), checked."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContentError, UncoveredCharacterError
from .text import check_text, normalise

LIMITS = {"patient_name": 60, "date": 30}  # characters, once whitespace is collapsed


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
