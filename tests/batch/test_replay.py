"""A run's kept files (batch/replay.py): the same batch into a new folder copies the files an earlier run
made, from beside the render cache, loading neither pydantic, ReportLab nor pikepdf; a damaged or stale
entry is a miss; the manifest is written as a run writes it (in place as it grows: runner.ManifestFile)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from ivig_handout.batch import replay
from ivig_handout.batch.runner import ManifestFile

from .processes import WAIT, paused, started
from .test_batch import COMMAND, ENV, assert_manifest_matches, manifest, write_job

HEAVY = ("pydantic", "pikepdf", "reportlab")


def _batch(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a new process, with -X importtime: its stderr names every module it imported."""
    env = {**ENV, "IVIG_HANDOUT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-X", "importtime", *COMMAND[1:], "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=WAIT, check=False)


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def _notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("import time:")]


def _same_files(a: Path, b: Path, same_job: bool = True) -> None:
    """The same PDFs, and manifests alike but for each file's time (and the checksum that covers it; and
    the run's ``inputs`` unless ``same_job``: a job file's output folder is one of them)."""
    names = sorted(p.name for p in a.glob("*.pdf"))
    assert names and names == sorted(p.name for p in b.glob("*.pdf"))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    first, second = manifest(a), manifest(b)
    assert [list(r) for r in first["files"]] == [list(r) for r in second["files"]]  # the same fields, in order
    for record in (*first["files"], *second["files"]):
        del record["mtime_ns"]
    del first["checksum"], second["checksum"]
    if not same_job:
        assert first.pop("inputs") != second.pop("inputs")
    assert first == second


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / replay.FOLDER).glob(f"*{replay.SUFFIX}"))


