"""Apps stage, web: the private folder an uploaded roster is read in (the batch reads a roster from a
file, and writes its print runs into a folder; both hold patients' names).

Every server has its own folder under one folder of the user's, ``ivig-handout-web-<uid>`` in the
temporary folder (0700, checked to be the user's own). A server holds a lock on its folder while it
runs and deletes it when it stops; a folder whose server is gone (killed mid-upload: kill -9, a power
cut) is no longer locked, and the next server to start deletes it, as it deletes the folders older
versions left (``ivig-web-*``, one per upload). Each upload has a folder of its own in there,
deleted as soon as it has been read.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ...errors import ContentError

ROOT = "ivig-handout-web-"  # + the user id
_OLD = re.compile(r"ivig-web-[a-z0-9_]{8}")  # tempfile.mkdtemp(prefix="ivig-web-") of older versions
_OLD_CONTENTS = frozenset({"roster.csv", "roster.xlsx", "out"})
_NEW = ".new-"  # a server's folder until it holds its lock


class Spool:
    """The uploads of one server, under ``base`` (default: the temporary folder). Made at the server's
    start: the folders of servers that are gone are deleted then."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = Path(base or tempfile.gettempdir())
        self.root = private_root(self.base)
        sweep(self.root)
        sweep_old(self.base)
        self._own: Path | None = None
        self._finalizer: Callable[[], object] | None = None
        self._lock = threading.Lock()

    @contextmanager
    def upload(self, data: bytes, name: str) -> Iterator[Path]:
        """``data`` as the file ``name`` (0600) in a folder of its own (0700), deleted afterwards."""
        folder = Path(tempfile.mkdtemp(dir=self._folder()))
        try:
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Delete this server's folder (also done when the Spool is dropped, and at exit)."""
        if self._finalizer is not None:
            self._finalizer()

    def _folder(self) -> Path:
        """This server's folder: made on first use, and again if something removed it."""
        with self._lock:
            if self._own is None or not self._own.is_dir():
                self.close()
                self.root = private_root(self.base)
                fd, self._own = claim(self.root)
                self._finalizer = weakref.finalize(self, _release, self._own, fd)
            return self._own


def private_root(base: Path) -> Path:
    """``base/ivig-handout-web-<uid>``: made 0700, or checked to be a folder of this user's only."""
    root = base / f"{ROOT}{os.getuid()}"
    with suppress(FileExistsError):
        root.mkdir(mode=0o700)
    found = os.lstat(root)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise ContentError([f"{root}: is not a folder of this user's; remove it, then start the page again"])
    if stat.S_IMODE(found.st_mode) & 0o077:
        root.chmod(0o700)
    return root


def claim(root: Path) -> tuple[int, Path]:
    """A new folder in ``root``, locked (the lock is the open descriptor returned with it). It is
    locked under a temporary name and only then given its own, so a sweep never takes it for a gone
    server's."""
    while True:
        made = Path(tempfile.mkdtemp(prefix=_NEW, dir=root))
        fd = _locked(made)
        if fd is None:  # a sweep has it: it will delete it
            continue
        try:
            final = root / secrets.token_hex(8)
            made.rename(final)
        except FileNotFoundError:  # swept before it was locked
            os.close(fd)
            continue
        return fd, final


def sweep(root: Path) -> None:
    """Delete every folder in ``root`` that no running server holds."""
    for entry in root.iterdir():
        fd = _locked(entry)
        if fd is not None:
            try:
                shutil.rmtree(entry, ignore_errors=True)
            finally:
                os.close(fd)


def sweep_old(base: Path) -> None:
    """Delete the upload folders older versions left in ``base`` (``ivig-web-XXXXXXXX``, 0700, this
    user's, holding only a roster and its output folder)."""
    for entry in base.glob("ivig-web-*"):
        with suppress(OSError):
            found = os.lstat(entry)
            if (_OLD.fullmatch(entry.name) and stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()
                    and stat.S_IMODE(found.st_mode) == 0o700
                    and {p.name for p in entry.iterdir()} <= _OLD_CONTENTS):
                shutil.rmtree(entry, ignore_errors=True)


def _locked(folder: Path) -> int | None:
    """An open descriptor of ``folder`` holding its lock, or None (held by another, or not a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _release(folder: Path, fd: int) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    os.close(fd)
