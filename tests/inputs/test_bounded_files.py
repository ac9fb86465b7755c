"""Every input is bounded: a FIFO, /dev/zero, /dev/urandom, a socket or a symlink to one of them, given
as a content file, a clinic profile, a job file or a logo, is refused with one line before anything is
read; no file is ever read past its limit. Real FIFOs, devices and sockets, in a real process: a hang
is a timeout, reading /dev/zero until memory runs out is a timeout too."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ivig_handout.errors import ContentError
from ivig_handout.inputs.files import FileRefusedError, load_json, read_regular
from ivig_handout.inputs.yamlio import MAX_BYTES
from ivig_handout.resources import default_content_dir

from .common import deadline, error_lines, one_error, run_cli, run_many, run_process

TIMEOUT = 30  # each case takes about a second; a hang, or reading a device to the end, takes forever


@pytest.fixture()
def unix_socket(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Make a bound (listening) Unix socket at a path; closed after the test."""
    opened: list[socket.socket] = []

    def make(path: Path) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen(1)
        opened.append(sock)

    yield make
    for sock in opened:
        sock.close()


def _special(kind: str, path: Path, make_socket: Callable[[Path], None]) -> str:
    """Put a non-regular file of ``kind`` at ``path``; the words the refusal must use."""
    if kind == "fifo":
        os.mkfifo(path)
        return "a named pipe (FIFO)"
    if kind == "symlink-to-fifo":
        real = path.with_name(path.name + ".fifo")
        os.mkfifo(real)
        path.symlink_to(real)
        return "a named pipe (FIFO)"
    if kind == "socket":
        make_socket(path)
        return "a socket"
    path.symlink_to("/dev/" + kind.removeprefix("symlink-to-"))  # /dev/zero, /dev/urandom
    return "a character device"


KINDS = ["fifo", "symlink-to-fifo", "symlink-to-zero", "symlink-to-urandom", "socket"]


def _packs(tmp_path: Path, make_socket: Callable[[Path], None]) -> list[tuple[Path, str]]:
    """One copy of the bundled pack per kind, with all three of its files replaced by that kind."""
    out = []
    for kind in KINDS:
        pack = tmp_path / kind
        shutil.copytree(default_content_dir(), pack)
        for name in ("sheet.yaml", "labels.yaml", "corrections.yaml"):
            (pack / name).unlink()
            words = _special(kind, pack / name, make_socket)
        out.append((pack, words))
    return out


def test_content_files_that_are_not_regular_files(tmp_path: Path, unix_socket: Callable[[Path], None]) -> None:
    """Every file of the pack refused at once, one line each; build, one-pager and check alike."""
    for pack, words in _packs(tmp_path, unix_socket):
        for command in (["build"], ["one-pager", "gbs"]):
            code, _, err = run_cli(*command, "--content", str(pack), "-o", str(tmp_path / "o.pdf"))
            lines = error_lines(code, err)
            assert [x.split(": is not")[0] for x in lines] == [f"error: {pack}/{n}" for n in
                                                              ("sheet.yaml", "labels.yaml", "corrections.yaml")]
            assert all(f": is not a regular file but {words}; expected a YAML file" in x for x in lines), lines
        code, out, err = run_cli("check", "--content", str(pack), "--skip-fit")
        assert code == 1 and "FAIL  content schema" in out and out.count("is not a regular file but") == 3
    assert not (tmp_path / "o.pdf").exists()


def test_profiles_and_job_files_that_are_not_regular_files(tmp_path: Path,
                                                          unix_socket: Callable[[Path], None]) -> None:
    cases = []
    for kind in KINDS:
        folder = tmp_path / kind
        folder.mkdir()
        profile, job = folder / "clinic.yaml", folder / "job.yaml"
        cases.append((["build", "--clinic", str(profile), "-o", str(folder / "o.pdf")], profile,
                      _special(kind, profile, unix_socket)))
        cases.append((["batch", str(job)], job, _special(kind, job, unix_socket)))
    for device in ("/dev/zero", "/dev/urandom"):
        cases.append((["build", "--clinic", device, "-o", str(tmp_path / "o.pdf")], Path(device), "a character device"))
        cases.append((["batch", device], Path(device), "a character device"))
    before = sorted(tmp_path.rglob("*"))
    for command, path, words in cases:
        line = one_error(*run_cli(*command)[::2])
        assert line.startswith(f"error: {path}: is not a regular file but {words}; expected a YAML file"), line
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_logos_that_are_not_regular_files(tmp_path: Path, unix_socket: Callable[[Path], None]) -> None:
    for kind in [*KINDS, "dev-zero", "dev-urandom"]:
        folder = tmp_path / kind
        folder.mkdir()
        if kind.startswith("dev-"):
            logo, words = Path("/dev/" + kind.removeprefix("dev-")), "a character device"
        else:
            logo = folder / "logo.png"
            words = _special(kind, logo, unix_socket)
        profile = folder / "clinic.yaml"
        profile.write_text(f"name: Clinic\nlogo: {logo}\n")
        line = one_error(*run_cli("build", "--clinic", str(profile), "-o", str(folder / "o.pdf"))[::2])
        assert line == f"error: {profile}:2:1: logo: {logo} is not a regular file but {words}; expected a PNG or JPEG image"
        assert not (folder / "o.pdf").exists()
        code, out, _ = run_cli("check", "--clinic", str(profile), "--skip-fit")
        assert code == 1 and f"logo: {logo} is not a regular file" in out


