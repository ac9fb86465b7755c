"""Design stage, layouts: print layouts as data (page, margins, type sizes, colours, imposition, and a
section of sizes per document kind)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import ContentError
from ..inputs.validate import validate
from ..inputs.yamlio import Located, load
from ..resources import layouts_file
from .names import MONO_SUFFIX, layout_key

MIN_PRINT_MARGIN = 29  # pt (0.4 in): what most printers print to
MIN_QR = 57.6  # pt (0.8 in): a QR code of a 100-character address still reads from a 300 dpi print
BAND_FIELDS = ("band_margins", "band_logo_width", "band_logo_height", "band_qr_size",
               "band_text")


class Colours(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ink: str
    heading: str
    muted: str
    rule: str
    box_fill: str
    box_border: str
    notice_fill: str
    notice_border: str
    strong: str
    moderate: str
    weak: str
    insufficient: str


class ClinicSizes(BaseModel):
    """Sizes of a clinic profile's parts (points): logo area, QR code, the ruled notes box."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    logo_width: float = Field(gt=0)
    logo_height: float = Field(gt=0)
    qr_size: float = Field(ge=54)  # about 2 cm or more, so a phone reads it at arm's length
    notes_lines: int = Field(ge=1, le=12)
    notes_line_gap: float = Field(ge=14)  # room to write by hand between two ruled lines
    # A kind section's clinic_band: the profile as one letterhead band (logo, name, contact, questions
    # line, QR code) with the band_* sizes, on a page with band_margins (each 29 pt = 0.4 in or more).
    band_margins: tuple[float, float, float, float] | None = None
    band_logo_width: float | None = Field(default=None, gt=0)
    band_logo_height: float | None = Field(default=None, gt=0)
    band_qr_size: float | None = Field(default=None, ge=MIN_QR)
    band_text: float | None = Field(default=None, ge=11)  # the band's name and questions line (body text)
    band_title: float | None = Field(default=None, ge=14)  # the title under a band (None: the kind's own)
    band_leading: float | None = Field(default=None, ge=1.15, le=3.0)  # line spacing under a band
    # The compact letterhead (render/fit.py's second step): the logo and the QR code no smaller than these
    band_logo_min_height: float | None = Field(default=None, gt=0)
    band_qr_min: float = Field(default=MIN_QR, ge=MIN_QR)
    url_min: float = Field(default=8, ge=7)  # the printed web address is set smaller, down to this (pt)

    @field_validator("band_margins")
    @classmethod
    def _printable(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and min(value) < MIN_PRINT_MARGIN:
            raise ValueError(f"each margin must be {MIN_PRINT_MARGIN} pt (0.4 in) or more, so printers print it all")
        return value


class KindSizes(BaseModel):
    """A document kind's own type, spacing and page limit (``kinds.NAME`` in a layout); each size left
    out is the layout's own (``body``, ``small``, ``leading``, ``paragraph_space``, ``section_space``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    body: float | None = Field(default=None, ge=6)  # printed at the layout's body where it fits, else this
    small: float | None = Field(default=None, ge=6)
    leading: float | None = Field(default=None, ge=1.0, le=3.0)
    paragraph_space: float | None = Field(default=None, ge=0)
    section_space: float | None = Field(default=None, ge=0)
    max_pages: int = Field(default=1, ge=1, le=8)  # a page-limited kind may run this long
    headroom: float = Field(default=0, ge=0)  # pt a page at the layout's full body size must leave free
    columns: int = Field(default=1, ge=1, le=3)  # the text in balanced columns
    list_columns: int = Field(default=1, ge=1, le=4)  # short side-effect items side by side
    # 0: a heading needs room for about 8 body lines after it (the one-page layouts' rule). N: the text
    # breaks between any two lines; a heading keeps with the first N lines after it, a lead-in (a
    # paragraph ending in ":") with its list's first N items, and a split summary table repeats its header.
    keep_lines: int = Field(default=0, ge=0, le=6)
    compact: bool = False  # compact boxes: the notice's heading beside its text, the source in one paragraph
    clinic_band: bool = False  # a clinic profile as one letterhead band (needs the clinic band_* sizes)
    clinic_extra_pages: int = Field(default=0, ge=0, le=4)  # more pages it may take with a clinic profile
    # Pages the kind aims for (0: none): fitting (render/fit.py) takes the first step of its ladder that
    # keeps within this many, else the first within its limit (a flowing kind: as it flowed).
    page_target: int = Field(default=0, ge=0, le=12)
    # How far a page-limited kind flexes before it refuses (render/fit.py): the line spacing and the
    # space between paragraphs and sections tighten down to these, then the body type steps down in
    # 0.25 pt steps to min_body_pt (None: the section's body size; never below it in large print).
    tight_leading: float | None = Field(default=None, ge=1.05, le=3.0)
    tight_space: float = Field(default=1.0, gt=0, le=1.0)  # a fraction of the spaces
    min_body_pt: float | None = Field(default=None, ge=6)


class Layout(BaseModel):
    """One print layout. Every number the renderer uses comes from here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    description: str
    desk: str = ""  # the description in words for the front-desk page (no point sizes); default: description
    page: tuple[float, float]
    margins: tuple[float, float, float, float]
    body: float = Field(ge=6)
    leading: float = Field(ge=1.0, le=3.0)
    h1: float
    h2: float
    h3: float
    small: float = Field(ge=6)
    badge: float = Field(ge=6)
    paragraph_space: float
    section_space: float
    columns: int = Field(ge=1, le=3)
    imposition: Literal["none", "booklet", "2up"] = "none"
    paper: str = ""  # what one logical page is, for `ivig-handout layouts`
    sheet: str = ""  # what the printer gets (imposed layouts), for `ivig-handout layouts`
    footer_title: bool = True  # running title beside "Page X of Y" (off where it cannot fit)
    mono: bool = False
    colours: Colours
    clinic: ClinicSizes
    kinds: dict[str, KindSizes] = Field(default_factory=dict)  # per document kind (plan/kinds); absent: defaults

    @model_validator(mode="after")
    def _band_sizes(self) -> Layout:
        missing = [name for name in BAND_FIELDS if getattr(self.clinic, name) is None]
        banded = [name for name, sizes in self.kinds.items() if sizes.clinic_band]
        if banded and missing:
            raise ValueError(f"kinds.{banded[0]}.clinic_band needs clinic.{', clinic.'.join(missing)}")
        return self

    @model_validator(mode="after")
    def _floors(self) -> Layout:
        for name, sizes in self.kinds.items():
            body = sizes.body or self.body
            if sizes.min_body_pt is not None and sizes.min_body_pt > body:
                raise ValueError(f"kinds.{name}.min_body_pt ({sizes.min_body_pt:g}) is above its body size ({body:g})")
        return self

    def kind(self, section: str) -> KindSizes:
        """The sizes of one document kind's section (the defaults where the layout has none)."""
        return self.kinds.get(section) or KindSizes()

    @property
    def frame_width(self) -> float:
        return self.page[0] - self.margins[1] - self.margins[3]

    @property
    def frame_height(self) -> float:
        return self.page[1] - self.margins[0] - self.margins[2]

    def summary(self, desk: bool = False) -> list[str]:
        """Two lines for `ivig-handout layouts`: type and paper, then what the layout is for (``desk``: in
        the front-desk page's words)."""
        pages = "page" if self.imposition == "none" else "pages"
        printed = f", printed on {self.sheet}" if self.sheet else ""
        most = self.kind("one_pager").max_pages
        long = f"; one-pagers up to {most} pages" if most > 1 else ""
        what = (self.desk or self.description) if desk else self.description
        return [f"body {self.body:g} pt, {pages} {self.paper}{printed}", f"{what}{long}"]

    def as_mono(self) -> Layout:
        """The same layout in greyscale (every colour turned to its luminance)."""
        if self.mono:
            return self
        grey = {k: _grey(v) for k, v in self.colours.model_dump().items()}
        return self.model_copy(update={"mono": True, "colours": Colours(**grey), "name": self.name + MONO_SUFFIX})


def _grey(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    y = round(0.2126 * r + 0.7152 * g + 0.0722 * b)
    return f"#{y:02x}{y:02x}{y:02x}"


@lru_cache(maxsize=1)
def all_layouts() -> dict[str, Layout]:
    located = load(layouts_file(), "layouts.yaml")
    raw = located.data
    if not isinstance(raw, dict):
        raise ContentError([f"{located.where(())}: expected a mapping of layout names"])
    out: dict[str, Layout] = {}
    for name in raw:
        merged = _merged(raw, name, located, ())
        out[name] = validate(Located({**merged, "name": name}, located.source, {
            (): located.positions.get((name,), (1, 1)),
        }), Layout)
    return out


def _merged(raw: dict[str, Any], name: str, located: Located, seen: tuple[str, ...]) -> dict[str, Any]:
    entry = dict(raw[name])
    parent = entry.pop("extends", None)
    if parent is None:
        return entry
    if parent not in raw or parent in seen:
        where = located.where((name, "extends"))
        raise ContentError([f"{where}: {name}.extends: unknown or circular layout '{parent}'"])
    base = _merged(raw, parent, located, seen + (name,))
    return _deep_merge(base, entry)


def _deep_merge(base: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` over ``base``; mappings (colours, clinic, kinds and each kind) merge key by key."""
    out = dict(base)
    for key, value in entry.items():
        old = out.get(key)
        out[key] = _deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


def get_layout(name: str, mono: bool = False) -> Layout:
    """The layout called ``name`` (``NAME-mono`` for greyscale); unknown names suggest the closest."""
    key, named_mono = layout_key(name)
    layout = all_layouts()[key]
    return layout.as_mono() if mono or named_mono else layout
