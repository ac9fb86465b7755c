"""Export stage, handouts given that the record could not take (its database lost, say, after the job
was printed): each row is kept, with the UUID and time it would have had, in ``not-recorded.jsonl`` in
the user's data folder (0600, in a 0700 folder: like the record itself, it holds a patient's name only
when the clinic records names), until ``ivig-handout record pending`` adds them to the record (by UUID:
never twice) and forgets them."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path

from ...errors import OutputError
from ...inputs.files import FileRefusedError, read_regular
from .file import write_atomic
from .record import Entry, Given, _make_folder, default_path

HELD_NAME = "not-recorded.jsonl"
HELD_LIMIT = 256 * 1024 * 1024  # bytes: about 500,000 rows waiting
_GIVEN = {f.name for f in fields(Given)}


def held_path() -> Path:
    """Where rows wait: beside the default record, in the user's data folder."""
    return default_path().parent / HELD_NAME


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """The waiting rows' file to this process alone for the block (a lock file beside it)."""
    _make_folder(path.parent, path)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def hold(rows: Sequence[Given], meant_for: str) -> Path:
    """Keep ``rows`` (not recorded in ``meant_for``, the record's name as shown) to record later; where;
    OutputError naming the file if they cannot be kept. The file is rewritten whole (write_atomic): on a
    full disk it stays as it was, never with a line cut short (an append cut short kept part of the
    rows, silently, and its broken last line then stopped ``record pending`` for all of them)."""
    path = held_path()
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    text = "".join(json.dumps(asdict(row) | {"when": now, "uuid": str(uuid.uuid4()), "meant_for": meant_for},
                              ensure_ascii=False) + "\n" for row in rows)
    try:
        with _locked(path):
            before = _read(path)
            if before and not before.endswith(b"\n"):  # (a line cut short by an older version: kept as it was)
                before += b"\n"
            write_atomic(path, before + text.encode("utf-8"), private=True)
    except OSError as exc:  # (the lock file, the folder)
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return path


def _read(path: Path) -> bytes:
    """The waiting rows' file as it is (b"": none), read as every input is (inputs/files.py: a regular
    file only, so a pipe put in its place cannot hang a command, and bounded); OutputError otherwise."""
    try:
        return read_regular(path, HELD_LIMIT)
    except FileRefusedError as exc:
        if exc.kind == "missing":
            return b""
        raise OutputError(f"{path}: {exc.why}; move it out of the way (it keeps handouts to record later)") from None


def held() -> list[Entry]:
    """The rows waiting, oldest first (numbered 1, 2, ... here: the record gives them their numbers)."""
    path = held_path()
    if not path.exists():
        return []
    with _locked(path):
        lines = _read(path).decode("utf-8", "replace").splitlines()  # (a broken line: its number said below)
    found = []
    for number, line in enumerate(lines, 1):
        try:
            data = json.loads(line)
            given = {k: v for k, v in data.items() if k in _GIVEN} | {"reprint_of": None}
            found.append(Entry(**given, id=number, when=datetime.fromisoformat(data["when"]), uuid=str(data["uuid"])))
        except (ValueError, KeyError, TypeError):
            raise OutputError(f"{path}:{number}: is not a handout waiting to be recorded; fix or remove that "
                              "line") from None
    return found


def forget(keys: set[str]) -> None:
    """Drop the waiting rows whose UUID is in ``keys`` (recorded now); the file goes when none is left."""
    path = held_path()
    with _locked(path):
        if not path.exists():
            return
        kept = [line for line in _read(path).decode("utf-8").splitlines()
                if line.strip() and json.loads(line).get("uuid") not in keys]
        if not kept:
            path.unlink()
            return
        write_atomic(path, "".join(line + "\n" for line in kept).encode("utf-8"), private=True)
