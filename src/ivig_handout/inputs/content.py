"""Inputs stage, content pack: read a content pack folder (sheet, labels, corrections) into a Handout."""

from __future__ import annotations

from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path

from ..errors import ContentError, NotFoundError
from ..resources import default_content_dir
from .model import Corrections, Disorder, Group, Handout, Labels, Sheet
from .validate import validate
from .yamlio import load

FILES = {"sheet": "sheet.yaml", "labels": "labels.yaml", "corrections": "corrections.yaml"}


def load_handout(content_dir: Path | None = None) -> Handout:
    """Load and validate every file of a content pack; all problems are reported together."""
    folder = Path(content_dir) if content_dir else default_content_dir()
    if not folder.is_dir():
        raise ContentError([f"{folder}: content folder not found (it must hold {', '.join(FILES.values())})"])
    label = "content" if content_dir is None else str(content_dir).rstrip("/")
    return _load(folder.resolve(), label, _stamp(folder))


def _stamp(folder: Path) -> tuple[tuple[int, int], ...]:
    """Size and modification time of each file, so an edited pack is loaded again."""
    stamps = []
    for name in FILES.values():
        try:
            stat = (folder / name).stat()
            stamps.append((stat.st_size, stat.st_mtime_ns))
        except OSError:
            stamps.append((-1, -1))
    return tuple(stamps)


@lru_cache(maxsize=8)
def _load(folder: Path, label: str, stamp: tuple[tuple[int, int], ...]) -> Handout:
    problems: list[str] = []
    parts = {}
    for key, model in (("sheet", Sheet), ("labels", Labels), ("corrections", Corrections)):
        try:
            parts[key] = validate(load(folder / FILES[key], f"{label}/{FILES[key]}"), model)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    handout = Handout(
        sheet=parts["sheet"],  # type: ignore[arg-type]
        labels=parts["labels"],  # type: ignore[arg-type]
        corrections=parts["corrections"].corrections,  # type: ignore[attr-defined]
    )
    _check_ids(handout, f"{label}/{FILES['sheet']}")
    _check_placeholders(handout.labels, f"{label}/{FILES['labels']}")
    return handout


def _check_ids(handout: Handout, where: str) -> None:
    seen: dict[str, str] = {}
    problems = []
    for disorder, _group in handout.disorders():
        for key in (disorder.id, *disorder.aliases):
            if key in seen and seen[key] != disorder.id:
                problems.append(f"{where}: id or alias '{key}' is used by both '{seen[key]}' and '{disorder.id}'")
            seen[key] = disorder.id
    if problems:
        raise ContentError(problems)


def _check_placeholders(labels: Labels, where: str) -> None:
    needed = {"notice": "{year}", "page_footer": "{page}", "one_pager_title": "{name}"}
    problems = [
        f"{where}: {field}: must contain {token}"
        for field, token in needed.items()
        if token not in getattr(labels, field)
    ]
    for field in needed:
        text = getattr(labels, field)
        try:
            text.format(year=0, page=0, pages=0, name="")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(f"{where}: {field}: unknown or broken placeholder {exc}; "
                            "use {year}, {page}, {pages} or {name}")
    if problems:
        raise ContentError(problems)


def find_disorder(handout: Handout, key: str) -> tuple[Disorder, Group | None]:
    """The disorder whose id or alias is ``key`` (case-insensitive); else suggest the closest."""
    wanted = key.strip().lower()
    names: list[str] = []
    for disorder, group in handout.disorders():
        if wanted in (disorder.id, *disorder.aliases):
            return disorder, group
        names += [disorder.id, *disorder.aliases]
    close = get_close_matches(wanted, names, n=3, cutoff=0.5)
    ids = [d.id for d, _ in handout.disorders()]
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"known ids: {', '.join(ids)}"
    raise NotFoundError(f"unknown disorder '{key}': {hint} (see `ivig-handout list`)")
