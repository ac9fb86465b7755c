"""Online stage, site: every document's page, the index that lists them, the stylesheet and the clinic's
logo, as files by name; and which PDFs go beside each page (the api makes them). Made from the content
pack and the clinic profile only: there is no patient here to print. A site made is kept in memory
(KEEP of them) while its content pack and clinic profile are the same loaded objects (the loaders give
a new one when a file changes), so ``serve``'s /online/ answers a repeat request without writing the
pages again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from ..design.layouts import Layout
from ..errors import IvigError
from ..inputs.files import read_regular
from ..inputs.model import Handout
from ..inputs.profile import Clinic
from ..plan.kinds import KINDS
from ..plan.profile import apply
from . import words
from .names import INDEX, STYLESHEET, page_name, page_pattern, pdf_name
from .page import Frame, Writer, document, letterhead, page, text

LOGO_LIMIT = 8 * 1024 * 1024  # bytes; the profile's check allows less
KEEP = 8  # sites kept in memory (content pack x clinic profile x layouts): each about 0.5 MB


@dataclass(frozen=True)
class Pdf:
    """A PDF of the site: its file name, the document and the layout it is made in."""

    name: str
    document: str
    kind: str
    layout: str


@dataclass(frozen=True)
class Site:
    """The site's files by name (pages, index, stylesheet, logo) and the PDFs beside the pages."""

    files: dict[str, bytes]
    pdfs: tuple[Pdf, ...]
    pages: dict[str, str]  # document id -> its page's file name


def stylesheet() -> bytes:
    return resources.files(__package__).joinpath("site.css").read_bytes()


_KEPT: dict[tuple[object, ...], tuple[Handout, Clinic | None, Site]] = {}


def build_site(handout: Handout, clinic: Clinic | None, layouts: list[Layout]) -> Site:
    """Every document's page (in the content pack's order), the index, stylesheet and logo; the one
    kept for the same loaded content pack, clinic profile and layouts if there is one."""
    key = (id(handout), id(clinic), *((lay.name, lay.mono) for lay in layouts))
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is handout and kept[1] is clinic:
        return replace(kept[2], files=dict(kept[2].files), pages=dict(kept[2].pages))  # a caller's own dicts
    made = _build_site(handout, clinic, layouts)
    if key not in _KEPT and len(_KEPT) >= KEEP:
        del _KEPT[next(iter(_KEPT))]  # the oldest first
    _KEPT[key] = (handout, clinic, made)
    return made


def _build_site(handout: Handout, clinic: Clinic | None, layouts: list[Layout]) -> Site:
    pattern = page_pattern(clinic.profile.qr_url if clinic else None)
    kinds = {doc: kind for kind in KINDS.values() for doc in kind.ids(handout)}  # in order, kind by kind
    docs = list(kinds)
    names = {doc: page_name(pattern, doc) for doc in docs}
    if INDEX in names.values() or STYLESHEET in names.values():
        raise IvigError(f"a handout's page would be named {INDEX} or {STYLESHEET}; change qr_url's pattern")
    logo = _logo_name(clinic)
    files: dict[str, bytes] = {STYLESHEET: stylesheet()}
    if logo is not None and clinic is not None and clinic.logo is not None:
        files[logo] = read_regular(clinic.logo.path, LOGO_LIMIT, "the clinic's logo")
    pdfs: list[Pdf] = []
    entries = []
    for doc in docs:
        kind = kinds[doc]
        plan = apply(kind.plan(handout, doc), clinic, None, handout.labels.clinic)
        mine = [Pdf(pdf_name(names[doc], lay.name), doc, kind.name, lay.name) for lay in layouts]
        pdfs += mine
        labels = tuple((pdf.name, _layout_label(handout, lay)) for pdf, lay in zip(mine, layouts, strict=True))
        files[names[doc]] = document(plan, frame(handout, downloads=labels, logo=logo)).encode()
        entries.append((names[doc], plan.title, _rating(handout, doc)))
    files[INDEX] = index(handout, clinic, entries, logo).encode()
    return Site(files, tuple(pdfs), names)


def frame(handout: Handout, downloads: tuple[tuple[str, str], ...] = (), logo: str | None = None,
          is_index: bool = False) -> Frame:
    s = handout.sheet
    return Frame(handout.language, s.title, handout.edition, f"{s.source.publisher}, {s.source.year}",
                 s.meta.review_date.isoformat(), downloads, logo, is_index, handout.labels.online)


def index(handout: Handout, clinic: Clinic | None, entries: list[tuple[str, str, str | None]],
          logo: str | None) -> str:
    """The index page: the sheet's title, its introduction, and every handout as a link with its evidence."""
    from ..plan.blocks import DocumentPlan
    from ..plan.common import make_plan

    s = handout.sheet
    plan: DocumentPlan = apply(make_plan(handout, "index", "index", s.title, []), clinic, None, handout.labels.clinic)
    writer = Writer(plan)
    items = []
    for name, title, rating in entries:
        badge = writer.badge(rating) if rating else ""
        items.append(f'<li><a href="{text(name)}">{text(title)}</a>{badge}</li>')
    body = (f"<h1>{text(s.title)}</h1>" + "".join(f'<p class="lead">{text(x)}</p>' for x in s.introduction)
            + f'<h2>{text(handout.labels.online.handouts)}</h2><ul class="handouts">{"".join(items)}</ul>')
    return page(s.title, frame(handout, logo=logo, is_index=True), body, letterhead(plan, frame(handout, logo=logo)))


def _rating(handout: Handout, doc: str) -> str | None:
    return next((d.rating for d, _ in handout.disorders() if d.id == doc), None)


def _layout_label(handout: Handout, layout: Layout) -> str:
    return words.layout_label(handout.labels.online, layout.name, layout.paper, layout.mono)


def _logo_name(clinic: Clinic | None) -> str | None:
    if clinic is None or clinic.logo is None:
        return None
    return "clinic-logo" + Path(clinic.logo.path).suffix.lower()
