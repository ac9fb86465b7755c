"""Inputs stage, files: every file the program reads is a regular file, read with a size cap.

A FIFO, a device (``/dev/zero``, ``/dev/urandom``, a terminal), a socket, or a symlink to one of
them is refused with one clear line before anything is read: a FIFO never blocks (it is opened
with O_NONBLOCK, and only after ``stat`` said it is a regular file; ``fstat`` checks the opened file
again, so a file swapped in between is refused too), and no more than ``limit + 1`` bytes are ever
read, so a file that grows, or a /proc file whose size says 0, cannot exhaust memory. read_regular
returns the bytes; stream_regular yields them in chunks (hashing a large file).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ContentError

_CHUNK = 1 << 20
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class FileRefusedError(ContentError):
    """A file that cannot be read: ``kind`` is missing, folder, special, too-big or unreadable; ``why``
    is the message without the file's name; ``size`` its size in bytes where known (too-big)."""

    def __init__(self, label: str, why: str, kind: str, size: int = 0) -> None:
        self.label, self.why, self.kind, self.size = label, why, kind, size
        super().__init__([f"{label}: {why}"])

    def __reduce__(self) -> tuple[type[FileRefusedError], tuple[str, str, str, int]]:  # type: ignore[override]
        return type(self), (self.label, self.why, self.kind, self.size)


def read_regular(path: Path | str, limit: int, label: str | None = None, expected: str = "a regular file") -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them; else
    FileRefusedError with one line: ``LABEL: is not a regular file (it is a named pipe); expected ...``."""
    return b"".join(stream_regular(path, limit, label, expected))


def stream_regular(path: Path | str, limit: int, label: str | None = None,
                   expected: str = "a regular file") -> Iterator[bytes]:
    """The bytes of the regular file at ``path`` in chunks of up to 1 MB, as read_regular checks and
    bounds them (for hashing a large file without holding it): FileRefusedError before the first chunk
    for a file that is not a regular file or is over ``limit``, or later if it grows past it."""
    name = label or str(path)

    def refuse(kind: str, why: str, size: int = 0) -> FileRefusedError:
        return FileRefusedError(name, why, kind, size)

    fd = _open_regular(path, limit, refuse, expected)
    try:
        left = limit
        while chunk := os.read(fd, min(left + 1, _CHUNK)):  # never more than limit + 1 bytes in all
            if len(chunk) > left:
                raise refuse("too-big", f"file is over {limit:,} bytes; the limit is {limit:,}", limit + 1)
            left -= len(chunk)
            yield chunk
    except OSError as exc:
        raise _os_error(exc, refuse) from None
    finally:
        os.close(fd)


def _open_regular(path: Path | str, limit: int, refuse: Callable[..., FileRefusedError], expected: str) -> int:
    """A descriptor of the regular file at ``path`` of at most ``limit`` bytes: checked by ``stat``
    before it is opened (so a FIFO is never opened) and by ``fstat`` after (a file swapped in between)."""
    def check(mode: int, size: int) -> None:
        if stat.S_ISDIR(mode):
            raise refuse("folder", f"is a folder, expected {expected}")
        if not stat.S_ISREG(mode):
            raise refuse("special", f"is not a regular file but {_kind(mode)}; expected {expected}")
        if size > limit:
            raise refuse("too-big", f"file is {size:,} bytes; the limit is {limit:,}", size)

    try:
        info = Path(path).stat()
        check(info.st_mode, info.st_size)
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise _os_error(exc, refuse) from None
    try:
        info = os.fstat(fd)
        check(info.st_mode, info.st_size)
    except BaseException as exc:
        os.close(fd)
        if isinstance(exc, OSError):
            raise _os_error(exc, refuse) from None
        raise
    return fd


def _os_error(exc: OSError, refuse: Any) -> FileRefusedError:
    if isinstance(exc, FileNotFoundError):
        return refuse("missing", "file not found")  # type: ignore[no-any-return]
    if isinstance(exc, PermissionError):
        return refuse("unreadable", "cannot be read (permission denied)")  # type: ignore[no-any-return]
    return refuse("unreadable", f"cannot be read ({exc.strerror or exc})")  # type: ignore[no-any-return]


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


MAX_JSON_DEPTH = 64
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def load_json(path: Path | str, limit: int, label: str | None = None, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON data of a regular file of at most ``limit`` bytes, nested at most ``max_depth`` deep
    (checked without recursion before parsing); ContentError with one line otherwise."""
    name = label or str(path)
    data = read_regular(path, limit, name, "a JSON file")
    depth = 0
    for token in _JSON_TOKENS.finditer(data):
        if token.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                line = data.count(b"\n", 0, token.start()) + 1
                raise ContentError([f"{name}:{line}: nested more than {max_depth} levels deep"])
        elif token.group() in (b"]", b"}"):
            depth -= 1
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ContentError([f"{name}: is not valid JSON ({str(exc).splitlines()[0]})"]) from None
