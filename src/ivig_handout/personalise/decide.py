"""Personalise stage, the stamp-or-render decision: a patient's values go into a template's slots only
where each prints within its slot as a full render would lay it out (render/stamp.fits: one line, the
same row; a value in a shaped or non-Latin script never does). Otherwise the document is rendered in
full with the patient in its plan."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..inputs.patient import Patient
    from ..render.record import Slot


def stampable(patient: Patient | None) -> bool:
    """Whether a request's patient is one to stamp into a template (a patient's values, not a template's
    slots); else the plain render is the only route."""
    from ..inputs.patient import is_template

    return patient is not None and not is_template(patient)


def stamp_values(slots: Sequence[Slot], patient: Patient) -> dict[str, str] | None:
    """The patient's values by slot field, if every one fits its slot; None otherwise (render in full),
    and for a template without slots."""
    from ..render.stamp import DATE, NAME, fits

    values = {NAME: patient.name or "", DATE: patient.date or ""}
    if not slots or not all((_fits_date if slot.field == DATE else fits)(slot, values[slot.field]) for slot in slots):
        return None
    return values


@lru_cache(maxsize=64)
def _fits_date(slot: Slot, value: str) -> bool:
    """render/stamp.fits for a date, kept: a roster's rows mostly share one date (names are not kept)."""
    from ..render.stamp import fits

    return fits(slot, value)
