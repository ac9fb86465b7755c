"""Personalise stage, the stamping routes: a patient's values set into a template's PDF on its own (the
fast byte stamp, else pikepdf), or as a member of a print run (each member's values on the run's stamp,
set in as the run is combined)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from .decide import stamp_values
from .kept import prepared

if TYPE_CHECKING:
    from ..inputs.patient import Patient
    from ..render.record import Slot


def stamp_into(template: bytes, slots: Sequence[Slot], values: dict[str, str]) -> bytes | None:
    """``template`` with ``values`` set into its ``slots``, reading as a full render does: the fast byte
    stamp, or pikepdf where it cannot (a template it cannot read); None when the template lacks a face
    a value needs, or where the fast stamp cannot tag a value's language (the caller renders in full)."""
    from ..export.stamp import fast_stamp, stamp
    from ..render.stamp import draw_stamps

    drawn = draw_stamps([(slots, values)])
    fast = prepared(template)
    data = fast_stamp(fast, drawn) if fast is not None else None
    if data is not None or drawn.langs:  # (a value's language is set in the structure tree by fast_stamp only)
        return data
    try:
        return stamp(template, drawn)
    except LookupError:  # a face the template does not have
        return None


@dataclass(frozen=True)
class Member:
    """A print-run member made from a template: its PDF, its slots and the patient's values for them."""

    template: bytes
    slots: tuple[Slot, ...]
    values: dict[str, str]


def member(template: bytes, slots: tuple[Slot, ...], patient: Patient) -> Member | None:
    """The patient's place in a print run as ``template`` with their values, if they fit its slots."""
    values = stamp_values(slots, patient)
    return None if values is None else Member(template, slots, values)


def print_run(members: Sequence[tuple[bytes | Member, int]], title: str | None = None, pad: bool = True,
              into: BinaryIO | None = None) -> bytes:
    """One print-ready PDF: each member (a PDF made in full, or a Member) its count of times, in order,
    each starting on a front side (``pad``: a blank page after an odd one); Members share their
    template's pages and add only their values. ``into``: written there as it is saved (b"" returned)."""
    from ..export.impose import combine
    from ..export.stamp import Stamped

    values: list[tuple[tuple[Slot, ...], dict[str, str]]] = []
    pdfs: list[bytes | Stamped] = []
    for made, copies in members:
        if isinstance(made, Member):
            values.append((made.slots, made.values))
            pdfs += [Stamped(made.template, len(values) - 1)] * copies
        else:
            pdfs += [made] * copies
    if not values:  # PDFs made in full only: nothing to stamp, no ReportLab
        return combine(pdfs, pad, None, title=title, into=into)[0]
    from ..render.stamp import draw_stamps

    return combine(pdfs, pad, draw_stamps(values), title=title, into=into)[0]
