"""Plan stage, clinic profile: where a profile's blocks go in a plan, the one-page band form, and
which parts may give way (in which order) when a page is too full."""

from __future__ import annotations

from dataclasses import replace

from ..inputs.model import ClinicLabels
from ..inputs.patient import Patient
from ..inputs.profile import Clinic
from ..inputs.template import fill
from .blocks import (
    Block,
    ClinicBand,
    ClinicContact,
    ClinicHeader,
    ClinicNote,
    DocumentPlan,
    NotesBox,
    Notice,
    PreparedFor,
)

PROFILE_BLOCKS = (ClinicHeader, PreparedFor, ClinicContact, NotesBox, ClinicBand)


def apply(plan: DocumentPlan, clinic: Clinic | None, patient: Patient | None, labels: ClinicLabels) -> DocumentPlan:
    """``plan`` with the clinic's blocks added: header and patient line first, the clinic's contact
    and notes box just before the trailer. Blocks are only ever added, never removed or replaced.
    A patient without a profile adds the "Prepared for" line alone."""
    if clinic is None and patient is None:
        return plan
    clinic = clinic or Clinic()
    blocks = list(plan.blocks)
    cut = next((i for i, b in enumerate(blocks) if isinstance(b, Notice)), len(blocks))
    added = _top(clinic, patient, labels) + blocks[:cut] + _care(clinic, labels, plan.doc_id) + blocks[cut:]
    return replace(plan, blocks=tuple(added), patient=patient)


def _top(clinic: Clinic, patient: Patient | None, labels: ClinicLabels) -> list[Block]:
    pr = clinic.profile
    phone = [fill(labels.phone, phone=_unbroken(pr.phone))] if pr.phone else []
    contact = (*pr.address, *phone, *([pr.website] if pr.website else []))
    out: list[Block] = []
    if pr.name or pr.department or contact or clinic.logo:
        logo = clinic.logo
        out.append(ClinicHeader(pr.name, pr.department, contact, logo.path if logo else None,
                                logo.pixels if logo else None))
    if pr.prepared_for or patient is not None:
        name, date = (patient.name, patient.date) if patient else (None, None)
        out.append(PreparedFor(labels.prepared_for, labels.date, name, date))
    return out


def _care(clinic: Clinic, labels: ClinicLabels, doc_id: str) -> list[Block]:
    pr = clinic.profile
    questions = pr.questions or (labels.questions if pr.phone else None)
    if questions and pr.phone:
        questions = fill(questions, phone=_unbroken(pr.phone))
    url = fill(pr.qr_url, id=doc_id) if pr.qr_url else None
    out: list[Block] = []
    if questions or pr.note or url:
        out.append(ClinicContact(questions, pr.note_heading or labels.note_heading, pr.note, url,
                                 pr.qr_label or labels.qr_label))
    if pr.notes_box:
        out.append(NotesBox(labels.notes_heading))
    return out


def _unbroken(phone: str) -> str:
    """A phone number never split across two lines: its spaces become no-break spaces."""
    return phone.replace(" ", "\u00a0")


def has_profile(plan: DocumentPlan) -> bool:
    return any(isinstance(b, PROFILE_BLOCKS) for b in plan.blocks)


def as_band(plan: DocumentPlan) -> DocumentPlan:
    """The one-page layouts' form of a profile: the header, questions line, QR code and the "Prepared
    for" line as one letterhead band at the top, and the clinic's note in the notice's box, above the
    notice. Nothing is left out here."""
    header = next((b for b in plan.blocks if isinstance(b, ClinicHeader)), None)
    contact = next((b for b in plan.blocks if isinstance(b, ClinicContact)), None)
    if header is None and contact is None:
        return plan
    band = None
    prepared = next((b for b in plan.blocks if isinstance(b, PreparedFor)), None)
    if header or (contact and (contact.questions or contact.qr_url)):
        head = header or ClinicHeader(None, None, ())
        band = ClinicBand(head.name, head.department, head.contact, head.logo, head.logo_pixels,
                          contact.questions if contact else None, contact.qr_url if contact else None,
                          contact.qr_label if contact else "", prepared)
    note = ClinicNote(contact.note_heading, contact.note) if contact and contact.note else None
    blocks: list[Block] = [band] if band else []
    for b in plan.blocks:
        if isinstance(b, Notice) and note is not None:
            blocks.append(replace(b, clinic_note=note))
        elif isinstance(b, PreparedFor) and band is not None:
            continue  # printed in the band
        elif not isinstance(b, (ClinicHeader, ClinicContact)):
            blocks.append(b)
    return replace(plan, blocks=tuple(blocks))


def variants(plan: DocumentPlan) -> list[tuple[tuple[str, ...], DocumentPlan]]:
    """``plan`` and the lighter versions of it that may be printed instead, in the order they are
    tried, each with what it leaves out (as a note names it). Only the blank ruled notes box may give
    way: nothing the user asked for by name (the patient's name and date, the "Prepared for" line, the
    clinic's note), nor the name, phone, questions line or QR code, nor the notice, source or disclaimer."""
    out: list[tuple[tuple[str, ...], DocumentPlan]] = [((), plan)]
    parts = droppable(plan)
    if parts:
        out.append((tuple(name for name, _ in parts), _without(plan, {kind for _, kind in parts})))
    return out


def droppable(plan: DocumentPlan) -> list[tuple[str, str]]:
    """The parts of a profile that may give way (each with how a note names it): the notes box only."""
    return [("the notes box", "box") for b in plan.blocks if isinstance(b, NotesBox)]


def kept(plan: DocumentPlan) -> list[str]:
    """What the user asked for that never gives way, as an error names it (to shorten or switch off)."""
    out = []
    for b in plan.blocks:
        prepared = b.prepared if isinstance(b, ClinicBand) else b if isinstance(b, PreparedFor) else None
        if prepared is not None:
            out.append("the patient's name" if prepared.name else f'the "{prepared.label}" line')
        note = b.clinic_note if isinstance(b, Notice) else b if isinstance(b, ClinicNote) else None
        if note is not None or (isinstance(b, ClinicContact) and b.note):
            out.append("the clinic's note")
    return out


def _without(plan: DocumentPlan, kinds: set[str]) -> DocumentPlan:
    blocks = [b for b in plan.blocks if not ("box" in kinds and isinstance(b, NotesBox))]
    return replace(plan, blocks=tuple(blocks))
