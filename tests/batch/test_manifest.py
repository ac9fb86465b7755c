"""A batch trusts manifest.json only as far as the files bear it out: edited, truncated, oversized or
hostile manifests, files deleted, changed or touched; a folder (or FIFO) named like an output file; an
output folder inside the content pack; two documents that would share a file name."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.batch.freshness import CONTENT_FILES, MANIFEST_LIMIT
from ivig_handout.batch.jobs import Job
from ivig_handout.batch.runner import Batch, spec_from_file
from ivig_handout.design.layouts import get_layout
from ivig_handout.errors import IvigError
from ivig_handout.inputs.content import FILES
from ivig_handout.inputs.model import Handout

from ..pdfcheck import page_texts
from .test_batch import COMMAND, ENV, assert_manifest_matches, edit, pack_copy, stats, write_job

WAIT = 120  # seconds: the bound on every batch process


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def batch(job: Path, fresh: bool = False) -> Done:
    """The command on a job file: in this process, or (``fresh``: where a regression could hang, on a FIFO
    or a device) in a fresh one, bounded by a timeout."""
    if fresh:
        done = subprocess.run(COMMAND + ["batch", str(job)], capture_output=True, text=True, env=ENV,
                              timeout=WAIT, check=False)
        return Done(done.returncode, done.stdout, done.stderr)
    result = CliRunner().invoke(main, ["batch", str(job)])
    return Done(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """full and gbs on Letter (3 files with the print run), made once for the module."""
    folder = tmp_path_factory.mktemp("made")
    job = write_job(folder, documents=["full", "gbs"], layouts=["letter"], output="o")
    done = batch(job)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def made(template: Path, tmp_path: Path) -> tuple[Path, Path, dict]:  # type: ignore[type-arg]
    """A copy of the template's job and folder (modification times kept): (job, output folder, manifest)."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    out = tmp_path / "o"
    data = assert_manifest_matches(out)
    assert data["complete"] is True and data["total"] == len(data["files"]) == 3
    assert batch(tmp_path / "job.yaml").stdout.startswith("up to date")  # the copy is as good as the original
    return tmp_path / "job.yaml", out, data


