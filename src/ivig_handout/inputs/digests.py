"""Inputs stage, digests: the sha256 of what a rendering or a batch is made from (the program with its
layouts and fonts, a content pack's files, a clinic profile and its logo), read with the bounded reader
(no pydantic, no ReportLab). The batch's freshness check (batch/freshness.py) and the render cache's
keys (personalise/disk.py) share them."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import default_content_dir, fonts_dir, layouts_file, package_dir
from ..version import __version__
from .files import FileRefusedError, stream_regular

# The files of a content pack (inputs.content.FILES, which imports pydantic): only these are its inputs,
# so other files in the folder (an output folder, notes, a backup) never make a batch stale.
CONTENT_FILES = ("pack.yaml", "sheet.yaml", "labels.yaml", "corrections.yaml")
HASH_LIMIT = 64 * 1024 * 1024  # inputs larger than this are hashed by size and time (loading refuses them)
_SKIP_DIRS = {"__pycache__"}


_once: dict[Any, str] | None = None  # within hashed_once(): each input's digest, computed once


@contextmanager
def hashed_once() -> Iterator[None]:
    """Within this block (one batch run) each content pack and set of clinic files is read and hashed
    once: the run's freshness check, its file keys and its render-cache keys all see that one snapshot."""
    global _once
    outer, _once = _once, {} if _once is None else _once
    try:
        yield
    finally:
        _once = outer


def _memo(key: Any, compute: Any) -> str:
    if _once is None:
        return str(compute())
    if key not in _once:
        _once[key] = str(compute())
    return _once[key]


def _hash_tree(h: Any, folder: Path, suffixes: tuple[str, ...] | None = None) -> None:
    """Feed every file under ``folder`` (sorted, relative names and bytes) into ``h``."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or (suffixes and not name.endswith(suffixes)):
                continue
            path = Path(root, name)
            h.update(str(path.relative_to(folder)).encode() + b"\0")
            _hash_file(h, path)


def _hash_file(h: Any, path: Path) -> None:
    """Feed one input file into ``h``: its bytes if it is a regular file within HASH_LIMIT (streamed, never
    held whole), else what it is (missing or not a file, or too large: its size and time), so the digest
    changes when the file does."""
    try:
        for chunk in stream_regular(path, HASH_LIMIT):
            h.update(chunk)
    except FileRefusedError as exc:
        try:
            status = Path(path).stat()
        except OSError:
            status = None
        if exc.kind != "too-big" or status is None:
            h.update(b"\0missing\0")
            return
        h.update(f"\0large {status.st_size} {status.st_mtime_ns}\0".encode())
        return
    h.update(b"\0")


@lru_cache(maxsize=1)
def program_digest() -> str:
    """The program itself: version, the package's Python source, layouts.yaml and the bundled fonts."""
    h = hashlib.sha256(f"ivig-handout {__version__}\0".encode())
    _hash_tree(h, package_dir(), (".py",))
    _hash_file(h, layouts_file())
    _hash_tree(h, fonts_dir())
    return h.hexdigest()


def content_digest(folder: Path) -> str:
    """The files of a content pack (names and bytes), nothing else in its folder; a missing folder hashes
    as such."""
    return _memo(("content", Path(folder)), lambda: _content_digest(folder))


def _content_digest(folder: Path) -> str:
    h = hashlib.sha256(b"content\0")
    folder = Path(folder)
    try:
        is_dir = stat.S_ISDIR(folder.stat().st_mode)
    except (OSError, ValueError):  # missing, or a name too long (loading the pack reports it)
        is_dir = False
    if is_dir:
        # A translation's English edition too (inputs.content.english_folder): its changes make it stale.
        english = folder.resolve().parent if (folder.resolve().parent / CONTENT_FILES[0]).is_file() else None
        for where in (folder, english or default_content_dir()):
            for name in CONTENT_FILES:
                h.update(name.encode() + b"\0")
                _hash_file(h, where / name)
    else:
        h.update(b"missing\0" + str(folder).encode())
    return h.hexdigest()


def canonical(data: Any) -> str:
    """Stable JSON text of plain data (sorted keys), for hashing options."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def files_digest(paths: Any) -> str:
    """Names and bytes of single files (a clinic profile and its logo); a missing file hashes as such."""
    paths = tuple(paths)
    return _memo(("files", tuple(map(str, paths))), lambda: _files_digest(paths))


def _files_digest(paths: tuple[Any, ...]) -> str:
    h = hashlib.sha256(b"files\0")
    for path in paths:
        h.update(str(path).encode() + b"\0")
        _hash_file(h, Path(path))
    return h.hexdigest()


def clinic_files(profile: Path) -> tuple[Path, ...]:
    """A clinic profile and the logo it names (read as plain YAML: no checks, no pydantic)."""
    from ..errors import ContentError
    from .yamlio import load

    try:
        data = load(profile).data
    except ContentError:
        return (profile,)  # broken: its bytes are hashed, and the full load reports the problem
    logo = data.get("logo") if isinstance(data, dict) else None
    return (profile, profile.parent / Path(logo.strip()).expanduser()) if isinstance(logo, str) else (profile,)


def made_from(options: Any, content: Path | None, clinic: Path | None) -> str:
    """The digest of everything a run's files are made from: the program, the content pack (None: the
    bundled one), the clinic profile and its logo, and the run's options (plain data)."""
    parts = (program_digest(), content_digest(content if content is not None else default_content_dir()),
             files_digest(clinic_files(clinic) if clinic is not None else ()), canonical(options))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
