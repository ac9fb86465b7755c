"""The file sink: the output path is the only thing written.

Everything here is real: device nodes made with mknod (the kernel's own null and full devices,
major 1 minor 3 and 7, made in tmp_path so that a regression cannot replace the machine's /dev/null),
FIFOs with a reader thread, symlinks, /proc descriptors, sockets, the process umask, read-only and
append-only files, a small tmpfs, and a writer process killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ivig_handout
from ivig_handout.errors import OutputError
from ivig_handout.export.sinks import Artifact
from ivig_handout.export.sinks.file import FileSink, check_folder, check_target, stale_parts, write_atomic

from ..conftest import device, umask

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"  # ~100 KB: more than a pipe holds


def artifact(name: str, data: bytes = DATA, personal: bool = False) -> Artifact:
    return Artifact(data, name, "one-pager", "letter", 1, name, personal)


def one_line(exc: pytest.ExceptionInfo[OutputError]) -> str:
    text = str(exc.value)
    assert "\n" not in text and len(text) < 400, text
    return text


def parts(*folders: Path) -> list[str]:
    return [p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".part")]



def is_device(path: Path, minor: int) -> bool:
    st = path.lstat()
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, minor)


@contextlib.contextmanager
def fifo_reader(path: Path, limit: int | None = None) -> Iterator[list[bytes]]:
    """A thread that opens the FIFO for reading and reads it to the end (or ``limit`` bytes, then closes)."""
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as fh:
            got.append(fh.read() if limit is None else fh.read(limit))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        thread.join(10)
        assert not thread.is_alive()


# --- targets that are not regular files ---------------------------------------------------------


def test_null_device_is_written_through(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 3)
    assert write_atomic(null, DATA) == null
    assert is_device(null, 3)  # not replaced by a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_full_device_says_disk_full_and_stays_a_device(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 7)
    with pytest.raises(OutputError) as exc:
        write_atomic(full, DATA)
    assert "the disk is full" in one_line(exc)
    assert is_device(full, 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "handout.pdf"
    os.mkfifo(fifo)
    with fifo_reader(fifo) as got:
        write_atomic(fifo, DATA)
    assert got == [DATA]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf"]


def test_fifo_reader_that_leaves_early_is_one_error(tmp_path: Path) -> None:
    fifo = tmp_path / "handout.pdf"
    os.mkfifo(fifo)
    with fifo_reader(fifo, limit=10), pytest.raises(OutputError) as exc:
        write_atomic(fifo, DATA * 10)
    assert "closed it before the whole PDF was written" in one_line(exc)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_proc_descriptor_is_written_through(tmp_path: Path) -> None:
    """What /dev/stdout is: a link to /proc/self/fd/N (here a pipe the test reads)."""
    r, w = os.pipe()
    link = tmp_path / "stdout"
    link.symlink_to(f"/proc/self/fd/{w}")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(b"".join(iter(lambda: os.read(r, 65536), b""))))
    reader.start()
    try:
        write_atomic(link, DATA)
    finally:
        os.close(w)
        reader.join(10)
        os.close(r)
    assert got == [DATA]
    assert link.is_symlink() and os.readlink(link) == f"/proc/self/fd/{w}"


def test_proc_descriptor_of_a_regular_file_is_truncated_and_written(tmp_path: Path) -> None:
    """``-o /dev/stdout > file``: the open file is written, from its start, and is all of the PDF."""
    out = tmp_path / "redirected.pdf"
    out.write_bytes(b"x" * (len(DATA) + 5000))  # longer than the PDF: nothing of it may remain
    inode = out.stat().st_ino
    with open(out, "r+b") as fh:
        link = tmp_path / "stdout"
        link.symlink_to(f"/proc/self/fd/{fh.fileno()}")
        write_atomic(link, DATA)
    assert out.read_bytes() == DATA
    assert out.stat().st_ino == inode
    assert link.is_symlink()


def test_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "real" / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    first = tmp_path / "links" / "first.pdf"
    first.symlink_to("../real/sheet.pdf")  # relative, to another folder
    second = tmp_path / "second.pdf"
    second.symlink_to(first)  # a chain of two
    write_atomic(second, DATA)
    assert target.read_bytes() == DATA
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file keeps its permissions
    assert os.readlink(second) == str(first) and os.readlink(first) == "../real/sheet.pdf"
    assert parts(tmp_path, tmp_path / "real", tmp_path / "links") == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    link = tmp_path / "sheet.pdf"
    link.symlink_to(tmp_path / "real" / "new.pdf")
    write_atomic(link, DATA)
    assert link.is_symlink() and (tmp_path / "real" / "new.pdf").read_bytes() == DATA


def test_symlink_into_a_missing_folder_refused(tmp_path: Path) -> None:
    link = tmp_path / "sheet.pdf"
    link.symlink_to(tmp_path / "nowhere" / "new.pdf")
    with pytest.raises(OutputError) as exc:
        write_atomic(link, DATA)
    assert "whose folder does not exist" in one_line(exc)
    assert not (tmp_path / "nowhere").exists()


def test_symlink_loop_refused(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").symlink_to("b.pdf")
    (tmp_path / "b.pdf").symlink_to("a.pdf")
    with pytest.raises(OutputError) as exc:
        check_target(tmp_path / "a.pdf")
    assert "too many levels of symbolic links" in one_line(exc)
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "a.pdf", DATA)
    assert (tmp_path / "a.pdf").is_symlink() and (tmp_path / "b.pdf").is_symlink()


def test_socket_refused(tmp_path: Path) -> None:
    where = tmp_path / "sheet.pdf"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(where))
        with pytest.raises(OutputError) as exc:
            write_atomic(where, DATA)
        assert "is a socket" in one_line(exc)
        assert stat.S_ISSOCK(where.lstat().st_mode)


def test_block_device_refused(tmp_path: Path) -> None:
    where = tmp_path / "disk"
    try:
        os.mknod(where, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # a loop device minor nobody uses
    except PermissionError:
        pytest.skip("cannot make device nodes here")
    with pytest.raises(OutputError) as exc:
        check_target(where)
    assert "is a disk device" in one_line(exc)
    with pytest.raises(OutputError):
        write_atomic(where, DATA)
    assert stat.S_ISBLK(where.lstat().st_mode)


def test_folder_refused_with_the_right_advice(tmp_path: Path) -> None:
    (tmp_path / "ivig-gbs-letter.pdf").mkdir()
    with pytest.raises(OutputError) as exc:
        FileSink(folder=tmp_path).send(artifact("ivig-gbs-letter.pdf"))
    assert "is a folder where this file must go" in one_line(exc)
    with pytest.raises(OutputError) as exc:
        FileSink(tmp_path / "ivig-gbs-letter.pdf").check()
    assert "is a folder; give a file name such as" in one_line(exc)


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027, 0o000])
def test_new_files_honour_the_umask(tmp_path: Path, mask: int) -> None:
    with umask(mask):
        write_atomic(tmp_path / "plain.pdf", DATA)
        write_atomic(tmp_path / "named.pdf", DATA, private=True)
        FileSink(folder=tmp_path).send(artifact("sink.pdf", personal=True))
    assert stat.S_IMODE((tmp_path / "plain.pdf").stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "named.pdf").stat().st_mode) == 0o600 & ~mask
    assert stat.S_IMODE((tmp_path / "sink.pdf").stat().st_mode) == 0o600 & ~mask
    assert (tmp_path / "named.pdf").read_bytes() == DATA


@pytest.mark.parametrize(("old", "mask"), [(0o644, 0o022), (0o666, 0o000), (0o604, 0o002)])
def test_a_personal_file_replacing_an_open_one_is_private(tmp_path: Path, old: int, mask: int) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(old)
    with umask(mask):
        write_atomic(target, DATA, private=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 & ~mask
    assert target.read_bytes() == DATA


def test_a_replaced_plain_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with umask(0o000):
        write_atomic(target, DATA)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_read_only_target_refused_not_overwritten(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(mode)
    link = tmp_path / "link.pdf"
    link.symlink_to(target.name)
    for path in (target, link):
        with pytest.raises(OutputError) as exc:
            check_target(path)
        assert "is read-only" in one_line(exc)
        with pytest.raises(OutputError):
            write_atomic(path, DATA)
    assert target.read_bytes() == b"old" and stat.S_IMODE(target.stat().st_mode) == mode
    assert parts(tmp_path) == []


# --- names ---------------------------------------------------------------------------------------


def test_file_name_too_long(tmp_path: Path) -> None:
    target = tmp_path / ("a" * 300 + ".pdf")
    for attempt in (lambda: check_target(target), lambda: write_atomic(target, DATA)):
        with pytest.raises(OutputError) as exc:
            attempt()
        assert "the file name is too long (304 bytes; at most 255 here)" in one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_path_longer_than_path_max(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["d" * 200] * 25) / "sheet.pdf"  # 5000 bytes
    with pytest.raises(OutputError) as exc:
        write_atomic(deep, DATA)
    assert "the path is too long" in one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_long_name_that_fits_is_written(tmp_path: Path) -> None:
    """A 250-byte name is allowed; its temporary file's name is shortened to fit beside it."""
    target = tmp_path / ("b" * 246 + ".pdf")
    write_atomic(target, DATA)
    assert target.read_bytes() == DATA and parts(tmp_path) == []


