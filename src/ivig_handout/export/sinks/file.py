"""Export stage, file sink: put bytes on disk so that the output path is the only thing touched.

What a target is decides how it is written:

- a regular file, or a new name: a temporary file beside it (``.NAME.PID.RANDOM.part``) is written,
  synced and renamed over it, so the path is the old file or the whole new one, never half of one;
- a symlink: followed to the file it names, which is replaced in its own folder (the link stays);
- a character device (``/dev/null``, a terminal), a FIFO, or a descriptor reached through ``/proc``
  (``/dev/stdout``, ``/dev/fd/N``): opened and written through, never renamed over;
- ``-`` (FileSink only): standard output;
- anything else (a folder, a socket, a disk device), a read-only file, a name too long: refused with
  one line (OutputError) before any work.

A new file gets ``0666 & ~umask``; a replaced file keeps its permissions; a file that prints a
patient's name (``private``) gets ``0600 & ~umask`` whatever was there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ...errors import OutputError
from . import Artifact

PART = ".part"  # suffix of every temporary file; the name is .NAME.PID.RANDOM.part
STDOUT = "-"
_RANDOM = 8  # hex digits in a temporary file's name
_LINKS = 40  # symlinks followed at most (the kernel's own limit)
_FILE_NAME_ROOM = 40  # bytes an output folder's path leaves for the file names in it
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class _Target:
    given: Path  # what the caller named
    where: Path  # the file replaced (a symlink's target), or the device/FIFO written through
    through: bool  # write through (device, FIFO, /proc descriptor) instead of replacing
    existing: os.stat_result | None  # the regular file replaced, if there is one
    truncate: bool = False  # writing through to a regular file (a /proc descriptor): truncate it first


def check_target(path: Path, *, chosen: bool = True) -> Path:
    """Refuse, before any work, an output path that cannot be a file we write (OutputError).

    ``chosen``: the user named this file (False: a default name inside a folder they gave), which
    only changes the advice in a message."""
    _resolve(Path(path), chosen)
    return Path(path)


def check_folder(folder: Path) -> Path:
    """Refuse, before any work, an output folder that cannot hold files (OutputError)."""
    folder = Path(folder)
    _check_lengths(folder, folder=True)
    try:
        st = folder.stat()
    except FileNotFoundError:
        _check_parents(folder)
        return folder
    except (OSError, ValueError) as exc:
        raise _refused(folder, exc) from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{_show(folder)}: is a file, not a folder; give a folder for the output")
    return folder


def write_atomic(path: Path, data: bytes, *, private: bool = False, sync: bool = True) -> Path:
    """Write ``data`` to ``path`` so that it is either the old file or the whole new one (devices and
    FIFOs are written through). ``private``: the file prints a patient's name (0600 & ~umask).
    ``sync=False``: not fsynced before the rename (still whole after a kill; the caller syncs a batch
    of such files together)."""
    path = Path(path)
    _deliver([_resolve(path, True)], [data], [private], sync)
    return path


def write_atomic_all(files: Sequence[tuple[Path, bytes]], *, sync: bool = True) -> None:
    """write_atomic for files that belong together (a site's pages and the PDFs they link): every one or
    none. Each is staged beside its target first (where a full disk fails: then nothing was changed),
    then all are renamed into place in the order given, and a failure puts back the ones replaced.
    ``sync=False``: not fsynced (the caller syncs them together)."""
    if files:
        _deliver([_resolve(Path(path), True) for path, _ in files], [data for _, data in files],
                 [False] * len(files), sync)


def write_atomic_from(path: Path, fill: Callable[[BinaryIO], None], *, private: bool = False) -> Path:
    """write_atomic for a file too big to hold in memory: ``fill`` writes it into the temporary file
    (a print run streamed to disk as it is saved), which is synced and renamed into place only once
    it is whole. A regular file or a new name only."""
    path = Path(path)
    target = _resolve(path, True)
    if target.through:
        raise OutputError(f"{_show(path)}: not a regular file; name a file in a folder")
    part = _stage(target, fill, private)
    try:
        _commit([(target, part, None)])
    finally:
        _unlink(part)
    return path


def stale_parts(folder: Path) -> list[Path]:
    """The temporary files (``.NAME.PID.RANDOM.part``) in ``folder`` whose process is no longer
    running: left by a run that was killed; safe to remove."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in entries:
        pid = _part_pid(entry.name)
        try:
            regular = entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if pid is not None and regular and not _alive(pid):
            found.append(Path(folder) / entry.name)
    return sorted(found)


class FileSink:
    """Writes each artifact to one file (``path``; ``-`` is standard output), or into a folder under
    its default name."""

    def __init__(self, path: Path | None = None, folder: Path | None = None) -> None:
        self.path, self.folder = (Path(path) if path else None), Path(folder or ".")

    @property
    def dash(self) -> bool:
        """``-o -``: the PDF is written to standard output."""
        return self.path is not None and str(self.path) == STDOUT

    @property
    def to_stdout(self) -> bool:
        """The PDF goes to standard output (``-o -``, ``-o /dev/stdout``, or the file stdout is):
        print nothing else there."""
        return self.path is not None and (self.dash or _is_stdout(self.path))

    def target(self, artifact: Artifact) -> Path:
        return self.path or self.folder / artifact.file_name

    def check(self) -> None:
        if self.dash:
            if _stdout_is_terminal():
                raise OutputError("-o -: standard output is a terminal; send the PDF to a file or a program "
                                  "(> handout.pdf, | lp)")
        elif self.path is not None:
            check_target(self.path)
        else:
            check_folder(self.folder)

    def send(self, artifact: Artifact) -> str:
        return self.send_all([artifact])[0]

    def send_all(self, artifacts: Sequence[Artifact]) -> list[str]:
        """Deliver every artifact or none: every target is checked, then each is staged beside its
        target, then all are renamed into place; a failure removes what was staged and puts back the
        files already replaced. Returns where each went."""
        if self.dash:
            if len(artifacts) != 1:
                raise OutputError("-o -: standard output takes one PDF")
            _write_stdout(artifacts[0].data)
            return ["standard output"]
        targets = [_resolve(self.target(a), self.path is not None) for a in artifacts]
        _deliver(targets, [a.data for a in artifacts], [a.personal for a in artifacts])
        return [str(t.given) for t in targets]


def _deliver(targets: list[_Target], data: list[bytes], private: list[bool], sync: bool = True) -> None:
    """Write every target or none (see FileSink.send_all)."""
    seen: dict[str, Path] = {}
    for t in targets:
        key = os.path.normcase(os.path.normpath(t.where.absolute()))
        if key in seen:
            raise OutputError(f"{_show(t.given)}: the same file as {_show(seen[key])}; give each its own name")
        seen[key] = t.given
    n = len(targets)
    staged: list[tuple[_Target, Path, Path | None]] = []  # (target, temporary file, backup of the old file)
    try:
        for t, body, mine in zip(targets, data, private, strict=True):
            if not t.through:
                part = _stage(t, body, mine, sync)
                staged.append((t, part, None))
                if n > 1 and t.existing is not None:  # so the old file can be put back
                    staged[-1] = (t, part, _backup(t.where))
        for t, body in zip(targets, data, strict=True):
            if t.through:
                _write_through(t, body)
        _commit(staged)
    finally:
        for _, part, backup in staged:
            _unlink(part)
            if backup is not None:
                _unlink(backup)


def _commit(staged: list[tuple[_Target, Path, Path | None]]) -> None:
    """Rename every staged file into place; if one fails, undo the renames already done."""
    done: list[tuple[_Target, Path | None]] = []
    try:
        for t, part, backup in staged:
            part.replace(t.where)
            done.append((t, backup))
    except BaseException as exc:
        for t, backup in reversed(done):
            try:
                if backup is not None:
                    backup.replace(t.where)
                elif t.existing is None:
                    t.where.unlink()
            except OSError:
                pass
        if isinstance(exc, OSError):
            kept = "nothing was changed" if all(b is not None or t.existing is None for t, b in done) else (
                "the files before it could not all be put back")
            raise OutputError(f"{_show(staged[len(done)][0].given)}: could not be written ({_reason(exc)}); "
                              f"{kept}") from None
        raise


def _resolve(path: Path, chosen: bool) -> _Target:
    """What ``path`` is, and how it is written; OutputError if it cannot be."""
    _check_lengths(path)
    try:
        st: os.stat_result | None = path.stat()
    except FileNotFoundError:
        st = None
    except (OSError, ValueError) as exc:
        raise _refused(path, exc) from None
    where, via_proc = _follow(path)
    if st is None:
        if via_proc:
            raise OutputError(f"{_show(path)}: names a file descriptor that is not open")
        if where != path:
            _check_lengths(where)
            if not where.parent.is_dir():
                raise OutputError(f"{_show(path)}: is a symlink to {_show(where)}, whose folder does not exist")
        else:
            _check_parents(path)
        return _Target(path, where, False, None)
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        if chosen:
            raise OutputError(f"{_show(path)}: is a folder; give a file name such as {_show(path / 'handout.pdf')}")
        raise OutputError(f"{_show(path)}: is a folder where this file must go; move or rename the folder")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return _Target(path, path, True, None)
    if stat.S_ISBLK(mode):
        raise OutputError(f"{_show(path)}: is a disk device; refusing to write a PDF over it")
    if stat.S_ISSOCK(mode):
        raise OutputError(f"{_show(path)}: is a socket, not a file; give a file name")
    if not stat.S_ISREG(mode):
        raise OutputError(f"{_show(path)}: is not a regular file; give a file name")
    if not mode & 0o222:  # as root os.access says every file is writable: the mode bits decide
        raise OutputError(f"{_show(path)}: is read-only (mode {stat.filemode(mode)}); make it writable "
                          "(chmod u+w) or remove it to replace it")
    if not os.access(path, os.W_OK):
        raise OutputError(f"{_show(path)}: is not writable by this user (mode {stat.filemode(mode)}, owner "
                          f"{st.st_uid}, or locked with chattr +i); make it writable or remove it to replace it")
    if via_proc:  # /dev/stdout redirected to a file: write to what the descriptor names
        return _Target(path, path, True, None, truncate=True)
    _check_lengths(where)
    return _Target(path, where, False, st)


def _follow(path: Path) -> tuple[Path, bool]:
    """The file a chain of symlinks ends at (the path itself if it is no link), and whether the chain
    reaches /proc (a descriptor such as /proc/self/fd/1, which is written through, not resolved)."""
    for _ in range(_LINKS):
        if os.path.realpath(path.parent).startswith("/proc/"):
            return path, True
        try:
            link = path.readlink()
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.ENOENT):  # not a link, or nothing there
                return path, False
            raise _refused(path, exc) from None
        path = path.parent / link
    raise OutputError(f"{_show(path)}: too many levels of symbolic links")


