"""Batch stage, freshness: hash a batch's inputs and check its outputs against manifest.json (no ReportLab,
no pydantic). The inputs' digests are inputs/digests.py's, shared with the render cache's keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..inputs.digests import (
    CONTENT_FILES,
    canonical,
    clinic_files,
    content_digest,
    files_digest,
    hashed_once,
    made_from,
    program_digest,
)
from ..inputs.files import FileRefusedError, read_regular

__all__ = ["CONTENT_FILES", "MANIFEST", "canonical", "clinic_files", "content_digest", "file_matches", "files_digest",
           "hashed_once", "made_from", "manifest_bytes", "parse_manifest", "plain_name", "program_digest",
           "read_bounded", "read_manifest", "read_manifest_text", "records", "run_digest", "sealed", "sha256_bytes",
           "up_to_date"]

MANIFEST = "manifest.json"
MANIFEST_LIMIT = 8 * 1024 * 1024  # a larger manifest.json is not one this program wrote: it is ignored


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def read_bounded(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file at ``path`` if it has at most ``limit`` of them, else None."""
    try:
        return read_regular(path, limit)
    except FileRefusedError:
        return None


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
