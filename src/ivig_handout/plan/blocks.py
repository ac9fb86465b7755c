"""Plan stage, blocks: the semantic blocks a document is made of, and the plan that orders them (no ReportLab)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..inputs.model import Rating
from ..inputs.patient import Patient


@dataclass(frozen=True)
class Title:
    text: str
    badge: Rating | None = None  # one-pagers: the disorder's evidence badge beside the title


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 = section, 2 = group/disorder
    badge: Rating | None = None
    bookmark: str | None = None  # outline entry text; None = no bookmark


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"  # body | lead | small


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Glance:
    heading: str
    intro: str
    rows: tuple[tuple[str, Rating], ...]
    continued: str | None = None  # the header of the table's part overleaf, if it splits (large print)


@dataclass(frozen=True)
class SideEffectBox:
    heading: str
    intro: str
    items: tuple[str, ...]
    after: tuple[str, ...]
    continued: str | None = None  # heading of the box's continuation if it must split (large print)


@dataclass(frozen=True)
class Notice:
    heading: str
    text: str
    clinic_note: ClinicNote | None = None  # one-page layouts: the clinic's note, in the same box above it


@dataclass(frozen=True)
class SourceLine:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Disclaimer:
    text: str


# Clinic profile blocks (plan/profile.py adds them; none replaces the trailer) ------------------------
@dataclass(frozen=True)
class ClinicHeader:
    """The clinic's name and department, contact line, and logo (file path and its pixel size)."""

    name: str | None
    department: str | None
    contact: tuple[str, ...]  # address lines, phone, website: printed as one wrapping line
    logo: str | None = None
    logo_pixels: tuple[int, int] | None = None


@dataclass(frozen=True)
class PreparedFor:
    """The line "Prepared for ____  Date ____": blanks to write on, or the values given."""

    label: str
    date_label: str
    name: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class ClinicContact:
    """The questions line, the clinic's own note in a box, and a QR code with its address beside it."""

    questions: str | None
    note_heading: str
    note: tuple[str, ...]  # paragraphs; empty: no note box
    qr_url: str | None
    qr_label: str


@dataclass(frozen=True)
class ClinicBand:
    """One-page layouts: the clinic as one letterhead band: logo, name and department, contact line,
    the questions line, and the QR code with its label and address (clinic.as_band builds it)."""

    name: str | None
    department: str | None
    contact: tuple[str, ...]
    logo: str | None = None
    logo_pixels: tuple[int, int] | None = None
    questions: str | None = None
    qr_url: str | None = None
    qr_label: str = ""
    prepared: PreparedFor | None = None  # the "Prepared for" line, in the band under the questions line


@dataclass(frozen=True)
class ClinicNote:
    """One-page layouts: the clinic's own note, its heading beside the text, in the notice's box."""

    heading: str
    note: tuple[str, ...]


@dataclass(frozen=True)
class NotesBox:
    """A ruled box for the care team to write in (the layout sets its lines)."""

    heading: str


@dataclass(frozen=True)
class Columns:
    """Blocks that may be set in balanced columns (one-pagers: the layout's one_pager_columns)."""

    blocks: tuple[Block, ...]


Block = (Title | Heading | Para | Bullets | Glance | SideEffectBox | Notice | SourceLine | Disclaimer
         | ClinicHeader | PreparedFor | ClinicContact | NotesBox | ClinicBand | Columns)


@dataclass(frozen=True)
class DocumentPlan:
    """One document as blocks in reading order, with what the PDF says about itself."""

    kind: str  # the document kind's name (plan/kinds): how the document is laid out and fitted
    doc_id: str  # "full" or a disorder id
    title: str
    running_title: str
    blocks: tuple[Block, ...]
    ratings: dict[str, str] = field(default_factory=dict)  # rating -> word, for badges
    meta: dict[str, str] = field(default_factory=dict)  # PDF metadata: author, subject, keywords, lang
    footer: str = "Page {page} of {pages}"
    patient: Patient | None = None  # who the "Prepared for" line names (a PreparedFor block prints it)
    band: str = ""  # a draft translation's band, on every page (tagged, not an artifact)
    alt: dict[str, str] = field(default_factory=dict)  # alternative text: logo, qr ({url}), link
