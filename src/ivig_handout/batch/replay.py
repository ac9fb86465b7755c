"""Batch stage, replay: the files of a finished run kept beside the render cache, keyed by everything the run
was made from, so the same run into a new folder copies them instead of loading, imposing and combining.

The key is the run's digest (freshness.run_digest: the program, layouts, fonts, content pack, clinic files
and the job's options) with the installed ReportLab and pikepdf (where they are on disk, their size and
time: an upgrade rewrites them). An entry is one file written atomically in ``runs/`` under the render
cache's folder: a JSON line (format, key, the manifest records without their times, the run's notices,
and the last day the content needs no review note), then the PDFs one after another. It is used only if
its format and key match, every file's bytes have the recorded sha256, and the content's review date
still needs no note today; anything else is a miss (removed; the run is made in full). Only the newest
KEEP entries are kept. Nothing here imports pydantic, ReportLab or pikepdf. Names of patients never get
here: a roster is never stored (its runs are not batch runs)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..inputs.files import FileRefusedError, read_regular
from .freshness import canonical, plain_name, sha256_bytes

FORMAT = 1
SUFFIX = ".run"
FOLDER = "runs"
KEEP = 4  # run entries kept (the newest): a clinic's few regular jobs
LIMIT = 512 * 1024 * 1024  # bytes: a larger entry is not one we wrote
STALE_PART = 3600  # seconds: a temporary file this old is a killed writer's (an entry is written in well under)
_RECORD_KEYS = ("file", "document", "layout", "pages", "bytes", "sha256", "input")


@dataclass(frozen=True)
class Stored:
    """A run entry: the manifest records (without ``mtime_ns``), each file's bytes, the run's notices."""

    records: tuple[dict[str, Any], ...]
    data: tuple[bytes, ...]
    notices: tuple[str, ...]


def run_key(digest: str) -> str:
    """The entry's key: the run's digest and the rendering libraries installed."""
    return sha256_bytes(canonical(["run", FORMAT, digest, _libraries()]).encode())


def _libraries() -> list[Any]:
    """Where ReportLab and pikepdf are installed, with their size and time (found without importing them)."""
    found: list[Any] = []
    for name in ("reportlab", "pikepdf"):
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            status = Path(origin).stat() if origin else None
        except (ImportError, ValueError, OSError):
            origin, status = None, None
        found.append([name, origin, status.st_size if status else None, status.st_mtime_ns if status else None])
    return found


def _path(cache_folder: Path, key: str) -> Path:
    return Path(cache_folder) / FOLDER / f"{key}{SUFFIX}"


def load(cache_folder: Path, key: str, today: date | None = None) -> Stored | None:
    """The entry of ``key`` if it is whole and still good today; None otherwise (a bad entry is removed)."""
    path = _path(cache_folder, key)
    try:
        raw = read_regular(path, LIMIT, expected="a batch-run entry")
    except FileRefusedError:
        return None
    stored = _parse(raw, key, today or date.today())
    if stored is None:
        _drop(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last to go
    return stored


def _parse(raw: bytes, key: str, today: date) -> Stored | None:
    head, _, body = raw.partition(b"\n")
    try:
        values = json.loads(head)
        fresh_until = date.fromisoformat(values["fresh_until"])
        records, notices = values["records"], values["notices"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if values.get("format") != FORMAT or values.get("key") != key or today > fresh_until:
        return None
    if not (isinstance(records, list) and records and isinstance(notices, list)
            and all(isinstance(n, str) for n in notices) and all(_good(r) for r in records)
            and len({r["file"] for r in records}) == len(records)
            and sum(r["bytes"] for r in records) == len(body)):
        return None
    data, at = [], 0
    for record in records:
        piece = body[at:at + record["bytes"]]
        at += record["bytes"]
        if sha256_bytes(piece) != record["sha256"]:
            return None
        data.append(piece)
    return Stored(tuple(records), tuple(data), tuple(notices))


def _good(record: Any) -> bool:
    return (isinstance(record, dict) and all(k in record for k in _RECORD_KEYS) and plain_name(record["file"])
            and isinstance(record["bytes"], int) and not isinstance(record["bytes"], bool) and record["bytes"] >= 0
            and isinstance(record["sha256"], str) and "mtime_ns" not in record)


def store(cache_folder: Path, key: str, records: list[dict[str, Any]], data: list[bytes], notices: list[str],
          fresh_until: date) -> None:
    """Keep a finished run's files (atomically; then only the newest KEEP entries). A cache that cannot be
    written is no reason to fail a batch: nothing is kept then."""
    plain = [{k: v for k, v in r.items() if k != "mtime_ns"} for r in records]
    head = json.dumps({"format": FORMAT, "key": key, "records": plain, "notices": notices,
                       "fresh_until": fresh_until.isoformat()}, ensure_ascii=False).encode()
    import tempfile  # a few ms of imports: only when an entry is written

    folder = Path(cache_folder) / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(head + b"\n")
                for piece in data:
                    out.write(piece)
            Path(tmp).replace(_path(cache_folder, key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    """Only the newest KEEP entries stay; temporary files of writers killed an hour or more ago go."""
    entries = []
    for path in folder.glob(f"*{SUFFIX}"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(entries, reverse=True)[KEEP:]:
        _drop(path)
    old = time.time() - STALE_PART
    for path in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < old:
                _drop(path)


def _drop(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
