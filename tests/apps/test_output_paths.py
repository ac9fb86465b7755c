"""The command line writes only the output path: devices, FIFOs, symlinks and descriptors written
through or followed, ``-o -`` to stdout, the umask and a patient's privacy honoured, read-only files
and very long names refused in one line, and ``one-pager --all`` writing every file or none.

Real processes, pipes, a pseudo-terminal, FIFOs, device nodes (made with mknod in tmp_path: the
kernel's null and full devices, so that a regression cannot replace the machine's /dev/null).
"""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import ivig_handout
from ivig_handout.api import documents
from ivig_handout.apps.cli import main
from ivig_handout.plan.kinds import get_kind

from ..conftest import device, umask
from ..pdfcheck import page_texts, reader

CLI = [sys.executable, "-m", "ivig_handout"]
ENV = {**os.environ, "PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}  # the code under test


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and len(lines[0]) < 400, lines[0]
    return lines[0]


def pages(data: bytes) -> int:
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(reader(data).pages)



# --- standard output -----------------------------------------------------------------------------


def test_dash_writes_the_pdf_to_stdout_and_nothing_else(tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "build", "-o", "-"], cwd=tmp_path, capture_output=True, check=False, env=ENV)
    assert done.returncode == 0, done.stderr
    assert pages(done.stdout) == 4  # stdout is the PDF, whole, and only the PDF
    assert "Immunoglobulin" in page_texts(done.stdout)[0]
    assert done.stderr.decode().strip().splitlines()[-1] == "wrote standard output (4 pages, letter)"
    assert list(tmp_path.iterdir()) == []  # no file, no out/ folder


def test_one_pager_dash_writes_stdout(tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "one-pager", "gbs", "-o", "-"], cwd=tmp_path, capture_output=True, check=False, env=ENV)
    assert done.returncode == 0, done.stderr
    assert pages(done.stdout) == 1
    assert "Guillain" in page_texts(done.stdout)[0]
    assert list(tmp_path.iterdir()) == []


