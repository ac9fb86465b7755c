"""Plan stage: turn a Handout into an ordered list of blocks for one document (no ReportLab)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Disorder, Group, Handout, Rating


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


@dataclass(frozen=True)
class BigBadge:
    rating: Rating


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


@dataclass(frozen=True)
class SourceLine:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Disclaimer:
    text: str


# Clinic profile blocks (clinic.py adds them; none replaces the trailer) ------------------------
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


@dataclass(frozen=True)
class ClinicNote:
    """One-page layouts: the clinic's own note in a light strip, its heading beside the text."""

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


Block = (Title | Heading | Para | Bullets | Glance | BigBadge | SideEffectBox | Notice | SourceLine | Disclaimer
         | ClinicHeader | PreparedFor | ClinicContact | NotesBox | ClinicBand | ClinicNote | Columns)


@dataclass(frozen=True)
class DocumentPlan:
    kind: str  # "full" or "one-pager"
    doc_id: str  # "full" or a disorder id
    title: str
    running_title: str
    blocks: tuple[Block, ...]
    ratings: dict[str, str] = field(default_factory=dict)  # rating -> word, for badges
    meta: dict[str, str] = field(default_factory=dict)  # PDF metadata: author, subject, keywords, lang
    footer: str = "Page {page} of {pages}"


def full_sheet(handout: Handout) -> DocumentPlan:
    """The whole source sheet, in source order, with an evidence summary near the top."""
    s = handout.sheet
    blocks: list[Block] = [Title(s.title)]
    blocks += [Para(p, "lead") for p in s.introduction]
    blocks.append(_glance(handout))
    blocks += _section(s.what_is_ivig.heading, s.what_is_ivig.paragraphs)
    blocks.append(Heading(s.helpful.heading, 1, bookmark=s.helpful.heading))
    for group in s.helpful.groups:
        blocks += _group(group)
    other = s.other_disorders
    blocks.append(Heading(other.heading, 1, badge="insufficient", bookmark=other.heading))
    blocks.append(Para(other.intro))
    blocks.append(Bullets(tuple(d.name for d in other.disorders)))
    blocks.append(side_effect_box(handout))
    blocks += [Para(p) for p in s.closing]
    blocks += trailer(handout)
    return _plan(handout, "full", "full", s.title, blocks)


def _section(heading: str, paragraphs: tuple[str, ...]) -> list[Block]:
    return [Heading(heading, 1, bookmark=heading), *(Para(p) for p in paragraphs)]


def _group(group: Group) -> list[Block]:
    if len(group.disorders) == 1:
        only = group.disorders[0]
        out: list[Block] = [Heading(group.heading, 2, badge=only.rating, bookmark=group.heading)]
        return out + [Para(p) for p in (*group.paragraphs, *only.paragraphs)]
    out = [Heading(group.heading, 2, bookmark=group.heading)]
    out += [Para(p) for p in group.paragraphs]
    for disorder in group.disorders:
        out.append(Heading(disorder.label, 3, badge=disorder.rating, bookmark=disorder.label))
        out += [Para(p) for p in disorder.paragraphs]
    return out


def _glance(handout: Handout) -> Glance:
    rated = [(d.label, d.rating) for g in handout.sheet.helpful.groups for d in g.disorders]
    others = handout.sheet.other_disorders.disorders
    rated.append((", ".join(d.name for d in others), "insufficient"))
    labels = handout.labels
    return Glance(labels.glance_heading, labels.glance_intro, tuple(rated))


def side_effect_box(handout: Handout) -> SideEffectBox:
    se = handout.sheet.side_effects
    continued = handout.labels.continued
    return SideEffectBox(se.heading, se.intro, se.items, se.after,
                         continued.replace("{heading}", se.heading) if continued else None)


def trailer(handout: Handout) -> list[Block]:
    """Notice, source line and disclaimer: on every document, never optional."""
    s, labels = handout.sheet, handout.labels
    src = s.source
    lines = (src.endorsement, f"©\xa0{src.copyright}" if not src.copyright.startswith("©") else src.copyright,
             src.citation, f"{labels.status_label} {src.status}")
    return [
        Notice(labels.notice_heading, handout.notice()),
        SourceLine(labels.source_label, lines),
        Disclaimer(s.disclaimer),
    ]


def _plan(handout: Handout, kind: str, doc_id: str, title: str, blocks: list[Block]) -> DocumentPlan:
    labels = handout.labels
    words = {r: labels.rating(r) for r in ("strong", "moderate", "weak", "insufficient")}
    meta = {
        "author": labels.document_author,
        "subject": labels.document_subject,
        "keywords": ", ".join(labels.document_keywords),
        "lang": handout.sheet.meta.language,
    }
    return DocumentPlan(kind, doc_id, title, handout.sheet.title, tuple(blocks), words, meta, labels.page_footer)


def one_pager(handout: Handout, disorder: Disorder, group: Group | None) -> DocumentPlan:
    """One disorder on one page: title with its badge, what IVIg is, the source's words on it
    (its group's paragraphs, then its own, verbatim and in order; for a disorder the source only
    lists, the source's not-enough-evidence statement and its name, nothing invented), the
    side-effect box and the trailer."""
    s, labels = handout.sheet, handout.labels
    title = labels.one_pager_title.format(name=disorder.label)
    body: list[Block] = [Heading(labels.one_pager_about, 2, bookmark=labels.one_pager_about)]
    body += [Para(p) for p in s.what_is_ivig.paragraphs]
    body.append(Heading(labels.one_pager_research, 2, bookmark=labels.one_pager_research))
    body += research(handout, disorder, group)
    shown = title.replace(f" ({disorder.abbreviation})", f"\xa0({disorder.abbreviation})")  # never "(GBS)" alone
    blocks: list[Block] = [Title(shown, badge=disorder.rating), Columns(tuple(body)), side_effect_box(handout)]
    blocks += trailer(handout)
    return _plan(handout, "one-pager", disorder.id, title, blocks)


def research(handout: Handout, disorder: Disorder, group: Group | None) -> list[Block]:
    """What the source says about one disorder: its group's text and its own, or the list statement."""
    if group is None:
        return [Para(handout.sheet.other_disorders.intro), Bullets((disorder.name,))]
    return [Para(p) for p in (*group.paragraphs, *disorder.paragraphs)]