def test_no_hang_in_a_real_process(tmp_path: Path) -> None:
    """The same refusals in real processes (no test harness between the program and the files): a
    FIFO content file, profile, job file and logo, /dev/zero and /dev/urandom, /dev/stdin."""
    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    (pack / "sheet.yaml").unlink()
    os.mkfifo(pack / "sheet.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    os.mkfifo(tmp_path / "logo.png")
    (tmp_path / "clinic.yaml").write_text("name: Clinic\nlogo: logo.png\n")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    cases = [
        (["build", "--content", str(pack)], f"{pack}/sheet.yaml: is not a regular file but a named pipe"),
        (["check", "--content", str(pack)], None),
        (["build", "--clinic", str(tmp_path / "fifo.yaml")], "fifo.yaml: is not a regular file but a named pipe"),
        (["build", "--clinic", str(tmp_path / "clinic.yaml")], "logo.png is not a regular file but a named pipe"),
        (["batch", str(tmp_path / "fifo.yaml")], "fifo.yaml: is not a regular file but a named pipe"),
        (["batch", str(tmp_path / "zero.yaml")], "zero.yaml: is not a regular file but a character device"),
        (["build", "--clinic", "/dev/urandom"], "/dev/urandom: is not a regular file but a character device"),
        (["build", "--clinic", "/dev/stdin"], "/dev/stdin: is not a regular file but a character device"),
    ]
    runs = run_many(*[[*args, *(["-o", str(tmp_path / "o.pdf")] if args[0] == "build" else [])]
                      for args, _ in cases], timeout=TIMEOUT)
    for (code, out, err), (args, words) in zip(runs, cases, strict=True):
        if words is None:  # check: its finding, exit 1
            assert code == 1 and "is not a regular file but a named pipe" in out, (args, out, err)
        else:
            assert words in one_error(code, err), (args, err)
    assert not (tmp_path / "o.pdf").exists()


def test_a_fifo_with_a_writer_is_still_refused_and_not_drained(tmp_path: Path) -> None:
    """A FIFO someone writes into is refused all the same (never read), so the writer is not drained."""
    fifo = tmp_path / "clinic.yaml"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that keeps the pipe open, with data in it
    try:
        os.write(fd, b"name: Clinic\n")
        code, _, err, _ = run_process("build", "--clinic", str(fifo), "-o", str(tmp_path / "o.pdf"), timeout=TIMEOUT)
        assert "is not a regular file but a named pipe (FIFO)" in one_error(code, err)
        assert os.read(fd, 100) == b"name: Clinic\n"
    finally:
        os.close(fd)


# --- the reader itself ------------------------------------------------------------------------------

def test_read_regular_reads_a_regular_file_and_follows_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"x: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    assert read_regular(tmp_path / "link.yaml", 10) == b"x: 1\n"
    assert read_regular(tmp_path / "a.yaml", 5) == b"x: 1\n"  # exactly the limit is fine


def test_read_regular_never_reads_past_the_limit_even_when_stat_says_zero() -> None:
    """/proc files are regular files whose size says 0: the cap holds by counting what is read."""
    assert os.stat("/proc/self/maps").st_size == 0
    with pytest.raises(FileRefusedError) as info:
        read_regular("/proc/self/maps", 16, "maps")
    assert info.value.kind == "too-big" and str(info.value) == "maps: file is over 16 bytes; the limit is 16"


NOBODY = 65534


def refusal_as_nobody() -> tuple[str, bool]:
    """As root: a child that drops to uid/gid 65534 calls read_regular on a mode-0 file in a 0755
    folder of its own, and sends back through a pipe the refusal's kind and whether it is a
    ContentError (or what else happened)."""
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        path = folder / "x"
        path.write_bytes(b"y")
        path.chmod(0)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            os.close(read_end)
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                read_regular(path, 10, "x")
                answer = "read,0"
            except FileRefusedError as exc:
                answer = f"{exc.kind},{int(isinstance(exc, ContentError))}"
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
                answer = f"{type(exc).__name__}: {exc},0"
            os.write(write_end, answer.encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read().decode()
        os.waitpid(pid, 0)
    finally:
        shutil.rmtree(folder)
    kind, _, is_content = answer.rpartition(",")
    return kind, is_content == "1"


@pytest.mark.parametrize(("make", "kind", "words"), [
    (lambda p: None, "missing", "x: file not found"),
    (lambda p: p.mkdir(), "folder", "x: is a folder, expected a regular file"),
    (lambda p: p.write_bytes(b"y" * 11), "too-big", "x: file is 11 bytes; the limit is 10"),
    (os.mkfifo, "special", "x: is not a regular file but a named pipe (FIFO); expected a regular file"),
    (lambda p: (p.write_bytes(b"y"), p.chmod(0)), "unreadable", None),
], ids=["missing", "folder", "too-big", "fifo", "unreadable"])
def test_read_regular_refusals(tmp_path: Path, make, kind: str, words: str | None) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x"
    make(path)
    if kind == "unreadable" and os.geteuid() == 0:
        assert refusal_as_nobody() == ("unreadable", True)  # root reads any file: ask as uid 65534
        return
    with pytest.raises(FileRefusedError) as info:
        read_regular(path, 10, "x")
    assert info.value.kind == kind and isinstance(info.value, ContentError)
    if words:
        assert str(info.value) == words


def test_yaml_files_are_capped_before_they_are_read(pack: Path, tmp_path: Path) -> None:
    """A content file over the cap is refused from its size alone (a sparse 1 TB file reads nothing)."""
    with open(pack / "sheet.yaml", "r+b") as fh:
        fh.truncate(1 << 40)
    before = bytes_read()
    code, _, err = run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))
    read = bytes_read() - before
    # "file is N bytes" is the refusal from the size alone; a refusal while reading says "over N bytes"
    assert one_error(code, err) == f"error: {pack}/sheet.yaml: file is {1 << 40:,} bytes; the limit is {MAX_BYTES:,}"
    assert read < MAX_BYTES, read  # the other files of the pack, not the sheet (bench/limits.py times it)


