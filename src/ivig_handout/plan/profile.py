"""Plan stage, clinic profile: where a profile's blocks go in a plan, the one-page band form, and
which parts may give way (in which order) when a page is too full."""

from __future__ import annotations

from dataclasses import replace

from ..inputs.model import ClinicLabels
from ..inputs.patient import Patient
from ..inputs.profile import PLACEHOLDER, Clinic
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

PROFILE_BLOCKS = (ClinicHeader, PreparedFor, ClinicContact, NotesBox, ClinicBand, ClinicNote)
# What a one-pager too full for its profile leaves out, tried in this order (each set in full):
# nothing; the notes box; also the "Prepared for" line; the note instead; both.
DROP_ORDER = ((), ("box",), ("box", "prepared"), ("box", "note"), ("box", "prepared", "note"))


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
    phone = [labels.phone.replace(PLACEHOLDER, _unbroken(pr.phone))] if pr.phone else []
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
        questions = questions.replace(PLACEHOLDER, _unbroken(pr.phone))
    url = pr.qr_url.replace("{id}", doc_id) if pr.qr_url else None
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
    """The header, questions line and QR code as one letterhead band at the top, and the clinic's note
    in a strip where the contact was (the one-page layouts' form). Nothing is left out here."""
    header = next((b for b in plan.blocks if isinstance(b, ClinicHeader)), None)
    contact = next((b for b in plan.blocks if isinstance(b, ClinicContact)), None)
    if header is None and contact is None:
        return plan
    band = None
    if header or (contact and (contact.questions or contact.qr_url)):
        head = header or ClinicHeader(None, None, ())
        band = ClinicBand(head.name, head.department, head.contact, head.logo, head.logo_pixels,
                          contact.questions if contact else None, contact.qr_url if contact else None,
                          contact.qr_label if contact else "")
    blocks: list[Block] = [band] if band else []
    for b in plan.blocks:
        if isinstance(b, ClinicContact) and b.note:
            blocks.append(ClinicNote(b.note_heading, b.note))
        elif not isinstance(b, (ClinicHeader, ClinicContact)):
            blocks.append(b)
    return replace(plan, blocks=tuple(blocks))


def variants(plan: DocumentPlan) -> list[tuple[tuple[str, ...], DocumentPlan]]:
    """``plan`` and lighter versions of it, in the order they are tried, each with what it leaves out
    (as a note names it): first the ruled notes box, then the "Prepared for" line, then (last) the
    clinic's note. Never the name, phone, questions line or QR code, nor the notice, source or disclaimer."""
    parts = droppable(plan)
    present = {kind for _, kind in parts}
    out: list[tuple[tuple[str, ...], DocumentPlan]] = []
    seen: set[frozenset[str]] = set()
    for wanted in DROP_ORDER:
        kinds = frozenset(wanted) & present
        if kinds not in seen:
            seen.add(kinds)
            out.append((tuple(name for name, kind in parts if kind in kinds), _without(plan, kinds)))
    return out


def droppable(plan: DocumentPlan) -> list[tuple[str, str]]:
    """The parts of a profile that may give way, each with how a note names it, in the order they go."""
    out = []
    for b in plan.blocks:
        if isinstance(b, NotesBox):
            out.append(("the notes box", "box"))
        elif isinstance(b, PreparedFor):
            out.append((f'the "{b.label}" line', "prepared"))
        elif isinstance(b, ClinicNote) or (isinstance(b, ClinicContact) and b.note):
            out.append((f'the clinic\'s note "{b.note_heading if isinstance(b, ClinicContact) else b.heading}"',
                        "note"))
    return sorted(out, key=lambda part: DROP_ORDER[-1].index(part[1]))


def _without(plan: DocumentPlan, kinds: frozenset[str]) -> DocumentPlan:
    blocks: list[Block] = []
    for b in plan.blocks:
        if ("box" in kinds and isinstance(b, NotesBox)) or ("prepared" in kinds and isinstance(b, PreparedFor)) \
                or ("note" in kinds and isinstance(b, ClinicNote)):
            continue
        if "note" in kinds and isinstance(b, ClinicContact):
            if not (b.questions or b.qr_url):
                continue
            blocks.append(replace(b, note=()))
            continue
        blocks.append(b)
    return replace(plan, blocks=tuple(blocks))
