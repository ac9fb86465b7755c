"""Batch stage, jobs: a batch job (documents x layouts x copies -> folder) from a YAML file or options, with
located errors."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..api import (
    Handout,
    Layout,
    Located,
    PathKey,
    Request,
    all_documents,
    format_path,
    get_layout,
    load_handout,
    lookup,
    quoted,
    resolve,
    tied,
    validate,
)
from ..api import search_documents as documents
from ..errors import ContentError, NotFoundError

ALL = "all"
MAX_COPIES = 1000


class JobFile(BaseModel):
    """The fields of a job file; see docs/batch.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    documents: tuple[str, ...] = Field(default=(ALL,), min_length=1)
    layouts: tuple[str, ...] = Field(min_length=1)
    copies: int = Field(default=1, ge=1, le=MAX_COPIES)
    output: str = Field(min_length=1)
    content: str | None = None
    mono: bool = False
    clinic: str | None = None  # a clinic profile printed on every handout
    printer: str | None = Field(default=None, min_length=1)  # a CUPS queue for the print runs (apps/printing)

    @field_validator("documents", "layouts", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


@dataclass(frozen=True)
class Job:
    """A checked job: documents ("full" and disorder ids, no repeats), layouts, copies, folders."""

    documents: tuple[str, ...]
    layouts: tuple[Layout, ...]
    copies: int
    out_dir: Path
    content_dir: Path | None
    clinic: Path | None = None  # a clinic profile (checked) printed on every handout

    def request(self, document: str) -> Request:
        """The request for one document of the job (its layout is set per rendering)."""
        return Request(document, content=self.content_dir, clinic=self.clinic)


def load_job(path: Path, located: Located) -> tuple[Job, Handout]:
    """Check the job file's fields, layouts and document ids; every problem is reported at once."""
    fields = validate(located, JobFile)
    base = Path(path).parent
    problems: list[str] = []
    content_dir = base / fields.content if fields.content else None
    if content_dir is not None and not path_is(content_dir, stat.S_ISDIR):
        problems.append(at_field(located, ("content",), f"content folder '{content_dir}' not found "
                                                  "(a relative path starts at the job file's folder)"))
    out_dir = base / fields.output
    check_out_dir(out_dir, lambda m: at_field(located, ("output",), m), problems)
    layouts = _layouts(fields.layouts, fields.mono, lambda i, m: at_field(located, item_path(located, "layouts", i), m),
                       problems)
    clinic = None
    if fields.clinic:
        clinic_file = base / fields.clinic
        if not path_is(clinic_file, stat.S_ISREG):
            problems.append(at_field(located, ("clinic",), f"clinic profile '{clinic_file}' not found "
                                                      "(a relative path starts at the job file's folder)"))
        elif check_clinic(clinic_file, problems):
            clinic = clinic_file
    if content_dir is not None and not path_is(content_dir, stat.S_ISDIR):
        raise ContentError(problems)
    try:
        handout = load_handout(content_dir)
    except ContentError as exc:
        raise ContentError(problems + exc.problems) from None
    documents = _documents(handout, fields.documents,
                           lambda i, m: at_field(located, item_path(located, "documents", i), m), problems)
    if problems:
        raise ContentError(problems)
    return Job(documents, layouts, fields.copies, out_dir, content_dir, clinic), handout


def job_for_all(layout_names: Sequence[str], out_dir: Path, copies: int, mono: bool,
                content_dir: Path | None, clinic_file: Path | None = None) -> tuple[Job, Handout]:
    """Every document (the full sheet and every one-pager) in the given layouts."""
    problems: list[str] = []
    layouts = _layouts(layout_names, mono, lambda i, m: f"--layouts: {m}", problems)
    check_out_dir(Path(out_dir), lambda m: f"--out-dir: {m}", problems)
    clinic = clinic_file if clinic_file and check_clinic(clinic_file, problems) else None
    if problems:
        raise ContentError(problems)
    handout = load_handout(content_dir)
    documents = _documents(handout, [ALL], lambda i, m: m, problems)
    return Job(documents, layouts, copies, Path(out_dir), content_dir, clinic), handout


def path_is(path: Path, kind: Any) -> bool:
    """``kind(mode)`` of what ``path`` names; False when it cannot be looked at (missing, a name too long)."""
    try:
        return bool(kind(Path(path).stat().st_mode))
    except (OSError, ValueError):
        return False


def check_out_dir(folder: Path, where: Any, problems: list[str]) -> None:
    """An output folder that can hold the files (not a file, names within the system's limits)."""
    from ..errors import OutputError
    from ..export.sinks.file import check_folder

    try:
        check_folder(folder)
    except OutputError as exc:
        problems.append(where(str(exc)))


def check_clinic(path: Path, problems: list[str]) -> bool:
    """True if the profile loads (it is then cached for the renderings); else its problems are added."""
    from ..api import load_clinic

    try:
        load_clinic(path)
    except ContentError as exc:
        problems += exc.problems
        return False
    return True


def _layouts(names: Sequence[str], mono: bool, where: Any, problems: list[str]) -> tuple[Layout, ...]:
    found: dict[str, Layout] = {}
    for i, name in enumerate(names):
        try:
            layout = get_layout(name, mono=mono)
        except NotFoundError as exc:
            problems.append(where(i, str(exc)))
            continue
        found.setdefault(layout.name, layout)
    return tuple(found.values())


def _documents(handout: Handout, wanted: Sequence[str], where: Any, problems: list[str]) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for i, key in enumerate(wanted):
        name = key.strip().lower()
        if name == ALL:
            ids.update(dict.fromkeys(all_documents(handout)))
            continue
        try:
            ids[resolve(handout, name)[1]] = None
        except NotFoundError:
            problems.append(where(i, _unknown_document(handout, key)))
    return tuple(ids)


def _unknown_document(handout: Handout, key: str) -> str:
    """What a job's document that names nothing could be (inputs/search.py), or 'all'."""
    found = lookup(documents(handout), key)
    if found.tied:
        return f"{tied(found, 'document')} (see `ivig-handout list`)"
    close = [ALL] if get_close_matches(key.strip().lower(), [ALL], n=1, cutoff=0.5) else []
    names = [*close, *(d.id for d in found.close)][:3]
    hint = f"did you mean {quoted(names)}?" if names else "use 'all', 'full' or a disorder id"
    return f"unknown document '{key}': {hint} (see `ivig-handout list`)"


def item_path(located: Located, field: str, index: int) -> PathKey:
    """Path of item ``index`` of a list field, or of the field itself when it was one word."""
    return (field,) if isinstance(located.data.get(field), str) else (field, index)


def at_field(located: Located, path: PathKey, message: str) -> str:
    return f"{located.where(path)}: {format_path(path)}: {message}"
