"""Inputs stage, content pack: read a content pack folder (sheet, labels, corrections) into a Handout."""

from __future__ import annotations

import hashlib
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ContentError, NotFoundError
from ..resources import default_content_dir
from .model import EDITION_DIGITS, Corrections, Disorder, Group, Handout, Labels, Sheet
from .rules import label_problems, sheet_problems
from .search import documents, hint, lookup, tied
from .validate import validate
from .yamlio import loads, read_text

FILES = {"sheet": "sheet.yaml", "labels": "labels.yaml", "corrections": "corrections.yaml"}


def load_handout(content_dir: Path | None = None) -> Handout:
    """Load and validate every file of a content pack; all problems are reported together."""
    folder = Path(content_dir) if content_dir else default_content_dir()
    try:
        found = stat.S_ISDIR(folder.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        found = False
    except OSError as exc:  # a name too long, a loop of symlinks, no permission
        raise ContentError([f"{folder}: cannot be used as the content folder ({exc.strerror or exc})"]) from None
    if not found:
        raise ContentError([f"{folder}: content folder not found (it must hold {', '.join(FILES.values())})"])
    label = "content" if content_dir is None else str(content_dir).rstrip("/")
    return _load(folder.resolve(), label, _stamp(folder))


def _stamp(folder: Path) -> tuple[tuple[int, int], ...]:
    """Size and modification time of each file, so an edited pack is loaded again."""
    stamps = []
    for name in FILES.values():
        try:
            info = (folder / name).stat()
            stamps.append((info.st_size, info.st_mtime_ns))
        except OSError:
            stamps.append((-1, -1))
    return tuple(stamps)


@lru_cache(maxsize=8)
def _load(folder: Path, label: str, stamp: tuple[tuple[int, int], ...]) -> Handout:
    problems: list[str] = []
    parts: dict[str, Any] = {}
    edition = hashlib.sha256(b"content\0")
    for key, model in (("sheet", Sheet), ("labels", Labels), ("corrections", Corrections)):
        try:
            text = read_text(folder / FILES[key], f"{label}/{FILES[key]}")
            edition.update(f"{FILES[key]}\0{text}\0".encode())
            located = loads(text, f"{label}/{FILES[key]}")
            parts[key] = validate(located, model)
        except ContentError as exc:
            problems += exc.problems
            continue
        if key == "sheet":
            problems += sheet_problems(parts[key], located)
        elif key == "labels":
            problems += label_problems(parts[key], located)
    if problems:
        raise ContentError(problems)
    return Handout(sheet=parts["sheet"], labels=parts["labels"], corrections=parts["corrections"].corrections,
                   edition=edition.hexdigest()[:EDITION_DIGITS])


def find_disorder(handout: Handout, key: str) -> tuple[Disorder, Group | None]:
    """The disorder ``key`` names: its id or an alias, its name or abbreviation, or a search word only it
    has, whatever the case, accents, hyphens and spaces (inputs/search.py); else NotFoundError with the
    disorders it could be, or the closest ones."""
    every = handout.disorders()
    for disorder, group in every:
        if disorder.id == key:
            return disorder, group
    found = lookup(documents(handout, full=False), key)
    if found.found is not None:
        return next((d, g) for d, g in every if d.id == found.found.id)
    if found.tied:
        raise NotFoundError(f"{tied(found, 'disorder')} (see `ivig-handout list`)")
    known = f"known ids: {', '.join(d.id for d, _ in every)}"
    raise NotFoundError(f"unknown disorder '{key}': {hint(found, known)} (see `ivig-handout list`)")