def bytes_read() -> int:
    """Bytes this process has read by read(2) and the like so far (Linux's /proc/self/io rchar)."""
    io = Path("/proc/self/io").read_text(encoding="ascii")
    return int(next(x for x in io.splitlines() if x.startswith("rchar:")).split()[1])


def test_load_json_bounds_depth_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ContentError, match=r"manifest.json:1: nested more than 64 levels deep"):
        load_json(path, 1 << 20)
    path.write_text('{"files": [{"file": "a [{ b", "n": 1}], "ok": true}')  # brackets in strings do not count
    assert load_json(path, 1 << 20) == {"files": [{"file": "a [{ b", "n": 1}], "ok": True}
    path.write_text("{" * 10)
    with pytest.raises(ContentError, match="is not valid JSON"):
        load_json(path, 1 << 20)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(FileRefusedError, match="is not a regular file"):
        load_json(path, 1 << 20)


def test_a_refusal_survives_a_worker_process() -> None:
    """Batch workers send errors back pickled: the refusal arrives whole, as the same class."""
    import pickle

    error = FileRefusedError("logo.png", "file not found", "missing")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is FileRefusedError and back.problems == ["logo.png: file not found"] and back.kind == "missing"


# --- every other file the program reads ---------------------------------------------------------------

SAFETY_NET = 600  # seconds: a run ends on its own (tests wait for its exit); only a hang ever meets this
MEMORY_CAP = 1536 * 1024 * 1024  # bytes of address space: reading a 3 GB file whole fails at once


def _capped_cli(*args: str) -> tuple[int, str, str]:
    """``python -m ivig_handout ARGS`` in a child process with its memory capped (stdin /dev/null)."""
    import resource
    import subprocess
    import sys

    from .common import SRC

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "ivig_handout", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=SAFETY_NET, check=False, preexec_fn=cap)
    return done.returncode, done.stdout, done.stderr


