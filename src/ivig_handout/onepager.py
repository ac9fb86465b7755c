"""One-pager stage: render a disorder's handout, hold it to the layout's page limit, measure room left."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.platypus import Flowable

from .errors import FitError
from .plan import DocumentPlan
from .theme import Theme


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
    """A rendered one-pager: the PDF, its page count, the frame height (pt) left on its last page,
    and the body size it was set in."""

    data: bytes
    pages: int
    room: float
    body: float = 0.0


def render_one_pager(plan: DocumentPlan, theme: Theme) -> Rendered:
    """Render ``plan`` at the layout's full body size where it fits the layout's page limit with
    ``one_pager_headroom`` to spare, else at ``theme``'s (the compact one-pager size); FitError naming
    the disorder and layout if that does not fit either."""
    for candidate in _sizes(theme):
        rendered = _render(plan, candidate, lambda r: fits(r, candidate, theme))
        if fits(rendered, candidate, theme):
            return rendered
    raise _too_long(plan, theme)


def fits(rendered: Rendered, candidate: Theme, theme: Theme) -> bool:
    """Within the layout's page limit; when set larger than ``theme`` (the one-pager size), also with
    the layout's ``one_pager_headroom`` left free, so no full-size page is crammed."""
    layout = theme.layout
    spare = layout.one_pager_headroom if candidate.body_size > theme.body_size else 0.0
    return rendered.pages <= layout.one_pager_max_pages and rendered.room >= spare


def _sizes(theme: Theme) -> list[Theme]:
    """The themes to try, largest type first: the layout's body size, then the one-pager size."""
    from .theme import make_theme

    layout = theme.layout
    if not theme.compact or layout.body <= theme.body_size:
        return [theme]
    return [make_theme(layout.model_copy(update={"one_pager_body": layout.body}), compact=True), theme]


def _render(plan: DocumentPlan, theme: Theme, wanted: Callable[[Rendered], bool] | None = None) -> Rendered:
    """Render with a RoomProbe last. A block taller than a whole page (e.g. the text columns) does
    not fit either: that gives a Rendered past the page limit, with no data. With ``wanted``, a
    rendering it refuses once laid out (pages, room) is not written out: its data is b""."""
    from .render import render

    probe = RoomProbe()

    def discard() -> bool:
        return wanted is not None and not wanted(Rendered(b"", probe.page, round(probe.room, 1), theme.body_size))

    try:
        data = render(plan, theme, after=[probe], discard=discard)
    except FitError:
        return Rendered(b"", theme.layout.one_pager_max_pages + 1, 0.0, theme.body_size)
    return Rendered(data, probe.page, round(probe.room, 1), theme.body_size)


def _too_long(plan: DocumentPlan, theme: Theme) -> FitError:
    """The error for a one-pager past its page limit, with how far past (measured on a tall page)."""
    layout = theme.layout
    limit = layout.one_pager_max_pages
    where = "one page" if limit == 1 else f"{limit} pages"
    extra = layout.frame_height * (limit + 2)
    tall = layout.model_copy(update={"page": (layout.page[0], layout.page[1] + extra)})
    measured = _render(plan, replace(theme, layout=tall))
    how_far = " (far too long)"
    if measured.pages == 1:
        content = layout.frame_height + extra - measured.room
        how_far = f" (about {max(content - layout.frame_height * limit, 1):.0f} pt too long)"
    return FitError(
        f"the one-pager for '{plan.doc_id}' does not fit on {where} of layout '{layout.name}' at "
        f"{theme.body_size:g} pt{how_far}; shorten its text in the content pack, "
        f"or choose a layout that allows more pages (see `ivig-handout layouts`)"
    )