def _check_parents(path: Path) -> None:
    for parent in path.parents:
        try:
            st = parent.stat()
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise _refused(path, exc) from None
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{_show(path)}: cannot be written because {_show(parent)} is a file, not a folder")
        return


def _check_lengths(path: Path, folder: bool = False) -> None:
    """File names and paths within the system's limits, counting the temporary file's longer name
    (and, for a folder, room for a file name in it)."""
    name_max, path_max = _limits(path)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > name_max:
            what = "the file name" if part == path.name and not folder else f"the folder name {_show(Path(part), 40)}"
            raise OutputError(f"{_show(path)}: {what} is too long ({size} bytes; at most {name_max} here)")
    size = len(os.fsencode(str(path)))
    name = "x" * _FILE_NAME_ROOM if folder else path.name
    extra = len(os.fsencode(_part_name(name, "0" * _RANDOM, name_max))) - (0 if folder else len(os.fsencode(name)))
    if size + extra >= path_max:  # the temporary file beside it must fit too
        raise OutputError(f"{_show(path)}: the path is too long ({size} bytes; at most {path_max - 1 - extra} here)")


def _limits(path: Path) -> tuple[int, int]:
    for folder in (path.parent, *path.parents):
        try:
            return os.pathconf(folder, "PC_NAME_MAX"), os.pathconf(folder, "PC_PATH_MAX")
        except (OSError, ValueError):
            continue
    return 255, 4096


