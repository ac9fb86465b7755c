"""Clinic stage: load and check a clinic profile (YAML and logo), and add its blocks to a plan."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from .errors import ContentError
from .markup import UncoveredCharacterError, check_text, normalise
from .model import ClinicLabels
from .plan import (Block, ClinicBand, ClinicContact, ClinicHeader, ClinicNote, DocumentPlan, NotesBox, Notice,
                   PreparedFor)
from .validate import validate
from .yamlio import Located, PathKey, format_path, load

# The most each field may hold, in characters once whitespace is collapsed, so the header, the
# boxes and the QR code stay compact (a QR code of 100 characters still reads at 2 cm).
LIMITS = {
    "name": 60, "department": 60, "address": 120, "phone": 30, "website": 60, "questions": 90,
    "note_heading": 50, "note": 360, "qr_url": 100, "qr_label": 50, "patient_name": 60, "date": 30,
}
ADDRESS_LINES = 3
NOTE_PARAGRAPHS = 3
LONGEST_ID = 32  # {id} in qr_url is counted this long (the longest disorder id in the AAN pack)
URL = re.compile(r"https?://[!-~]+")
YES, NO = ("yes", "true", "on"), ("no", "false", "off")
PLACEHOLDER = "{phone}"
PROFILE_BLOCKS = (ClinicHeader, PreparedFor, ClinicContact, NotesBox, ClinicBand, ClinicNote)
# What a one-pager too full for its profile leaves out, tried in this order (each set in full):
# nothing; the notes box; also the "Prepared for" line; the note instead; both.
DROP_ORDER = ((), ("box",), ("box", "prepared"), ("box", "note"), ("box", "prepared", "note"))

LOGO_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
MAX_LOGO_BYTES = 5_000_000
MAX_LOGO_PIXELS = 16_000_000  # 4000 x 4000; a logo needs a few hundred pixels


class ClinicProfile(BaseModel):
    """A clinic's details, every field optional. No field can remove the notice, source or disclaimer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None
    department: str | None = None
    address: tuple[str, ...] = ()  # several lines: a multi-line text or a list
    phone: str | None = None
    website: str | None = None
    logo: str | None = None  # PNG or JPEG, relative to the profile file
    questions: str | None = None  # default: labels clinic.questions when there is a phone
    note_heading: str | None = None
    note: tuple[str, ...] = ()  # the clinic's own words, paragraphs split at blank lines
    qr_url: str | None = None  # {id} becomes the document id (full, gbs, ...)
    qr_label: str | None = None
    prepared_for: bool = False
    notes_box: bool = False

    @field_validator("name", "department", "phone", "website", "questions", "note_heading", "qr_label")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        text = normalise(value) if value is not None else ""
        _limit(text, str(info.field_name))
        return text or None

    @field_validator("logo")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("address", "note", mode="before")
    @classmethod
    def _split(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return value.splitlines() if info.field_name == "address" else re.split(r"\n[ \t]*\n", value)
        return () if value is None else value

    @field_validator("address", "note")
    @classmethod
    def _lines(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        lines = tuple(t for t in map(normalise, value) if t)
        if info.field_name == "address" and len(lines) > ADDRESS_LINES:
            raise ValueError(f"has {len(lines)} lines; at most {ADDRESS_LINES} fit in the header")
        if info.field_name == "note" and len(lines) > NOTE_PARAGRAPHS:
            raise ValueError(f"has {len(lines)} paragraphs; at most {NOTE_PARAGRAPHS} fit in its box")
        _limit(" ".join(lines), str(info.field_name))
        return lines

    @field_validator("qr_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        if text and not URL.fullmatch(text):
            raise ValueError("must be a web address starting with https:// or http://, with no spaces "
                             "and only plain ASCII characters (percent-encode any others)")
        if len(text.replace("{id}", "x" * LONGEST_ID)) > LIMITS["qr_url"]:
            raise ValueError(f"is too long for a QR code a phone reads easily (at most {LIMITS['qr_url']} "
                             f"characters, {{id}} counted as {LONGEST_ID}); use a shorter address")
        return text or None

    @field_validator("prepared_for", "notes_box", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in YES + NO:
            return value.strip().lower() in YES
        raise ValueError(f"must be yes or no, not '{value}'")


def _limit(text: str, field: str) -> None:
    if len(text) > LIMITS[field]:
        raise ValueError(f"is {len(text)} characters long; at most {LIMITS[field]} fit, shorten it")


@dataclass(frozen=True)
class Logo:
    path: str  # absolute
    pixels: tuple[int, int]


@dataclass(frozen=True)
class Clinic:
    """A loaded profile, its checked logo, and what is filled in for one patient."""

    profile: ClinicProfile = ClinicProfile()
    logo: Logo | None = None
    patient_name: str | None = None
    date: str | None = None


def load_profile(path: Path) -> Clinic:
    """Load a clinic profile; ContentError lists every problem, each located (file:line:col: field: ...)."""
    path = Path(path)
    located = load(path)
    profile = validate(located, ClinicProfile)
    problems = _text_problems(located, profile)
    if profile.questions and PLACEHOLDER in profile.questions and not profile.phone:
        problems.append(f"{located.where(('questions',))}: questions: uses {PLACEHOLDER} but the profile has no phone")
    logo = None
    if profile.logo:
        try:
            logo = read_logo(path.parent / Path(profile.logo).expanduser(), f"{located.where(('logo',))}: logo")
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    return Clinic(profile, logo)


def _text_problems(located: Located, profile: ClinicProfile) -> list[str]:
    problems = []
    for path, text in _texts(profile):
        try:
            check_text(text, format_path(path))
        except UncoveredCharacterError as exc:
            problems.append(f"{located.where(path)}: {exc}")
    return problems


def _texts(profile: ClinicProfile) -> list[tuple[PathKey, str]]:
    out: list[tuple[PathKey, str]] = []
    for name in ClinicProfile.model_fields:
        value = getattr(profile, name)
        if name == "logo":  # a file name, never printed
            continue
        if isinstance(value, str):
            out.append(((name,), value))
        elif isinstance(value, tuple):
            out += [((name, i), item) for i, item in enumerate(value)]
    return out


def read_logo(path: Path, field: str) -> Logo:
    """Check the logo is a readable PNG or JPEG of a sane size; one clear line if not."""
    def fail(why: str) -> ContentError:
        return ContentError([f"{field}: {path} {why}"])

    try:
        if path.is_dir():
            raise fail("is a folder, not an image file")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise fail("was not found (the path is relative to the profile file)") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from None
    kind = next((k for magic, k in LOGO_MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        raise fail("is not a PNG or JPEG image")
    if size > MAX_LOGO_BYTES:
        raise fail(f"is {size / 1e6:.1f} MB; a logo must be under {MAX_LOGO_BYTES / 1e6:.0f} MB "
                   f"(a few hundred pixels wide is plenty)")
    return Logo(str(path.resolve()), _decode(path, kind, fail))


def _decode(path: Path, kind: str, fail: Any) -> tuple[int, int]:
    """Open the image with PIL and ReportLab, refusing one with too many pixels before decoding it."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    too_big = f"has too many pixels; a logo must be under {MAX_LOGO_PIXELS // 1_000_000} megapixels " \
              f"(a few hundred pixels wide is plenty)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[kind]) as img:
                width, height = img.size
                if width * height > MAX_LOGO_PIXELS:
                    raise fail(f"is {width} x {height} pixels; " + too_big.removeprefix("has too many pixels; "))
                img.load()
        ImageReader(str(path)).getRGBData()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise fail(too_big) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise fail(f"cannot be read as a {kind} image ({_reason(exc)})") from None
    return width, height


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def for_patient(clinic: Clinic | None, patient_name: str | None, date: str | None,
                fields: tuple[str, str] = ("--patient-name", "--date")) -> Clinic | None:
    """``clinic`` with the "Prepared for" line filled in; ContentError naming ``fields`` if not printable."""
    problems, values = [], []
    for value, field, key in ((patient_name, fields[0], "patient_name"), (date, fields[1], "date")):
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
    if values == [None, None]:
        return clinic
    return replace(clinic or Clinic(), patient_name=values[0], date=values[1])


def load_clinic(path: Path | None, patient_name: str | None = None, date: str | None = None) -> Clinic | None:
    """The profile at ``path`` (if any) with the patient's line filled in; None when nothing was given."""
    return for_patient(load_profile(path) if path else None, patient_name, date)


# Plan: where the profile's blocks go ---------------------------------------------------------
def apply(plan: DocumentPlan, clinic: Clinic | None, labels: ClinicLabels) -> DocumentPlan:
    """``plan`` with the clinic's blocks added: header and patient line first, the clinic's contact
    and notes box just before the trailer. Blocks are only ever added, never removed or replaced."""
    if clinic is None:
        return plan
    blocks = list(plan.blocks)
    cut = next((i for i, b in enumerate(blocks) if isinstance(b, Notice)), len(blocks))
    added = _top(clinic, labels) + blocks[:cut] + _care(clinic, labels, plan.doc_id) + blocks[cut:]
    return replace(plan, blocks=tuple(added))


def _top(clinic: Clinic, labels: ClinicLabels) -> list[Block]:
    pr = clinic.profile
    phone = [labels.phone.replace(PLACEHOLDER, _unbroken(pr.phone))] if pr.phone else []
    contact = (*pr.address, *phone, *([pr.website] if pr.website else []))
    out: list[Block] = []
    if pr.name or pr.department or contact or clinic.logo:
        logo = clinic.logo
        out.append(ClinicHeader(pr.name, pr.department, contact, logo and logo.path, logo and logo.pixels))
    if pr.prepared_for or clinic.patient_name or clinic.date:
        out.append(PreparedFor(labels.prepared_for, labels.date, clinic.patient_name, clinic.date))
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


def profile_theme(plan: DocumentPlan, theme: Any) -> Any:
    """``theme`` for a one-pager printed with a clinic profile: its layout's ``clinic.one_pager_extra_pages``
    more pages (large print, booklet; never Letter or A4), and on a band layout the ``band_margins``."""
    layout = theme.layout
    sizes = layout.clinic
    if not has_profile(plan):
        return theme
    update: dict[str, Any] = {}
    if sizes.one_pager_extra_pages:
        update["one_pager_max_pages"] = layout.one_pager_max_pages + sizes.one_pager_extra_pages
    if sizes.one_pager_band and sizes.band_margins:
        update["margins"] = sizes.band_margins
    return replace(theme, layout=layout.model_copy(update=update)) if update else theme


def as_band(plan: DocumentPlan, layout: Any) -> DocumentPlan:
    """On a layout with ``clinic.one_pager_band``: the header, questions line and QR code as one band at
    the top, and the clinic's note in a strip where the contact was. Nothing is left out here."""
    header = next((b for b in plan.blocks if isinstance(b, ClinicHeader)), None)
    contact = next((b for b in plan.blocks if isinstance(b, ClinicContact)), None)
    if not layout.clinic.one_pager_band or (header is None and contact is None):
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
    parts = _droppable(plan)
    present = {kind for _, kind in parts}
    out: list[tuple[tuple[str, ...], DocumentPlan]] = []
    seen: set[frozenset[str]] = set()
    for wanted in DROP_ORDER:
        kinds = frozenset(wanted) & present
        if kinds not in seen:
            seen.add(kinds)
            out.append((tuple(name for name, kind in parts if kind in kinds), _without(plan, kinds)))
    return out


def _droppable(plan: DocumentPlan) -> list[tuple[str, str]]:
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
            b = replace(b, note=())
        blocks.append(b)
    return replace(plan, blocks=tuple(blocks))


def fit_advice(plan: DocumentPlan, message: str) -> str:
    """A one-pager's fit error, reworded when a clinic profile takes part of the page."""
    if not has_profile(plan):
        return message
    head = message.split("; shorten its text", 1)[0]
    parts = [name.removeprefix("the ") for name, _ in _droppable(plan)]
    without = f" (even without its {_join(parts)})" if parts else ""
    return (f"{head} with the clinic profile{without}; shorten the profile's "
            f"name, address or questions line, switch off the QR code (qr_url), "
            f"or choose a layout that allows more pages (see `ivig-handout layouts`)")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"