def test_dash_to_a_terminal_refused(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    try:
        done = subprocess.run([*CLI, "build", "-o", "-"], cwd=tmp_path, stdout=slave, stderr=subprocess.PIPE,
                              check=False, timeout=120, env=ENV)
        os.close(slave)
        shown = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    assert done.returncode == 1
    assert "standard output is a terminal" in one_error_line(done.stderr.decode())
    assert b"%PDF" not in shown


def test_dash_into_a_closed_pipe_is_one_error(tmp_path: Path) -> None:
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the PDF is ready (like `| head -c 0`)
    try:
        done = subprocess.run([*CLI, "build", "-o", "-"], cwd=tmp_path, stdout=w, stderr=subprocess.PIPE,
                              check=False, timeout=120, env=ENV)
    finally:
        os.close(w)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "standard output: could not be written" in one_error_line(err)
    assert "Traceback" not in err and "Exception ignored" not in err


def test_a_link_to_the_stdout_descriptor_is_written_through(tmp_path: Path) -> None:
    """``-o /dev/stdout`` (a link to /proc/self/fd/1): the PDF goes down stdout, and the "wrote"
    line goes to stderr so as not to spoil it."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    done = subprocess.run([*CLI, "build", "-o", str(link)], cwd=tmp_path, capture_output=True, check=False, env=ENV)
    assert done.returncode == 0, done.stderr
    assert pages(done.stdout) == 4
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert f"wrote {link} (4 pages, letter)" in done.stderr.decode()


def test_stdout_redirected_to_a_file_through_the_descriptor(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    with open(out, "wb") as fh:
        done = subprocess.run([*CLI, "build", "-o", str(link)], cwd=tmp_path, stdout=fh, stderr=subprocess.PIPE,
                              check=False, env=ENV)
    assert done.returncode == 0, done.stderr
    assert pages(out.read_bytes()) == 4  # the PDF from its first byte: no "wrote" line inside it


# --- devices, FIFOs, symlinks ----------------------------------------------------------------------


def test_build_to_the_null_device_keeps_the_device(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 3)
    code, out, err = run("build", "-o", str(null))
    assert code == 0, err
    assert out.strip() == f"wrote {null} (4 pages, letter)"
    st = null.lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_build_to_the_full_device_is_one_error(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 7)
    code, _, err = run("build", "-o", str(full))
    assert code == 1
    assert "the disk is full" in one_error_line(err)
    assert stat.S_ISCHR(full.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_build_to_a_fifo_feeds_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "print-queue"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    thread.start()
    code, _, err = run("build", "--layout", "a4", "-o", str(fifo))
    thread.join(30)
    assert code == 0, err
    assert pages(got[0]) == 4
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_build_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "sheet.pdf"
    target.write_bytes(b"old")
    link = tmp_path / "latest.pdf"
    link.symlink_to("shared/sheet.pdf")
    code, _, err = run("one-pager", "mg", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "shared/sheet.pdf"
    assert pages(target.read_bytes()) == 1
    assert [p.name for p in (tmp_path / "shared").iterdir()] == ["sheet.pdf"]


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_umask_and_patient_privacy(tmp_path: Path, mask: int) -> None:
    with umask(mask):
        code, _, err = run("build", "-o", str(tmp_path / "plain.pdf"))
        assert code == 0, err
        code, _, err = run("build", "--patient-name", "Jane Q. Example", "-o", str(tmp_path / "named.pdf"))
        assert code == 0, err
    assert stat.S_IMODE((tmp_path / "plain.pdf").stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "named.pdf").stat().st_mode) == 0o600 & ~mask
    assert "Jane Q. Example" in page_texts((tmp_path / "named.pdf").read_bytes())[0]


def test_patient_file_replacing_a_readable_one_is_private(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    with umask(0o022):
        code, _, err = run("build", "--patient-name", "Jane Q. Example", "-o", str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_read_only_target_refused(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"%PDF-keep")
    target.chmod(0o444)
    code, out, err = run("build", "-o", str(target))
    assert code == 1 and out == ""
    assert "is read-only" in one_error_line(err)
    assert target.read_bytes() == b"%PDF-keep" and stat.S_IMODE(target.stat().st_mode) == 0o444


# --- very long names -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["build", "-o"], ["one-pager", "gbs", "-o"]])
@pytest.mark.parametrize("name", ["a" * 300 + ".pdf", "/".join(["a" * 200] * 25) + "/x.pdf"])
def test_output_name_too_long(tmp_path: Path, command: list[str], name: str) -> None:
    code, out, err = run(*command, str(tmp_path / name))
    assert code == 1 and out == ""
    assert "too long" in one_error_line(err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("folder", ["o" * 300, "/".join(["o" * 200] * 25)])
def test_out_dir_too_long(tmp_path: Path, folder: str) -> None:
    code, out, err = run("one-pager", "--all", "--out-dir", str(tmp_path / folder))
    assert code == 1 and out == ""
    assert "too long" in one_error_line(err)
    assert list(tmp_path.iterdir()) == []


# --- one-pager --all: every file or none -------------------------------------------------------------


def test_one_pager_all_writes_every_file_or_none(tmp_path: Path) -> None:
    kind = get_kind("one-pager")
    names = [kind.file_name(doc, "letter") for doc in documents(None, "one-pager")]
    assert len(names) > 4
    out = tmp_path / "out"
    out.mkdir()
    old = {name: f"%PDF-earlier-{name}".encode() for name in names}
    for name, data in old.items():
        (out / name).write_bytes(data)
    blocker = names[3]
    (out / blocker).unlink()
    (out / blocker).mkdir()  # a folder named like the fourth file
    del old[blocker]

    code, out_text, err = run("one-pager", "--all", "--out-dir", str(out))
    assert code == 1 and out_text == ""
    assert f"{blocker}: is a folder" in one_error_line(err)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == old  # the earlier set, untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # and nothing else (no .part)

    (out / blocker).rmdir()
    code, out_text, err = run("one-pager", "--all", "--out-dir", str(out))
    assert code == 0, err
    assert out_text.splitlines() == [f"wrote {out / name} (1 page, letter)" for name in names]
    assert all(pages((out / name).read_bytes()) == 1 for name in names)
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
