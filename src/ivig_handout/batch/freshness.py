"""Batch stage, freshness: hash a batch's inputs and check its outputs against manifest.json (no ReportLab,
no pydantic)."""

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

from ..inputs.files import FileRefusedError, read_regular, stream_regular
from ..resources import default_content_dir, fonts_dir, layouts_file, package_dir
from ..version import __version__

MANIFEST = "manifest.json"
MANIFEST_LIMIT = 8 * 1024 * 1024  # a larger manifest.json is not one this program wrote: it is ignored
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
    from ..inputs.yamlio import load

    try:
        data = load(profile).data
    except ContentError:
        return (profile,)  # broken: its bytes are hashed, and the full load reports the problem
    logo = data.get("logo") if isinstance(data, dict) else None
    return (profile, profile.parent / Path(logo.strip()).expanduser()) if isinstance(logo, str) else (profile,)


def run_digest(options: Any, content: Path, extra: Any = ()) -> str:
    """Hash of everything a batch run is made from: program, layouts, fonts, content, extra files, options."""
    parts = (program_digest(), content_digest(content), files_digest(extra), canonical(options))
    return sha256_bytes("\0".join(parts).encode())


# --- manifest.json ---------------------------------------------------------------------------------

_SEAL = b',\n  "checksum": "'  # the last field: the sha256 of the manifest's text before it
_END = b'"\n}\n'


def manifest_bytes(manifest: dict[str, Any], lines: dict[str, tuple[Any, str]] | None = None) -> bytes:
    """The text of manifest.json: one field per line, one line per file record, and last a ``checksum``:
    the sha256 of the text before it, so an edited, cut or merged manifest is never trusted as complete.

    It is written again as each file is made: ``lines`` keeps each record's text between calls (by file
    name, while the record is the same object), and no indenting (slow) encoder is used."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    def line(record: Any) -> str:
        name = record.get("file") if isinstance(record, dict) else None
        if lines is None or not isinstance(name, str):
            return f"    {dump(record)}"
        kept = lines.get(name)
        if kept is None or kept[0] is not record:
            kept = lines[name] = (record, f"    {dump(record)}")
        return kept[1]

    fields = []
    for key, value in manifest.items():
        if key == "checksum":
            continue
        if key == "files" and isinstance(value, list) and value:
            fields.append(f"  {dump(key)}: [\n" + ",\n".join(line(r) for r in value) + "\n  ]")
        else:
            fields.append(f"  {dump(key)}: {dump(value)}")
    body = ("{\n" + ",\n".join(fields)).encode()
    return body + _SEAL + sha256_bytes(body).encode() + _END


def sealed(raw: bytes) -> bool:
    """True when ``raw`` ends with the checksum of the text before it (manifest_bytes)."""
    body, seal, tail = raw.rpartition(_SEAL)
    return bool(seal) and tail == sha256_bytes(body).encode() + _END


def read_manifest_text(out_dir: Path) -> bytes | None:
    """The bytes of ``out_dir``/manifest.json if it is a regular file of at most MANIFEST_LIMIT bytes."""
    try:
        return read_regular(Path(out_dir) / MANIFEST, MANIFEST_LIMIT)
    except FileRefusedError:
        return None


def parse_manifest(raw: bytes | None) -> dict[str, Any] | None:
    """A JSON object with a list of files, else None (not JSON, nested too deep, another shape)."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None
    return data


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of ``out_dir`` if it is a regular file of at most MANIFEST_LIMIT bytes holding a
    JSON object with a list of files, else None (not there, not a file, too large, too deep, not JSON)."""
    return parse_manifest(read_manifest_text(out_dir))


def records(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's well-formed file records by name (the first of any repeated name)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in manifest.get("files", []):
        if isinstance(entry, dict) and plain_name(entry.get("file")):
            found.setdefault(entry["file"], entry)
    return found


def plain_name(name: Any) -> bool:
    """A file name inside the output folder: no folder part, not hidden, not the manifest."""
    return (isinstance(name, str) and bool(name) and "/" not in name and "\0" not in name
            and not name.startswith(".") and name != MANIFEST)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def file_matches(out_dir: Path, entry: Any) -> bool:
    """True when the file an entry describes is a regular file on disk with the recorded size, modification
    time and sha256 (read only when size and time agree, and never more than the recorded size)."""
    if not isinstance(entry, dict) or not plain_name(entry.get("file")):
        return False
    size, mtime, sha = entry.get("bytes"), entry.get("mtime_ns"), entry.get("sha256")
    if not (_whole(size) and _whole(mtime) and isinstance(sha, str)):
        return False
    path = Path(out_dir) / entry["file"]
    try:
        status = path.stat()
        if status.st_size != size or status.st_mtime_ns != mtime:
            return False
        return sha256_bytes(read_regular(path, size)) == sha  # refused if it is not a file, or has grown
    except (OSError, ValueError, FileRefusedError):
        return False


def up_to_date(out_dir: Path, digest: str) -> dict[str, Any] | None:
    """The manifest when a complete earlier run had the same inputs, the manifest is as that run wrote it
    (checksum) and lists as many files as that run made, and every one of those files is intact."""
    raw = read_manifest_text(out_dir)
    manifest = parse_manifest(raw)
    if (not manifest or raw is None or manifest.get("complete") is not True or manifest.get("inputs") != digest
            or not sealed(raw)):
        return None
    files = manifest["files"]
    if not files or manifest.get("total") != len(files) or len(records(manifest)) != len(files):
        return None
    if not all(file_matches(out_dir, e) for e in files):
        return None
    return manifest
