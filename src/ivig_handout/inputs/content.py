"""Inputs stage, content pack: read a content pack folder (sheet, labels, corrections) into a Handout."""

from __future__ import annotations

import hashlib
import json
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import ContentError, NotFoundError
from ..resources import default_content_dir, resolve_pack, shipped_packs
from .model import EDITION_DIGITS, Corrections, Disorder, Group, Handout, Labels, Pack, Sheet
from .rules import label_problems, sheet_problems
from .search import documents, hint, lookup, tied
from .validate import validate
from .yamlio import loads, read_text

FILES = {"pack": "pack.yaml", "sheet": "sheet.yaml", "labels": "labels.yaml", "corrections": "corrections.yaml"}
MODELS: dict[str, type[BaseModel]] = {"pack": Pack, "sheet": Sheet, "labels": Labels, "corrections": Corrections}


def load_handout(content_dir: Path | None = None) -> Handout:
    """Load and validate every file of a content pack; all problems are reported together."""
    given, content_dir = content_dir, resolve_pack(content_dir)
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
    if given is not None and content_dir != Path(given):
        label = f"content/{given}"  # a shipped pack, by name
    return _load(folder.resolve(), label, _stamp(folder), _stamp(english_folder(folder)))


def english_folder(folder: Path) -> Path:
    """Where a translation's English edition is: the pack in the folder above it (the bundled
    content/ for content/es/, or a copy of both), else the bundled default pack."""
    parent = folder.resolve().parent
    return parent if (parent / FILES["pack"]).is_file() else default_content_dir()


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
def _load(folder: Path, label: str, stamp: tuple[tuple[int, int], ...],
          english_stamp: tuple[tuple[int, int], ...]) -> Handout:  # english_stamp: reload on its change
    problems: list[str] = []
    parts: dict[str, Any] = {}
    edition = hashlib.sha256(b"content\0")
    for key, model in MODELS.items():
        if key == "pack" and not (folder / FILES[key]).is_file():
            problems.append(f"{label}/{FILES[key]}: not found; every content pack has one (language, title, edition, "
                            "status: see the bundled content/pack.yaml)")
            continue
        try:
            text = read_text(folder / FILES[key], f"{label}/{FILES[key]}")
            if key != "pack":  # the edition is of the printed words; pack.yaml says who reviewed them
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
    if not problems:
        problems += _pack_problems(parts["pack"], parts["sheet"], label)
    if problems:
        raise ContentError(problems)
    handout = Handout(sheet=parts["sheet"], labels=parts["labels"], corrections=parts["corrections"].corrections,
                      edition=edition.hexdigest()[:EDITION_DIGITS], pack=parts["pack"])
    stale = handout_stale(handout, folder)
    return handout.model_copy(update={"stale": stale, "band": _band(handout, stale, folder)})


def _pack_problems(pack: Pack, sheet: Sheet, label: str) -> list[str]:
    out = []
    if sheet.meta.language is not None and sheet.meta.language != pack.language:
        out.append(f"{label}/{FILES['sheet']}: meta.language: '{sheet.meta.language}' differs from "
                   f"{FILES['pack']}'s language '{pack.language}' (make them the same, or drop meta.language)")
    return out


def text_hash(handout: Handout) -> str:
    """A hash of the words a pack prints (its sheet and labels, not comments, search words or
    pack.yaml): a translation records its English edition's, and is stale when it changes."""
    data = {"sheet": _printed(handout.sheet.model_dump(mode="json", exclude={"meta"})),
            "labels": handout.labels.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _printed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _printed(v) for k, v in value.items() if k not in ("search_words", "aliases")}
    if isinstance(value, list):
        return [_printed(v) for v in value]
    return value


def english(folder: Path) -> Handout:
    """The English edition the pack at ``folder`` is translated from (english_folder)."""
    source = english_folder(folder)
    return load_handout(source if source != default_content_dir() else None)


def handout_stale(handout: Handout, folder: Path) -> bool:
    """A translation whose English edition's text changed since (or another edition altogether)."""
    pack = handout.pack
    if pack is None or pack.translated_from is None:
        return False
    source = english(folder)
    return (source.pack is None or pack.translated_from.edition != source.pack.edition
            or pack.translated_from.text_sha256 != text_hash(source))


def _band(handout: Handout, stale: bool, folder: Path) -> str:
    """The draft band of a draft or stale pack: its own words, then the English pack's."""
    pack = handout.pack
    if pack is None or (pack.status == "reviewed" and not stale):
        return ""
    own = handout.labels.draft_band
    theirs = english(folder).labels.draft_band if pack.translated_from is not None else own
    return own if own == theirs else f"{own} / {theirs}"


def draft_problem(handout: Handout, folder: Path | str | None) -> str | None:
    """Why ``handout`` (the pack at ``folder``) is not given to patients, or None: a draft or an
    out-of-date translation (its band). serve, print and rosters refuse it unless --allow-draft."""
    if not handout.band:
        return None
    why = ("is out of date: its English edition changed since it was translated (pack.yaml translated_from)"
           if handout.stale else "is a draft translation, not reviewed (pack.yaml status: draft)")
    where = folder or "content"
    if folder is not None and shipped_packs().get(Path(folder).name) == Path(folder):
        where = f"content/{Path(folder).name}"  # a shipped pack, as --content names it
    return (f"{where}: {why}; it is not given to patients: have it reviewed and set status: reviewed "
            "(`ivig-handout check` says what), or give --allow-draft (every page then carries the draft band)")


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