def test_the_same_run_into_a_new_folder_copies_the_kept_files_and_loads_nothing_heavy(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("--all", "--layouts", "letter,2up")
    first = _batch(*args, "--out-dir", "a", cache=cache, cwd=tmp_path)
    assert first.returncode == 0, _notes(first.stderr)
    assert len(_entries(cache)) == 1
    second = _batch(*args, "--out-dir", "b", cache=cache, cwd=tmp_path)
    assert second.returncode == 0, _notes(second.stderr)
    assert second.stdout == first.stdout.replace("a/", "b/")  # "wrote 28 files to b/; list in b/manifest.json"
    assert not _imported(second.stderr) & set(HEAVY), _imported(second.stderr) & set(HEAVY)
    assert HEAVY[0] in _imported(first.stderr)  # the first run did load them: the check can tell
    _same_files(tmp_path / "a", tmp_path / "b")
    data = assert_manifest_matches(tmp_path / "b")
    assert data["complete"] is True and data["total"] == len(data["files"]) == 28
    again = _batch(*args, "--out-dir", "b", cache=cache, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("up to date: b/ (28 files")


def test_a_job_into_another_folder_copies_too(tmp_path: Path) -> None:
    """A job file's output folder is not part of what its files are made from."""
    cache = tmp_path / "cache"
    jobs = [write_job(tmp_path / name, documents=["full", "gbs"], layouts=["letter", "booklet"],
                      output=f"../out-{name}") for name in ("one", "two")]
    first = _batch(str(jobs[0]), cache=cache, cwd=tmp_path)
    assert first.returncode == 0, _notes(first.stderr)
    second = _batch(str(jobs[1]), cache=cache, cwd=tmp_path)
    assert second.returncode == 0, _notes(second.stderr)
    assert not _imported(second.stderr) & set(HEAVY)
    _same_files(tmp_path / "out-one", tmp_path / "out-two", same_job=False)


def test_a_damaged_entry_is_a_miss_and_is_made_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    job = write_job(tmp_path / "j", documents=["gbs"], layouts=["letter"], output="../a")
    assert _batch(str(job), cache=cache, cwd=tmp_path).returncode == 0
    [entry] = _entries(cache)
    raw = bytearray(entry.read_bytes())
    raw[-200] ^= 0xFF  # a byte of the print run's PDF
    entry.write_bytes(bytes(raw))
    other = write_job(tmp_path / "k", documents=["gbs"], layouts=["letter"], output="../b")
    done = _batch(str(other), cache=cache, cwd=tmp_path)
    assert done.returncode == 0, _notes(done.stderr)
    assert HEAVY[0] in _imported(done.stderr)  # made again (from the render cache), not copied
    _same_files(tmp_path / "a", tmp_path / "b", same_job=False)
    [again] = _entries(cache)
    assert again.read_bytes() != bytes(raw)  # the damaged entry was replaced by a whole one
    key = again.name.removesuffix(replay.SUFFIX)
    stored = replay.load(cache, key)
    assert stored is not None and [r["file"] for r in stored.records] == ["ivig-gbs-letter.pdf",
                                                                          "print-run-letter.pdf"]
    assert stored.data[0] == (tmp_path / "a" / "ivig-gbs-letter.pdf").read_bytes()


def test_an_entry_past_the_contents_review_is_not_used(tmp_path: Path) -> None:
    """Its notes depend on the day: once the content needs a review note, the run is made in full."""
    records = [{"file": "ivig-gbs-letter.pdf", "document": "gbs", "layout": "letter", "pages": 1, "bytes": 3,
                "mtime_ns": 1, "sha256": hashlib.sha256(b"abc").hexdigest(),
                "input": "x" * 64}]
    replay.store(tmp_path, "k", records, [b"abc"], ["a note"], date(2026, 12, 7))
    stored = replay.load(tmp_path, "k", today=date(2026, 12, 7))
    assert stored is not None and stored.notices == ("a note",) and stored.data == (b"abc",)
    assert "mtime_ns" not in stored.records[0]
    assert replay.load(tmp_path, "other", today=date(2026, 12, 7)) is None  # another key: no file of it
    assert replay.load(tmp_path, "k", today=date(2026, 12, 7) + timedelta(days=1)) is None
    assert not _entries(tmp_path)  # removed


def test_the_kept_runs_notes_are_shown_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("--all", "--layouts", "letter")
    assert _batch(*args, "--out-dir", "a", cache=cache, cwd=tmp_path).returncode == 0
    [entry] = _entries(cache)
    key = entry.name.removesuffix(replay.SUFFIX)
    stored = replay.load(cache, key)
    assert stored is not None and stored.notices == ()
    head = json.loads(entry.read_bytes().partition(b"\n")[0])
    replay.store(cache, key, list(stored.records), list(stored.data), ["mmn: the notes box was left out"],
                 date.fromisoformat(head["fresh_until"]))
    done = _batch(*args, "--out-dir", "b", cache=cache, cwd=tmp_path)
    assert done.returncode == 0
    assert _notes(done.stderr) == ["note: mmn: the notes box was left out"]


def test_a_kill_9_while_copying_leaves_at_most_one_file_unlisted(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**ENV, "IVIG_HANDOUT_CACHE_DIR": str(cache)}
    args = ("--all", "--layouts", "letter", "--out-dir", str(tmp_path / "a"))
    assert subprocess.run([*COMMAND, "batch", *args], env=env, capture_output=True, timeout=WAIT,
                          check=False).returncode == 0
    out = tmp_path / "b"
    with started("--all", "--layouts", "letter", "--out-dir", str(out), pause="file-written", env=env) as proc:
        paused(proc, "the first file was listed")
        proc.kill()
        proc.wait(timeout=WAIT)
    data = assert_manifest_matches(out)  # the one file on disk is listed, and matches its record
    assert data["complete"] is False and len(data["files"]) == 1 and data["total"] == 14
    done = subprocess.run([*COMMAND, "batch", *args[:-1], str(out)], env=env, capture_output=True, text=True,
                          timeout=WAIT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 13 files") and ", 1 already up to date;" in done.stdout
    _same_files(tmp_path / "a", out)


def test_the_manifest_grows_in_place_and_is_replaced_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    file = ManifestFile(path)
    try:
        versions = [b'{"files": [1]}\n', b'{"files": [1, 2]}\n', b'{"files": [1, 2, 3]}\n']
        file.write(versions[0])
        inode = path.stat().st_ino
        for version in versions[1:]:
            file.write(version)
            assert path.read_bytes() == version and path.stat().st_ino == inode  # written in place
        for version in (b'{"files": [9, 2, 3, 4]}\n' + b" " * 2 * ManifestFile.PAGE,  # changes span pages
                        b'{"files": []}\n'):  # shorter
            file.write(version)
            assert path.read_bytes() == version and path.stat().st_ino != inode  # a new file renamed into place
            inode = path.stat().st_ino
        file.write(versions[0], sync=True)  # the last word of a run: whole, and synced
        assert path.read_bytes() == versions[0] and path.stat().st_ino != inode
    finally:
        file.close()
    assert not [p for p in tmp_path.iterdir() if p.name != "manifest.json"]
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_only_the_newest_entries_are_kept_and_old_temporary_files_go(tmp_path: Path) -> None:
    records = [{"file": "a.pdf", "document": "gbs", "layout": "letter", "pages": 1, "bytes": 1,
                "sha256": hashlib.sha256(b"x").hexdigest(), "input": "i"}]
    folder = tmp_path / replay.FOLDER
    folder.mkdir()
    (folder / ".old.part").write_bytes(b"half")
    (folder / ".new.part").write_bytes(b"being written")
    os.utime(folder / ".old.part", (0, 0))
    for i in range(replay.KEEP + 2):
        replay.store(tmp_path, f"key{i}", records, [b"x"], [], date(2099, 1, 1))
        used = 10**18 + i * 10**9  # each one used a second after the one before (whatever the clock's grain)
        os.utime(folder / f"key{i}{replay.SUFFIX}", ns=(used, used))
    assert [p.name for p in _entries(tmp_path)] == [f"key{i}{replay.SUFFIX}" for i in range(2, replay.KEEP + 2)]
    assert replay.load(tmp_path, "key5") is not None and replay.load(tmp_path, "key0") is None
    assert sorted(p.name for p in folder.glob(".*.part")) == [".new.part"]  # a live writer's file stays
