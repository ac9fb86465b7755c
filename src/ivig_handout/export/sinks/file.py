"""Export stage, file sink: put bytes on disk atomically (temporary file in the same folder, then rename)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ...errors import OutputError
from . import Artifact


def check_target(path: Path) -> Path:
    """Refuse, before any work, an output path that cannot be a file we write."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name such as {path / 'handout.pdf'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{path}: cannot be written because {parent} is a file, not a folder")
            break
    return path


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that it is either the old file or the whole new one."""
    path = check_target(Path(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: could not be written ({_reason(exc)}); nothing was changed") from None
        raise
    return path


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this disk or account allows"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    return exc.strerror or str(exc)


class FileSink:
    """Writes each artifact to one file (``path``), or into a folder under its default name."""

    def __init__(self, path: Path | None = None, folder: Path | None = None) -> None:
        self.path, self.folder = (Path(path) if path else None), Path(folder or ".")

    def target(self, artifact: Artifact) -> Path:
        return self.path or self.folder / artifact.file_name

    def check(self) -> None:
        if self.path is not None:
            check_target(self.path)

    def send(self, artifact: Artifact) -> str:
        return str(write_atomic(self.target(artifact), artifact.data))
