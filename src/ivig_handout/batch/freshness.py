"""Batch stage, freshness: hash a batch's inputs and check its outputs against manifest.json (no ReportLab,
no pydantic)."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import fonts_dir, layouts_file, package_dir
from ..version import __version__

MANIFEST = "manifest.json"
_SKIP_DIRS = {"__pycache__"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_tree(h: Any, folder: Path, suffixes: tuple[str, ...] | None = None) -> None:
    """Feed every file under ``folder`` (sorted, relative names and bytes) into ``h``."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or (suffixes and not name.endswith(suffixes)):
                continue
            path = Path(root, name)
            h.update(str(path.relative_to(folder)).encode() + b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")


@lru_cache(maxsize=1)
def program_digest() -> str:
    """The program itself: version, the package's Python source, layouts.yaml and the bundled fonts."""
    h = hashlib.sha256(f"ivig-handout {__version__}\0".encode())
    _hash_tree(h, package_dir(), (".py",))
    h.update(layouts_file().read_bytes())
    _hash_tree(h, fonts_dir())
    return h.hexdigest()


def content_digest(folder: Path) -> str:
    """Every file of a content pack (names and bytes); a missing folder hashes as such."""
    h = hashlib.sha256(b"content\0")
    if Path(folder).is_dir():
        _hash_tree(h, Path(folder))
    else:
        h.update(b"missing\0" + str(folder).encode())
    return h.hexdigest()


def canonical(data: Any) -> str:
    """Stable JSON text of plain data (sorted keys), for hashing options."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def files_digest(paths: Any) -> str:
    """Names and bytes of single files (a clinic profile and its logo); a missing file hashes as such."""
    h = hashlib.sha256(b"files\0")
    for path in paths:
        h.update(str(path).encode() + b"\0")
        try:
            h.update(Path(path).read_bytes())
        except OSError:
            h.update(b"\0missing\0")
    return h.hexdigest()


def run_digest(options: Any, content: Path, extra: Any = ()) -> str:
    """Hash of everything a batch run is made from: program, layouts, fonts, content, extra files, options."""
    parts = (program_digest(), content_digest(content), files_digest(extra), canonical(options))
    return sha256_bytes("\0".join(parts).encode())


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of ``out_dir`` if it is there and readable, else None."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None
    return data


def file_matches(out_dir: Path, entry: Any) -> bool:
    """True when the file an entry describes is on disk with the recorded size and sha256."""
    try:
        path = Path(out_dir) / entry["file"]
        if path.stat().st_size != entry["bytes"]:
            return False
        return bool(sha256_bytes(path.read_bytes()) == entry["sha256"])
    except (OSError, KeyError, TypeError):
        return False


def up_to_date(out_dir: Path, digest: str) -> dict[str, Any] | None:
    """The manifest when a complete earlier run had the same inputs and every file is intact."""
    manifest = read_manifest(out_dir)
    if not manifest or not manifest.get("complete") or manifest.get("inputs") != digest:
        return None
    files = manifest["files"]
    if not files or not all(isinstance(e, dict) and file_matches(out_dir, e) for e in files):
        return None
    return manifest
