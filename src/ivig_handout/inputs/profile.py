"""Inputs stage, clinic profile: load and check a clinic profile (YAML and logo) into frozen values."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from ..errors import ContentError, UncoveredCharacterError
from . import template
from .files import FileRefusedError, read_regular
from .fonts import use_folder
from .patient import LIMITS as PATIENT_LIMITS
from .text import check_text, normalise
from .validate import validate
from .yamlio import Located, PathKey, format_path, load

# The most each field may hold, in characters once whitespace is collapsed (the address: each of its
# lines). Every profile within them fits every one-pager on Letter and A4 (render/fit.py flexes the
# page first); a QR code of 100 characters still reads at 0.8 in.
LIMITS = {
    "name": 80, "department": 60, "address": 60, "phone": 30, "website": 60, "questions": 160,
    "note_heading": 40, "note": 400, "qr_url": 100, "qr_label": 50, **PATIENT_LIMITS,
}
ADDRESS_LINES = 3
NOTE_PARAGRAPHS = 3
LONGEST_ID = 32  # {id} in qr_url is counted this long (the longest disorder id in the AAN pack)
URL = re.compile(r"https?://[!-~]+")
YES, NO = ("yes", "true", "on"), ("no", "false", "off")
PLACEHOLDER = "{phone}"

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
    record_names: bool = False  # the education record keeps the patient's name (off: rows have no name)
    fonts: str | None = None  # a folder of TrueType fonts for scripts not bundled (CJK), relative to the profile

    @field_validator("name", "department", "phone", "website", "questions", "note_heading", "qr_label")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        text = normalise(value) if value is not None else ""
        _limit(text, str(info.field_name))
        if info.field_name == "questions":
            _placeholders(text, "phone")
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
        if info.field_name == "address":  # each line on its own
            for number, line in enumerate(lines, start=1):
                _limit(line, "address", f"line {number} ")
        else:
            _limit(" ".join(lines), str(info.field_name))
        return lines

    @field_validator("qr_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        _placeholders(text, "id")
        if text and not URL.fullmatch(text):
            raise ValueError("must be a web address starting with https:// or http://, with no spaces "
                             "and only plain ASCII characters (percent-encode any others)")
        if len(text.replace("{id}", "x" * LONGEST_ID)) > LIMITS["qr_url"]:
            raise ValueError(f"is too long for a QR code a phone reads easily (at most {LIMITS['qr_url']} "
                             f"characters, {{id}} counted as {LONGEST_ID}); use a shorter address")
        return text or None

    @field_validator("prepared_for", "notes_box", "record_names", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in YES + NO:
            return value.strip().lower() in YES
        raise ValueError(f"must be yes or no, not '{value}'")


def _placeholders(text: str, name: str) -> None:
    """Only ``{name}`` may be in braces (it is filled in by name, never evaluated: inputs/template.py)."""
    problems = template.problems(text, (name,))
    if problems:
        raise ValueError(problems[0])


def _limit(text: str, field: str, which: str = "") -> None:
    if len(text) > LIMITS[field]:
        raise ValueError(f"{which}is {len(text)} characters long; at most {LIMITS[field]} fit, shorten it")


@dataclass(frozen=True)
class Logo:
    path: str  # absolute
    pixels: tuple[int, int]


@dataclass(frozen=True)
class Clinic:
    """A loaded profile and its checked logo."""

    profile: ClinicProfile = field(default_factory=ClinicProfile)
    logo: Logo | None = None


def load_clinic(path: Path) -> Clinic:
    """The profile at ``path``, loaded once per process while the profile and its logo are unchanged."""
    path = Path(path)
    return _load_cached(path.resolve(), _stamp(path), str(path))


def _stamp(path: Path) -> tuple[tuple[int, int], ...]:
    """Size and modification time of the profile (and of the logo it named last time it loaded)."""
    out = []
    for item in (path, *_logo_paths.get(path.resolve(), ())):
        try:
            stat = item.stat()
            out.append((stat.st_size, stat.st_mtime_ns))
        except OSError:
            out.append((-1, -1))
    return tuple(out)


_logo_paths: dict[Path, tuple[Path, ...]] = {}


@lru_cache(maxsize=8)
def _load_cached(path: Path, stamp: tuple[tuple[int, int], ...], label: str) -> Clinic:
    clinic = load_profile(path, label)
    _logo_paths[path] = (Path(clinic.logo.path),) if clinic.logo else ()
    return clinic


def load_profile(path: Path, label: str | None = None) -> Clinic:
    """Load a clinic profile; ContentError lists every problem, each located (file:line:col: field: ...),
    the file named as ``label`` (default: ``path``)."""
    path = Path(path)
    located = load(path, label)
    profile = validate(located, ClinicProfile)
    problems = _fonts_problems(path, located, profile)
    problems += _text_problems(located, profile)
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


def _fonts_problems(path: Path, located: Located, profile: ClinicProfile) -> list[str]:
    """Take the profile's fonts folder (``fonts:``) into use; a problem if it is not a folder."""
    if not profile.fonts:
        return []
    folder = path.parent / Path(profile.fonts).expanduser()
    if not folder.is_dir():
        return [f"{located.where(('fonts',))}: fonts: {folder} is not a folder (give a folder of TrueType fonts)"]
    use_folder(folder)
    return []


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
        if name in ("logo", "fonts"):  # a file's or folder's name, never printed
            continue
        if isinstance(value, str):
            out.append(((name,), value))
        elif isinstance(value, tuple):
            out += [((name, i), item) for i, item in enumerate(value)]
    return out


def read_logo(path: Path, field: str) -> Logo:
    """Check the logo is a readable PNG or JPEG of a sane size; one clear line if not. Only a regular
    file is read (never a FIFO or a device: inputs/files.py), once, and never more than MAX_LOGO_BYTES."""
    def fail(why: str) -> ContentError:
        return ContentError([f"{field}: {path} {why}"])

    too_big = f"a logo must be under {MAX_LOGO_BYTES / 1e6:.0f} MB (a few hundred pixels wide is plenty)"
    try:
        data = read_regular(path, MAX_LOGO_BYTES, str(path), "a PNG or JPEG image")
    except FileRefusedError as exc:
        why = {
            "missing": "was not found (the path is relative to the profile file)",
            "folder": "is a folder, not an image file",
            "too-big": f"is {exc.size / 1e6:.1f} MB; {too_big}",
        }.get(exc.kind, exc.why)
        raise fail(why) from None
    kind = next((k for magic, k in LOGO_MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise fail("is not a PNG or JPEG image")
    return Logo(str(path.resolve()), _decode(data, kind, fail))


def _decode(data: bytes, kind: str, fail: Any) -> tuple[int, int]:
    """Decode the whole image with Pillow (and convert it as the PDF writer will, to RGB unless it is
    grey, RGB or CMYK), refusing one with too many pixels before decoding it."""
    from PIL import Image

    too_big = (f"has too many pixels; a logo must be under {MAX_LOGO_PIXELS // 1_000_000} megapixels "
               "(a few hundred pixels wide is plenty)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as img:
                width, height = img.size
                if width * height > MAX_LOGO_PIXELS:
                    raise fail(f"is {width} x {height} pixels; " + too_big.removeprefix("has too many pixels; "))
                img.load()
                if img.mode not in ("L", "RGB", "CMYK"):
                    img.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise fail(too_big) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise fail(f"cannot be read as a {kind} image ({_reason(exc)})") from None
    return width, height


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