def test_a_passphrase_file_is_a_small_regular_file(tmp_path: Path) -> None:
    """``serve --passphrase-file``: a sparse 3 GB file (was read whole: unexpected MemoryError), a link
    to /dev/zero, /dev/zero itself or a FIFO: one error line naming the file, before the server starts."""
    sparse, zero, fifo = tmp_path / "sparse.txt", tmp_path / "zero.txt", tmp_path / "fifo.txt"
    sparse.write_bytes(b"correct horse battery\n")
    os.truncate(sparse, 3 * 1024**3)
    zero.symlink_to("/dev/zero")
    os.mkfifo(fifo)
    cases = [(sparse, f"file is {3 * 1024**3:,} bytes; the limit is 65,536"),
             (zero, "is not a regular file but a character device"),
             (Path("/dev/zero"), "is not a regular file but a character device"),
             (fifo, "is not a regular file but a named pipe (FIFO)")]
    for path, words in cases:
        code, out, err = _capped_cli("serve", "--port", "1", "--passphrase-file", str(path))
        assert one_error(code, err).startswith(f"error: --passphrase-file: {path}: {words}"), err
        assert "front-desk page is at" not in out


def test_stream_regular_yields_bounded_chunks_of_a_regular_file_only(tmp_path: Path) -> None:
    """The streaming reader (hashing): chunks of at most 1 MB adding up to the file; a FIFO, a device
    or a file over the limit refused before any chunk; a /proc file past the limit refused as it is read."""
    from ivig_handout.inputs.files import stream_regular

    data = os.urandom(3 * 1024 * 1024 + 5)
    (tmp_path / "big").write_bytes(data)
    chunks = list(stream_regular(tmp_path / "big", len(data)))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= 1 << 20
    os.mkfifo(tmp_path / "fifo")
    for path, kind in ((tmp_path / "fifo", "special"), (Path("/dev/zero"), "special"), (tmp_path / "big", "too-big")):
        with deadline(10), pytest.raises(FileRefusedError) as info:
            next(stream_regular(path, len(data) - 1 if kind == "too-big" else len(data)))
        assert info.value.kind == kind
    with pytest.raises(FileRefusedError) as info:
        b"".join(stream_regular("/proc/self/maps", 16))
    assert info.value.kind == "too-big"


def test_hashing_a_folder_never_opens_a_fifo_or_reads_a_device(tmp_path: Path) -> None:
    """freshness hashes the program's files (and a content pack's, a profile's and its logo) with the
    bounded reader: a FIFO (was: a blocking open) or a link to /dev/zero (was: read for ever) among them
    is hashed as not a file; a regular file by its bytes."""
    import hashlib

    from ivig_handout.inputs import digests as freshness

    (tmp_path / "a.py").write_text("x = 1\n")
    os.mkfifo(tmp_path / "b.py")
    (tmp_path / "c.py").symlink_to("/dev/zero")
    digest = hashlib.sha256()
    with deadline(10):
        freshness._hash_tree(digest, tmp_path, (".py",))
    plain = hashlib.sha256()
    plain.update(b"a.py\0x = 1\n\0b.py\0\0missing\0c.py\0\0missing\0")
    assert digest.hexdigest() == plain.hexdigest()
    with deadline(10):
        assert freshness.files_digest([tmp_path / "b.py"]) == freshness.files_digest([tmp_path / "b.py"])


def test_a_logo_swapped_for_a_fifo_after_its_check_is_refused_when_drawn(tmp_path: Path) -> None:
    """The logo is read again when the page is drawn: a FIFO put in its place after the profile was
    checked is refused at once (was: a blocking open), not read; a regular logo draws as before."""
    from ivig_handout.render.profile import LogoImage

    logo = tmp_path / "logo.png"
    shutil.copyfile(Path(__file__).resolve().parents[2] / "examples" / "clinic-logo.png", logo)
    assert LogoImage(str(logo), (10, 10), (20.0, 20.0), mono=True)._image().getSize()[0] > 0
    logo.unlink()
    os.mkfifo(logo)
    for mono in (False, True):
        with deadline(10), pytest.raises(FileRefusedError, match="is not a regular file but a named pipe"):
            LogoImage(str(logo), (10, 10), (20.0, 20.0), mono)._image()


def test_printing_reads_the_manifest_as_a_bounded_regular_file(tmp_path: Path) -> None:
    """After a batch, printing reads its manifest again: a FIFO there (was: a blocking open) or a link to
    /dev/zero (was: read for ever) gives no files to print; a real manifest its records."""
    from ivig_handout.apps.printing import manifest_files
    from ivig_handout.batch.freshness import manifest_bytes

    (tmp_path / "manifest.json").write_bytes(manifest_bytes({"complete": True, "files": [{"file": "a.pdf"}]}))
    assert manifest_files(tmp_path) == [{"file": "a.pdf"}]
    (tmp_path / "manifest.json").unlink()
    os.mkfifo(tmp_path / "manifest.json")
    with deadline(10):
        assert manifest_files(tmp_path) == []
    (tmp_path / "manifest.json").unlink()
    (tmp_path / "manifest.json").symlink_to("/dev/zero")
    with deadline(10):
        assert manifest_files(tmp_path) == []
