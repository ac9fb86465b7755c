"""Render stage, fitting: set a document in its kind's layout section and hold a page-limited kind to
its page limit. One typed result for every kind: what was printed, at which body size, what gave way,
how much room is left. Production and tests both call ``fit``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.platypus import Flowable

from ..design.layouts import Layout
from ..design.theme import Theme, make_theme, with_profile
from ..errors import FitError, TooLongError
from ..plan.blocks import DocumentPlan, NotesBox
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
    and the page limit held to (0: none)."""

    data: bytes
    pages: int
    body: float
    room: float
    left_out: tuple[str, ...] = ()
    limit: int = 0
    tags: Record | None = None  # what the renderer marked (export/tagging.py writes the structure)
    slots: tuple[Slot, ...] = ()  # a template's places for the patient's values (render/stamp.py)


def fit(plan: DocumentPlan, kind: Kind, layout: Layout) -> Fitted:
    """``plan`` set in ``kind``'s section of ``layout``: flowed onto as many pages as it takes, or
    (page-limited) held to the section's page limit; FitError naming the document and layout if
    nothing fits."""
    theme = make_theme(layout, layout.kind(kind.section))
    if kind.fitting == "flow":
        drawn = render(plan, theme)
        return Fitted(drawn.data, drawn.pages, theme.body_size, 0.0, tags=drawn.tags, slots=drawn.slots)
    return _page_limited(plan, kind, theme)


def _page_limited(plan: DocumentPlan, kind: Kind, theme: Theme) -> Fitted:
    """The largest type that keeps the document within its page limit.

    With a clinic profile (on a banded section: one letterhead band, the page's band margins), the
    blank ruled notes box gives way before the type steps down from the layout's body size to the
    section's (plan.profile.variants); nothing else ever gives way: what the user asked for (the
    patient's name, the "Prepared for" line, the clinic's note) is printed, or FitError says what to
    shorten or switch off.
    """
    if has_profile(plan):
        theme = with_profile(theme)
    if theme.kind.clinic_band:
        plan = as_band(plan)
    tries = variants(plan)
    sizes = _sizes(theme)
    # The larger type with everything, or without the notes box only; the smaller never with the box.
    boxed = [t for t in tries if any(isinstance(b, NotesBox) for b in t[1].blocks)]  # the first, if any
    ladder = [(sizes[0], t) for t in (tries if len(sizes) == 1 else tries[:len(boxed) + 1])]
    ladder += [(size, t) for size in sizes[1:] for t in tries[len(boxed):]]
    for size, (dropped, candidate) in ladder:
        rendered = _render(candidate, size, _wanted(size, theme))  # too long: not written
        if fits(rendered, size, theme):  # within the limit; full size also with headroom
            return Fitted(rendered.data, rendered.pages, rendered.body, rendered.room, dropped, theme.max_pages,
                          rendered.tags, rendered.slots)
    raise _too_long(tries[-1][1], kind, theme, plan)


def _wanted(candidate: Theme, theme: Theme) -> Callable[[Rendered], bool]:
    return lambda rendered: fits(rendered, candidate, theme)


def fits(rendered: Rendered, candidate: Theme, theme: Theme) -> bool:
    """Within the page limit; when set larger than ``theme`` (the section's size), also with the
    section's ``headroom`` left free, so no full-size page is crammed."""
    spare = theme.kind.headroom if candidate.body_size > theme.body_size else 0.0
    return rendered.pages <= theme.max_pages and rendered.room >= spare


def _sizes(theme: Theme) -> list[Theme]:
    """The themes to try, largest type first: the layout's body size, then the section's."""
    layout = theme.layout
    if layout.body <= theme.body_size:
        return [theme]
    return [make_theme(layout, theme.kind, body=layout.body), theme]


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


def _too_long(lightest: DocumentPlan, kind: Kind, theme: Theme, plan: DocumentPlan) -> FitError:
    """The error for a document past its page limit: how far past, and what to shorten or switch off
    (with a clinic profile: even without the parts that may give way)."""
    layout = theme.layout
    limit = theme.max_pages
    where = "one page" if limit == 1 else f"{limit} pages"
    over = overflow(lightest, theme)
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