@pytest.mark.parametrize("folder", ["c" * 300, "/".join(["c" * 200] * 25)])
def test_output_folder_too_long(tmp_path: Path, folder: str) -> None:
    with pytest.raises(OutputError) as exc:
        FileSink(folder=tmp_path / folder).check()
    assert "too long" in one_line(exc)
    with pytest.raises(OutputError) as exc:
        FileSink(folder=tmp_path / folder).send_all([artifact("ivig-gbs-letter.pdf")])
    assert "too long" in one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"x")
    with pytest.raises(OutputError) as exc:
        check_folder(tmp_path / "out")
    assert "is a file, not a folder" in one_line(exc)


def test_nul_in_a_name(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as exc:
        write_atomic(Path(f"{tmp_path}/a\0b.pdf"), DATA)
    assert "not a usable file name" in one_line(exc)


# --- a set of files: all or none ------------------------------------------------------------------


def old_set(folder: Path, n: int) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    old = {f"ivig-{i}-letter.pdf": f"%PDF-old-{i}".encode() for i in range(n)}
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_send_all_writes_every_file(tmp_path: Path) -> None:
    old_set(tmp_path, 3)
    new = [artifact(f"ivig-{i}-letter.pdf", DATA + bytes([i])) for i in range(4)]
    where = FileSink(folder=tmp_path).send_all(new)
    assert where == [str(tmp_path / a.file_name) for a in new]
    assert contents(tmp_path) == {a.file_name: a.data for a in new}


def test_send_all_checks_every_target_before_writing(tmp_path: Path) -> None:
    old = old_set(tmp_path, 4)
    (tmp_path / "ivig-4-letter.pdf").mkdir()  # the fifth is in the way
    new = [artifact(f"ivig-{i}-letter.pdf") for i in range(6)]
    with pytest.raises(OutputError) as exc:
        FileSink(folder=tmp_path).send_all(new)
    assert "ivig-4-letter.pdf: is a folder" in one_line(exc)
    assert contents(tmp_path) == old and parts(tmp_path) == []


def test_send_all_puts_back_what_it_replaced_when_a_rename_fails(tmp_path: Path) -> None:
    """An append-only file (chattr +a) passes every check, but cannot be renamed over: the files
    already renamed into place are put back as they were (the same inodes, so the same mtimes)."""
    old = old_set(tmp_path, 4)
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    last = tmp_path / "ivig-3-letter.pdf"
    if subprocess.run(["chattr", "+a", str(last)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +a is not available here")
    try:
        with pytest.raises(OutputError) as exc:
            FileSink(folder=tmp_path).send_all([artifact(f"ivig-{i}-letter.pdf") for i in range(5)])
        assert "ivig-3-letter.pdf: could not be written (permission denied); nothing was changed" in one_line(exc)
    finally:
        subprocess.run(["chattr", "-a", str(last)], check=False)
    assert contents(tmp_path) == old and parts(tmp_path) == []
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps


def test_send_all_on_a_full_disk_changes_nothing(tmp_path: Path) -> None:
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        old = old_set(where, 3)
        new = [artifact(f"ivig-{i}-letter.pdf", DATA * (i + 1)) for i in range(3)]  # 100 + 200 KB: too much
        with pytest.raises(OutputError) as exc:
            FileSink(folder=where).send_all(new)
        assert "the disk is full" in one_line(exc)
        assert contents(where) == old and parts(where) == []
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_send_all_refuses_two_artifacts_for_one_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as exc:
        FileSink(tmp_path / "one.pdf").send_all([artifact("a.pdf"), artifact("b.pdf")])
    assert "the same file as" in one_line(exc)
    assert list(tmp_path.iterdir()) == []


# --- temporary files left by a killed run -----------------------------------------------------------

KILLED_WRITER = """
import sys
from pathlib import Path
from ivig_handout.export.sinks import Artifact
from ivig_handout.export.sinks.file import FileSink
folder = Path(sys.argv[1])
pdfs = [Artifact(b"%PDF-new", n, "one-pager", "letter", 1, n) for n in ("ivig-a-letter.pdf", "ivig-fifo-letter.pdf")]
FileSink(folder=folder).send_all(pdfs)  # stages the first, then waits for the FIFO's reader
"""


def test_killed_writer_leaves_a_part_that_stale_parts_finds(tmp_path: Path) -> None:
    (tmp_path / "ivig-a-letter.pdf").write_bytes(b"%PDF-old")
    os.mkfifo(tmp_path / "ivig-fifo-letter.pdf")
    env = {**os.environ, "PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], env=env)
    deadline = time.monotonic() + 60
    while len(parts(tmp_path)) < 2 and time.monotonic() < deadline and writer.poll() is None:
        time.sleep(0.02)  # the staged file and a link to the old one (to put it back on failure)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    left = sorted(tmp_path / p for p in parts(tmp_path))
    assert len(left) == 2
    for part in left:
        assert part.name.startswith(f".ivig-a-letter.pdf.{writer.pid}.") and part.name.endswith(".part")
    assert sorted(p.read_bytes() for p in left) == [b"%PDF-new", b"%PDF-old"]
    assert (tmp_path / "ivig-a-letter.pdf").read_bytes() == b"%PDF-old"  # the set was not half written

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = [f".x.pdf.{os.getpid()}.0123abcd.part", f".y.pdf.{sleeper.pid}.89abcdef.part"]
        unknown = [".z.pdf.abc.part", ".z.pdf.0123abcd.part", ".w.pdf.0.0123abcd.part", ".notes.txt"]
        for name in alive + unknown:
            (tmp_path / name).write_bytes(b"")
        assert stale_parts(tmp_path) == left
    finally:
        sleeper.kill()
        sleeper.wait()
    assert stale_parts(tmp_path / "missing") == []


def test_a_part_of_a_killed_but_unreaped_writer_is_stale(tmp_path: Path) -> None:
    """A writer killed while its parent has not reaped it yet (a zombie) writes nothing more: its
    temporary files are stale, although its pid still answers a signal 0."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        part = tmp_path / f".handout.pdf.{child.pid}.abc123.part"
        part.write_bytes(b"%PDF-")
        assert stale_parts(tmp_path) == []  # alive
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(child.pid, 0)  # the zombie's pid still answers
        assert stale_parts(tmp_path) == [part]
    finally:
        child.kill()
        child.wait()


def test_a_file_written_as_it_is_made_lands_whole_or_not_at_all(tmp_path: Path) -> None:
    """write_atomic_from (a print run streamed to disk as it is saved): while it is being written the old
    file is all there is under the name (and a temporary file of this process beside it); a writer that
    fails half way leaves the old file and no temporary file; one that finishes replaces it, private."""
    from ivig_handout.export.sinks.file import write_atomic_from

    target = tmp_path / "roster-letter.pdf"
    target.write_bytes(b"old run")
    seen: list[tuple[bytes, list[str]]] = []

    def half(out: object) -> None:
        out.write(DATA[:1000])  # type: ignore[attr-defined]
        seen.append((target.read_bytes(), parts(tmp_path)))
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError) as refused:
        write_atomic_from(target, half, private=True)
    assert one_line(refused).endswith("roster-letter.pdf: could not be written (the disk is full); nothing was changed")
    [(during, partial)] = seen
    assert during == b"old run" and len(partial) == 1 and partial[0].startswith(".roster-letter.pdf.")
    assert target.read_bytes() == b"old run" and parts(tmp_path) == []
    with umask(0o022):
        write_atomic_from(target, lambda out: out.write(DATA) and None, private=True)
    assert target.read_bytes() == DATA and parts(tmp_path) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
