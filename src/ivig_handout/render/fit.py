"""Render stage, fitting: set a document in its kind's layout section and hold a page-limited kind to
its page limit. One typed result for every kind: what was printed, at which body size, what gave way,
how much room is left. Production and tests both call ``fit``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.platypus import Flowable

from ..design.layouts import Layout
from ..design.theme import Theme, can_tighten, make_theme, tightened, with_profile
from ..errors import FitError, TooLongError
from ..plan.blocks import ClinicBand, ClinicContact, ClinicHeader, Columns, DocumentPlan, NotesBox, SideEffectBox
from ..plan.kinds import Kind
from ..plan.profile import as_band, droppable, has_profile, kept, variants
from .document import render
from .record import Record, Slot


class RoomProbe(Flowable):
    """Zero-size flowable placed last: records the page it lands on and the frame height left there."""

    def __init__(self) -> None:
        super().__init__()
        self.width = self.height = 0
        self.room = 0.0
        self.page = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.room = float(availHeight)
        return 0, 0

    def draw(self) -> None:
        self.page = self.canv.getPageNumber()


@dataclass(frozen=True)
class Rendered:
    """One attempt: the PDF (b"" when it was not worth writing), its pages, the frame height (pt)
    left on its last page (0 where not measured), and the body size it was set in."""

    data: bytes
    pages: int
    room: float
    body: float = 0.0
    tags: Record | None = None
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class Fitted:
    """What fitting chose: the PDF and its pages, the body size, the room left on the last page
    (pt; measured for page-limited kinds), the profile parts that gave way (as a note names them),
    and the page limit held to (the section's page target where it was met; 0: none)."""

    data: bytes
    pages: int
    body: float
    room: float
    left_out: tuple[str, ...] = ()
    limit: int = 0
    tags: Record | None = None  # what the renderer marked (export/tagging.py writes the structure)
    slots: tuple[Slot, ...] = ()  # a template's places for the patient's values (render/stamp.py)
    steps: tuple[str, ...] = ()  # the fitting steps taken, in order (ladder: "compact letterhead", ...)


def fit(plan: DocumentPlan, kind: Kind, layout: Layout) -> Fitted:
    """``plan`` set in ``kind``'s section of ``layout``: flowed onto as many pages as it takes, or
    (page-limited) held to the section's page limit; FitError naming the document and layout if
    nothing fits."""
    theme = make_theme(layout, layout.kind(kind.section))
    if kind.fitting == "flow":
        return _flowed(plan, theme)
    return _page_limited(plan, kind, theme)


def _flowed(plan: DocumentPlan, theme: Theme) -> Fitted:
    """As many pages as it takes; where the section aims for a number of pages (``page_target``,
    large print's full sheet) and the document runs past it, the first rung of the ladder that keeps
    within it (the spaces tightened, the clinic's boxes last, the blank notes box left out, the
    side-effect box split, the clinic's parts compact), else the document as it flowed."""
    drawn = render(plan, theme)
    target = theme.kind.page_target
    if target and drawn.pages > target:
        for rung in (r for r in ladder(plan, theme) if r.steps):  # past the document as it flowed
            rendered = _render(rung.plan, rung.theme, lambda r: r.pages <= target)
            if rendered.pages <= target:
                return Fitted(rendered.data, rendered.pages, rendered.body, 0.0, rung.dropped, target, rendered.tags,
                              rendered.slots, rung.steps)
    return Fitted(drawn.data, drawn.pages, theme.body_size, 0.0, tags=drawn.tags, slots=drawn.slots)


# The fitting steps, in the order they are taken (Fitted.steps names those a document took).
BALANCED = "balanced columns"
COMPACT = "compact letterhead"
TIGHTER = "tighter spacing"
NOTES_LAST = "notes box last"  # large print: the blank notes box after the disclaimer
CONTACT_LAST = "clinic's boxes last"  # and the questions line, the clinic's note and the QR code before it
TIGHTEST = "tightest spacing"  # at the type's floor: the spacing's whole range
BOX_SPLIT = "side-effect box split"  # large print, last: the box may split after its lead-in or between lines
STEP = 0.25  # pt: the body type steps down by this, to the section's min_body_pt
TIGHTEN = (1 / 3, 2 / 3)  # the spacing tightens a third of its range, then two thirds (all of it: TIGHTEST)


@dataclass(frozen=True)
class Rung:
    """One attempt of the ladder: the theme and plan to render, the steps taken to get there (in
    order) and the profile parts left out."""

    theme: Theme
    plan: DocumentPlan
    steps: tuple[str, ...]
    dropped: tuple[str, ...] = ()


def _page_limited(plan: DocumentPlan, kind: Kind, theme: Theme) -> Fitted:
    """The first rung of the fitting ladder (``ladder``) that keeps the document within its page
    limit; FitError, naming what to shorten, when even the last does not."""
    section = with_profile(theme) if has_profile(plan) else theme  # the page limit, the headroom
    if section.kind.clinic_band and has_profile(plan):
        plan = as_band(plan)
    rungs = ladder(plan, theme)
    target = section.kind.page_target
    aims = [min(target, section.max_pages), section.max_pages] if target else [section.max_pages]
    for aim in dict.fromkeys(aims):  # the page target first, then the limit
        for rung in rungs:
            rendered = _render(rung.plan, rung.theme, _wanted(rung.theme, section, aim))  # too long: not written
            if fits(rendered, rung.theme, section) and rendered.pages <= aim:  # full size also with headroom
                return Fitted(rendered.data, rendered.pages, rendered.body, rendered.room, rung.dropped,
                              aim, rendered.tags, rendered.slots, rung.steps)
    raise _too_long(rungs[-1], kind, plan)


def ladder(plan: DocumentPlan, theme: Theme) -> list[Rung]:
    """The attempts, in the designed order. The layout's full body size first where it is larger
    than the section's (with the section's headroom left free); then at the section's size:
    (1) the text columns balanced (always: render/columns.py); (2) the letterhead compacted (name and
    department on two tighter lines, the logo and QR code at their minimums); (3) the spacing
    tightened within two thirds of the section's range; where the section aims for a number of pages (large
    print's ``page_target``), the same with the notes box, then the clinic's boxes, moved after the
    disclaimer; (4) the blank notes box left out (and without it, the page tried as it was before 2
    and 3, then with them again, its boxes moved too); (5) the body type down in 0.25 pt steps to
    the section's ``min_body_pt``, and there the spacing tightened all the way (``TIGHTEST``); last,
    large print with a page target (``splits``): the rungs of (1)-(4) again, each with the side-effect
    box allowed to split after its lead-in or between a paragraph's lines, the clinic's boxes' spaces
    tightened with the rest (``BOX_SPLIT``; render/boxes.py); then those again with the clinic's parts
    compact (``compacts``: ``COMPACT``), and last with the spacing's whole range (``TIGHTEST``). A rung's
    steps name what its page has,
    in this order. Nothing the
    user gave (the patient's name, the clinic's note) ever gives way: past the last rung is an error."""
    layout, kind = theme.layout, theme.kind
    profile = has_profile(plan)
    tries = variants(plan)
    full, lighter = tries[0][1], tries[-1]

    def at(body: float | None = None) -> Theme:
        made = make_theme(layout, kind, body=body) if body else theme
        return with_profile(made) if profile else made

    base: tuple[str, ...] = (BALANCED,) if kind.columns > 1 and any(isinstance(b, Columns) for b in plan.blocks) else ()
    rungs = [Rung(make_theme(at().layout, at().kind, body=layout.body), full, base)] if layout.body > theme.body_size \
        else []  # the full size as before: the section's own spacing, the profile's margins
    flexes: list[tuple[tuple[str, ...], float]] = [(base, 0.0)]  # steps at the section's size, in order
    if kind.clinic_band and any(isinstance(b, ClinicBand) for b in plan.blocks):
        flexes.append(((*base, COMPACT), 0.0))
    if can_tighten(theme):  # half the range, then all of it
        flexes += [((*flexes[-1][0], TIGHTER), amount) for amount in TIGHTEN]
    gone = tuple(f"without {name.removeprefix('the ')}" for name in lighter[0])
    aiming = kind.page_target > 0
    pages: list[tuple[tuple[str, ...], DocumentPlan, tuple[str, ...]]] = [
        ((), full, ()), *((named, moved, ()) for named, moved in _orders(full, aiming))]
    if gone:  # without the notes box: the page as it was, then flexed again (and its boxes moved)
        pages += [(named, moved, lighter[0]) for named, moved in [((), lighter[1]), *_orders(lighter[1], aiming)]]
    rungs += [Rung(_flexed(at(), steps, amount), moved, (*steps, *named, *(gone if left else ())), left)
              for named, moved, left in pages for steps, amount in flexes]
    late = [replace(r, theme=replace(r.theme, split_box=True), steps=(*r.steps, BOX_SPLIT))
            for r in (rungs if splits(plan, theme) else [])]  # the same again, each with the box split
    steps, amount = (*flexes[-1][0], *gone), flexes[-1][1]
    body, floor = theme.body_size, kind.min_body_pt or theme.body_size
    while body - STEP >= floor - 1e-9:
        body -= STEP
        rungs.append(Rung(_flexed(at(body), steps, amount), lighter[1], (*steps, f"type {body:g} pt"), lighter[0]))
    if can_tighten(theme):  # the last rung: at the type's floor, the spacing's whole range
        last = (*steps, f"type {body:g} pt") if body < theme.body_size else steps
        rungs.append(Rung(_flexed(at(body if body < theme.body_size else None), last, 1.0), lighter[1],
                          (*last, TIGHTEST), lighter[0]))
    squeezed = [replace(r, theme=replace(r.theme, compact_band=True), steps=(*r.steps, COMPACT))
                for r in (late if compacts(plan, theme) else [])]  # and the letterhead and QR code compact
    whole = {r.steps: Rung(replace(tightened(at(), 1.0), split_box=True, compact_band=True), r.plan,
                           (*r.steps, TIGHTEST), r.dropped)
             for r in squeezed if TIGHTER in r.steps}  # last: those with the spacing's whole range
    return rungs + late + squeezed + list(whole.values())


def compacts(plan: DocumentPlan, theme: Theme) -> bool:
    """Whether large print's last rungs compact the clinic's parts (the contact line under the logo and
    the name, across the page; the QR code at its minimum, its address after its label): a page target,
    the profile's header and boxes as on the full sheet (no band), and a header or a QR code."""
    parts = any(isinstance(b, ClinicHeader) or (isinstance(b, ClinicContact) and b.qr_url) for b in plan.blocks)
    return bool(theme.kind.page_target and not theme.kind.clinic_band and parts)


def splits(plan: DocumentPlan, theme: Theme) -> bool:
    """Whether the side-effect box may split between lines: large print (one column, breaking
    between lines) with a page target, where the plan has the box."""
    kind = theme.kind
    return bool(kind.page_target and kind.keep_lines and kind.columns == 1
                and any(isinstance(b, SideEffectBox) for b in plan.blocks))


def _orders(plan: DocumentPlan, aiming: bool) -> list[tuple[tuple[str, ...], DocumentPlan]]:
    """Where a section aims for a number of pages (large print): the plan with the blank notes box
    moved after the disclaimer, then with the clinic's boxes (questions line, note, QR code) moved
    there too; each only where it moves something (the text's own order never changes)."""
    if not aiming:
        return []
    out: list[tuple[tuple[str, ...], DocumentPlan]] = []
    for named, moving in (((NOTES_LAST,), (NotesBox,)), ((CONTACT_LAST,), (ClinicContact, NotesBox))):
        moved = _last(plan, moving)
        if moved.blocks != plan.blocks and all(moved.blocks != m.blocks for _, m in out):
            out.append((named, moved))
    return out


def _last(plan: DocumentPlan, moving: tuple[type, ...]) -> DocumentPlan:
    """``plan`` with its blocks of the types ``moving`` after all the others, in their order."""
    rest = tuple(b for b in plan.blocks if not isinstance(b, moving))
    return replace(plan, blocks=(*rest, *(b for b in plan.blocks if isinstance(b, moving))))


def _flexed(theme: Theme, steps: tuple[str, ...], amount: float) -> Theme:
    """``theme`` with the steps applied: the compact letterhead, the spacing tightened ``amount`` of
    the way to the section's range."""
    if TIGHTER in steps:
        theme = tightened(theme, amount)
    return replace(theme, compact_band=COMPACT in steps)


def _wanted(candidate: Theme, theme: Theme, aim: int) -> Callable[[Rendered], bool]:
    return lambda rendered: fits(rendered, candidate, theme) and rendered.pages <= aim


def fits(rendered: Rendered, candidate: Theme, theme: Theme) -> bool:
    """Within the page limit; when set larger than ``theme`` (the section's size), also with the
    section's ``headroom`` left free, so no full-size page is crammed."""
    spare = theme.kind.headroom if candidate.body_size > theme.body_size else 0.0
    return rendered.pages <= theme.max_pages and rendered.room >= spare


def _render(plan: DocumentPlan, theme: Theme, wanted: Callable[[Rendered], bool] | None = None) -> Rendered:
    """Render with a RoomProbe last. A block taller than a whole page (e.g. the text columns) does
    not fit either: that gives a Rendered past the page limit, with no data. With ``wanted``, a
    rendering it refuses once laid out (pages, room) is not written out: its data is b""."""
    probe = RoomProbe()

    def discard() -> bool:
        return wanted is not None and not wanted(Rendered(b"", probe.page, round(probe.room, 1), theme.body_size))

    try:
        drawn = render(plan, theme, after=[probe], discard=discard)
    except FitError:
        return Rendered(b"", theme.max_pages + 1, 0.0, theme.body_size)
    return Rendered(drawn.data, probe.page, round(probe.room, 1), theme.body_size, drawn.tags, drawn.slots)


def overflow(plan: DocumentPlan, theme: Theme) -> float | None:
    """About how many points past its page limit ``plan`` runs (measured on one tall page), or None
    when it is far too long to measure."""
    layout = theme.layout
    limit = theme.max_pages
    extra = layout.frame_height * (limit + 2)
    tall = layout.model_copy(update={"page": (layout.page[0], layout.page[1] + extra)})
    measured = _render(plan, replace(theme, layout=tall, kind=theme.kind.model_copy(update={"max_pages": 1})))
    if measured.pages != 1:
        return None
    content = layout.frame_height + extra - measured.room
    return float(max(content - layout.frame_height * limit, 1))


def _too_long(last: Rung, kind: Kind, plan: DocumentPlan) -> FitError:
    """The error for a document past its page limit even on the ladder's last rung: how far past, and
    what to shorten or switch off (with a clinic profile: even without the parts that may give way)."""
    theme = last.theme
    layout = theme.layout
    limit = theme.max_pages
    where = "one page" if limit == 1 else f"{limit} pages"
    over = overflow(last.plan, theme)
    how_far = " (far too long)" if over is None else f" (about {over:.0f} pt too long)"
    head = (f"the {kind.noun} for '{plan.doc_id}' does not fit on {where} of layout '{layout.name}' at "
            f"{theme.body_size:g} pt{how_far}")
    more = "or choose a layout that allows more pages (see `ivig-handout layouts`)"
    if not has_profile(plan):
        return TooLongError(f"{head}; shorten its text in the content pack, {more}", plan.doc_id, layout.name,
                            limit, profile=False)
    parts = [name.removeprefix("the ") for name, _ in droppable(plan)]
    without = f" (even without its {_join(parts)})" if parts else ""
    shorten = [*kept(plan), "the profile's name, address or questions line"]
    return TooLongError(f"{head} with the clinic profile{without}; shorten {_join(shorten)}, switch off the "
                        f"QR code (qr_url), {more}", plan.doc_id, layout.name, limit, profile=True)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"