def rewrite(out: Path, data: dict) -> None:  # type: ignore[type-arg]
    (out / "manifest.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


GBS = "ivig-gbs-letter.pdf"


# --- the manifest says less than the folder holds -------------------------------------------------

@pytest.mark.parametrize("how", ["record removed", "record and count removed", "record removed, file deleted"])
def test_a_manifest_that_lists_only_some_files_is_not_up_to_date(made, how: str) -> None:  # type: ignore[no-untyped-def]
    """Hand-edited (or an older run's) manifest still saying complete: the re-run remakes what it does not
    list, keeps the rest, and writes a manifest of every file."""
    job, out, data = made
    before = stats(out)
    data["files"] = [f for f in data["files"] if f["file"] != GBS]
    if "count" in how:
        data["total"] = 2
    if "deleted" in how:
        (out / GBS).unlink()
    rewrite(out, data)
    done = batch(job)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 1 files") and ", 2 already up to date;" in done.stdout, done.stdout
    after = stats(out)
    assert after[GBS] != before.get(GBS)  # written again
    assert all(after[f["file"]] == before[f["file"]] for f in data["files"])  # the others kept
    final = assert_manifest_matches(out)
    assert final["complete"] is True and [f["file"] for f in final["files"]] == [
        "ivig-information-sheet-letter.pdf", GBS, "print-run-letter.pdf"]


@pytest.mark.parametrize("how", ["deleted", "other bytes, same size and time", "touched", "truncated"])
def test_a_listed_file_that_changed_is_made_again(made, how: str) -> None:  # type: ignore[no-untyped-def]
    job, out, data = made
    path = out / GBS
    original = path.read_bytes()
    status = path.stat()
    if how == "deleted":
        path.unlink()
    elif how == "touched":  # same bytes, a later modification time: not the file the run wrote
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    elif how == "truncated":
        path.write_bytes(original[: len(original) // 2])
    else:
        changed = bytearray(original)
        changed[len(changed) // 2] ^= 0x01
        path.write_bytes(bytes(changed))
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # only the sha256 can tell
    done = batch(job)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 1 files") and ", 2 already up to date;" in done.stdout, done.stdout
    assert path.read_bytes() == original  # made again, the same bytes
    assert assert_manifest_matches(out)["complete"] is True


# --- a manifest that cannot be read, or is not a file ------------------------------------------------

BROKEN = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "not JSON": lambda p: p.write_bytes(b"\x00\xff not json"),
    "a list": lambda p: p.write_text("[1, 2, 3]"),
    "deeply nested": lambda p: p.write_text("[" * 200_000 + "]" * 200_000),
    "deeply nested files": lambda p: p.write_text('{"files": ' + "[" * 200_000 + "]" * 200_000 + "}"),
    "over the size limit": lambda p: os.truncate(p, MANIFEST_LIMIT + 1),
    "records of the wrong type": lambda p: p.write_text(json.dumps(
        {"complete": True, "files": [{"file": GBS, "bytes": "many", "sha256": 5, "mtime_ns": None}, 7,
                                     {"file": "../escape.pdf"}]})),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_manifest_is_no_manifest(made, name: str) -> None:  # type: ignore[no-untyped-def]
    """No traceback, no hang, nothing trusted: everything is made again and the manifest is whole again."""
    job, out, _ = made
    BROKEN[name](out / "manifest.json")
    done = batch(job)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 3 files"), done.stdout
    assert done.stderr == ""
    assert assert_manifest_matches(out)["complete"] is True
    assert not (out.parent / "escape.pdf").exists()


@pytest.mark.parametrize("kind", ["folder", "FIFO", "symlink to /dev/zero"])
def test_a_manifest_that_is_not_a_file_is_refused_before_rendering(made, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Never read (a FIFO would hang, /dev/zero never ends), never renamed over: one line, exit 1."""
    job, out, _ = made
    path = out / "manifest.json"
    path.unlink()
    (out / GBS).unlink()  # so the run has work to do
    if kind == "folder":
        path.mkdir()
    elif kind == "FIFO":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    done = batch(job, fresh=True)
    assert done.returncode == 1
    word = {"folder": "a folder", "FIFO": "a FIFO (named pipe)", "symlink to /dev/zero": "a device"}[kind]
    assert done.stderr == (f"error: {path}: there is {word} of this name, not a file; move it out of the way "
                           "(the batch writes its manifest there)\n")
    assert not (out / GBS).exists()
    assert path.is_symlink() if kind.startswith("symlink") else not path.is_symlink()


# --- a folder or FIFO named like an output file ------------------------------------------------------

@pytest.mark.parametrize("kind", ["folder", "FIFO"])
def test_a_folder_named_like_an_output_file_fails_that_file_only(tmp_path: Path, kind: str) -> None:
    job = write_job(tmp_path, documents=["full", "gbs", "mg"], layouts=["letter"], output="o")
    out = tmp_path / "o"
    out.mkdir()
    if kind == "folder":
        (out / GBS).mkdir()
        (out / GBS / "keep.txt").write_text("mine")
    else:
        os.mkfifo(out / GBS)
    done = batch(job, fresh=True)
    assert done.returncode == 1
    word = "a folder" if kind == "folder" else "a FIFO (named pipe)"
    assert done.stderr.splitlines() == [
        (f"error: {GBS}: there is {word} of this name, not a file; move it out of the way, then run the same "
         "command again"),
        "error: print-run-letter.pdf: not made because 1 of its handouts failed (see above)",
        "error: 2 of 4 files could not be made (see above)",
    ]
    assert done.stdout.startswith("wrote 2 files")
    data = assert_manifest_matches(out, every_pdf=False)
    assert [f["file"] for f in data["files"]] == ["ivig-information-sheet-letter.pdf", "ivig-mg-letter.pdf"]
    assert data["complete"] is False
    if kind == "folder":
        assert (out / GBS / "keep.txt").read_text() == "mine"
        shutil.rmtree(out / GBS)
    else:
        assert (out / GBS).is_fifo()
        (out / GBS).unlink()
    finish = batch(job)  # out of the way: the re-run makes the two missing files only
    assert finish.returncode == 0, finish.stderr
    assert finish.stdout.startswith("wrote 2 files") and ", 2 already up to date;" in finish.stdout
    assert assert_manifest_matches(out)["complete"] is True


# --- an output folder inside the content pack -------------------------------------------------------

def test_output_folder_inside_the_content_pack(tmp_path: Path) -> None:
    """Only the pack's own files are its inputs: the PDFs (and anything else) beside them change nothing."""
    pack = pack_copy(tmp_path)
    job = write_job(tmp_path, documents=["gbs"], layouts=["letter"], output="pack/prints", content="pack")
    out = pack / "prints"
    assert batch(job).returncode == 0
    before = stats(out)
    (pack / "notes.txt").write_text("printed on Monday")
    again = batch(job)
    assert again.returncode == 0 and again.stdout == f"up to date: {out}/ (2 files; nothing written)\n"
    assert stats(out) == before
    edit(pack, "IVIg often is used to treat problems", "IVIg often is used to treat several problems")
    edited = batch(job)
    assert edited.returncode == 0 and edited.stdout.startswith("wrote 2 files")
    assert "treat several problems" in " ".join(page_texts((out / GBS).read_bytes()))
    assert assert_manifest_matches(out)["complete"] is True


def test_content_files_are_the_packs_files() -> None:
    """freshness keeps its own list (it must not import pydantic): the same files as inputs.content."""
    assert CONTENT_FILES == tuple(FILES.values())


# --- two documents, one file name ----------------------------------------------------------------------

def test_two_documents_that_would_share_a_file_name_are_refused_before_rendering(tmp_path: Path,
                                                                                handout: Handout) -> None:
    """The content rules keep ids from clashing; the runner refuses on its own all the same (here ids that
    differ only in case: one file on a case-insensitive disk), before any folder or file is made."""
    job_file = write_job(tmp_path, documents=["gbs"], layouts=["letter"], output="o")
    spec = spec_from_file(job_file)
    job = Job(("gbs", "GBS"), (get_layout("letter"),), 1, tmp_path / "o", None)
    with pytest.raises(IvigError) as caught:
        Batch(job, handout, spec, "", False, None)
    assert str(caught.value) == ("'gbs' and 'GBS' would both be written to ivig-GBS-letter.pdf; give one of them "
                                 "another id (nothing was written)")
    assert not (tmp_path / "o").exists()


def test_the_manifest_records_how_many_files_the_run_makes_and_is_sealed(made) -> None:  # type: ignore[no-untyped-def]
    """``total`` and a ``checksum`` of the text before it: a manifest rewritten in any way (here only
    re-indented) is not trusted as complete; the re-run checks every file against its record, keeps
    them all, and writes a sealed manifest again."""
    job, out, data = made
    raw = (out / "manifest.json").read_bytes()
    body = raw[: raw.rindex(b',\n  "checksum": "')]
    assert data["total"] == 3 and data["checksum"] == hashlib.sha256(body).hexdigest()
    before = stats(out)
    (out / "manifest.json").write_text(json.dumps(data, indent=4), encoding="utf-8")
    done = batch(job)
    assert done.returncode == 0 and done.stdout.startswith("wrote 0 files") and ", 3 already up to date;" in done.stdout
    assert all(stats(out)[name] == before[name] for name in before if name != "manifest.json")
    assert (out / "manifest.json").read_bytes() == raw