def _part_name(name: str, token: str, name_max: int = 255) -> str:
    """``.NAME.PID.RANDOM.part``, NAME shortened if the whole would be too long for the folder."""
    tail = f".{os.getpid()}.{token}{PART}"
    while name and len(os.fsencode(f".{name}{tail}")) > name_max:
        name = name[:-1]
    return f".{name}{tail}"


def _part_pid(name: str) -> int | None:
    """The process id in a temporary file's name, or None if ``name`` is not one of ours."""
    if not (name.startswith(".") and name.endswith(PART)):
        return None
    pieces = name[1: -len(PART)].rsplit(".", 2)
    if len(pieces) != 3 or not pieces[0] or not pieces[1].isdigit() or not pieces[2]:
        return None
    pid = int(pieces[1])
    return pid if pid > 0 else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, OSError):
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has exited but was not yet reaped by its parent (Linux /proc; elsewhere: no)."""
    from ...inputs.files import FileRefusedError, read_regular

    try:
        stat = read_regular(f"/proc/{pid}/stat", 4096).decode("ascii", errors="replace")
    except FileRefusedError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _stage(t: _Target, data: bytes | Callable[[BinaryIO], None], private: bool, sync: bool = True) -> Path:
    """A temporary file beside ``t.where`` holding ``data`` (or what the callable ``data`` writes into
    it; synced unless ``sync`` is False), with the final permissions."""
    folder = t.where.parent
    try:
        if t.where == t.given:
            folder.mkdir(parents=True, exist_ok=True)
        name_max = _limits(t.where)[0]
        for _ in range(100):
            part = folder / _part_name(t.where.name, secrets.token_hex(_RANDOM // 2), name_max)
            try:
                fd = os.open(part, _CREATE, 0o600 if private else 0o666)  # the umask applies
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - 100 random names all taken
            raise OSError(errno.EEXIST, "no free temporary file name")
    except OSError as exc:
        raise OutputError(f"{_show(t.given)}: cannot write here ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if t.existing is not None:
                _keep_owner_and_mode(fh.fileno(), t.existing, private)
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
    except BaseException as exc:
        _unlink(part)
        if isinstance(exc, OSError):
            raise OutputError(f"{_show(t.given)}: could not be written ({_reason(exc)}); nothing was changed") from None
        raise
    return part


def _keep_owner_and_mode(fd: int, old: os.stat_result, private: bool) -> None:
    """A replaced file keeps its owner (when root writes it) and, unless private, its permissions."""
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()) and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)
    if not private:
        os.fchmod(fd, stat.S_IMODE(old.st_mode) & 0o777)


def _backup(where: Path) -> Path | None:
    """A hard link to the file about to be replaced (so it can be put back), or None if the file
    system cannot make one."""
    for _ in range(100):
        backup = where.parent / _part_name(where.name, secrets.token_hex(_RANDOM // 2), _limits(where)[0])
        try:
            os.link(where, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:
            return None
    return None  # pragma: no cover


def _write_through(t: _Target, data: bytes) -> None:
    """Open the device, FIFO or descriptor and write ``data`` to it (a FIFO waits for its reader)."""
    flags = os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0) | (os.O_TRUNC if t.truncate else 0)
    try:
        fd = os.open(t.where, flags)
    except OSError as exc:
        raise OutputError(f"{_show(t.given)}: cannot be opened for writing ({_reason(exc)})") from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise OutputError(f"{_show(t.given)}: could not be written ({_reason(exc)})") from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_stdout(data: bytes) -> None:
    stream = sys.stdout
    try:
        stream.flush()
        try:
            fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a real descriptor (a test's capture)
            fd = None
        if fd is None:
            stream.buffer.write(data)
            stream.buffer.flush()
        else:
            _write_all(fd, data)
    except OSError as exc:
        raise OutputError(f"standard output: could not be written ({_reason(exc)})") from None


def _is_stdout(path: Path) -> bool:
    """``path`` is the file standard output is (``/dev/stdout``, the file stdout is redirected to)."""
    try:
        ours, theirs = os.fstat(sys.stdout.fileno()), path.stat()
    except (AttributeError, OSError, ValueError):
        return False
    return (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino)


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _refused(path: Path, exc: OSError | ValueError) -> OutputError:
    """A check of ``path`` failed before anything was written."""
    if isinstance(exc, ValueError):  # an embedded NUL
        return OutputError(f"{_show(path)}: is not a usable file name ({exc})")
    if exc.errno == errno.ENOTDIR:
        for parent in path.parents:
            if parent.is_file():
                return OutputError(f"{_show(path)}: cannot be written because {_show(parent)} is a file, not a folder")
    if exc.errno == errno.ELOOP:
        return OutputError(f"{_show(path)}: too many levels of symbolic links")
    return OutputError(f"{_show(path)}: cannot write here ({_reason(exc)})")


def _show(path: Path, limit: int = 120) -> str:
    """The path for a message, its middle left out when it is very long."""
    text = str(path)
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this disk or account allows"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    if exc.errno == errno.EPIPE:
        return "the reader closed it before the whole PDF was written"
    return exc.strerror or str(exc)
