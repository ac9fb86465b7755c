"""Apps stage, web: what servers of older versions left in the temporary folder. They read an uploaded
roster from a file in a private folder (``ivig-handout-web-<uid>/<server>/``, each server's locked while it
ran; before that ``ivig-web-*``, one per upload); a server killed mid-upload (kill -9, a power cut) left
the file, with patients' names. A roster is read in memory now (rosters.py), so nothing is written; a
server deletes those leftovers when it starts, and creates nothing.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

ROOT = "ivig-handout-web-"  # + the user id
_OLD = re.compile(r"ivig-web-[a-z0-9_]{8}")  # tempfile.mkdtemp(prefix="ivig-web-") of older versions
_OLD_CONTENTS = frozenset({"roster.csv", "roster.xlsx", "out"})


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


def sweep_leftovers(base: Path | None = None) -> None:
    """At a server's start: delete the upload folders that servers of older versions left in ``base``
    (default: the temporary folder) when they were killed mid-upload, creating nothing (an upload is
    read in memory now): the folders in ``ivig-handout-web-<uid>`` no running server holds (and that
    folder itself once empty), and the ``ivig-web-*`` folders of older versions still."""
    base = Path(base or tempfile.gettempdir())
    root = base / f"{ROOT}{os.getuid()}"
    with suppress(OSError):
        found = os.lstat(root)
        if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid():
            sweep(root)
            root.rmdir()  # only when empty: another server's folder keeps it
    sweep_old(base)
