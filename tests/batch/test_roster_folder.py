"""A roster's output folder over several runs: the files the last run's manifest owns (other patients'
names) are removed before a new run writes, a run killed with kill -9 leaves nothing unowned and the next
run says what was complete, and nothing the manifest does not list is ever touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..pdfcheck import page_texts
from .processes import COMMAND, ENV, WAIT, paused, started
from .test_batch import write_job

FIRST = [("Ann Lee", "gbs"), ("Bob Roe", "mg"), ("Cy Poe", "cidp")]
SECOND = [("Dee Fox", "mmn")]


def roster(folder: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    path = folder / name
    path.write_text("name,disorder\n" + "".join(f"{n},{d}\n" for n, d in rows), encoding="utf-8")
    return path


def batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND + ["batch", *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=WAIT, check=False)


def texts(out: Path, skip: tuple[str, ...] = ()) -> str:
    """The text of every PDF in the folder (but those in ``skip``)."""
    return " ".join(" ".join(page_texts(p.read_bytes())) for p in sorted(out.glob("*.pdf")) if p.name not in skip)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=WAIT)
    return proc.pid


def test_a_second_roster_run_removes_the_first_rosters_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = batch("--roster", str(roster(tmp_path, "monday.csv", FIRST)), "--out-dir", str(out), "--files",
                  cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Bob Roe" in texts(out)
    mine = {"notes.txt": b"the clinic's own notes", "row-0009-gbs-letter.pdf": b"%PDF- not listed anywhere"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    replaced = out / "row-0004-cidp-letter.pdf"  # listed, but no longer what the run wrote: not its to remove
    replaced.write_bytes(b"%PDF- a file someone put in its place")
    second = batch("--roster", str(roster(tmp_path, "tuesday.csv", SECOND)), "--out-dir", str(out), "--files",
                   cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("\n") <= 1 and "note:" not in second.stderr  # the first run ended normally
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", "roster-letter.pdf", "row-0002-mmn-letter.pdf", "row-0004-cidp-letter.pdf", *mine])
    text = texts(out, skip=("row-0009-gbs-letter.pdf", "row-0004-cidp-letter.pdf"))
    assert "Dee Fox" in text
    assert "Ann Lee" not in text and "Bob Roe" not in text
    assert all((out / name).read_bytes() == data for name, data in mine.items())
    assert replaced.read_bytes() == b"%PDF- a file someone put in its place"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in manifest["files"]] == ["row-0002-mmn-letter.pdf", "roster-letter.pdf"]
    assert manifest["complete"] is True and "planned" not in manifest


def test_a_roster_run_killed_mid_way_is_cleaned_and_reported_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    day = roster(tmp_path, "monday.csv", FIRST)
    with started("--roster", str(day), "--out-dir", str(out), "--files", pause="file-written", cwd=tmp_path) as proc:
        paused(proc, "the first row's file was written")
        proc.kill()  # kill -9
        proc.wait(timeout=WAIT)
    written = sorted(p.name for p in out.glob("row-*.pdf"))
    assert written and "Ann Lee" in texts(out)
    left = json.loads((out / "manifest.json").read_text(encoding="utf-8"))  # what it was about to write
    assert left["complete"] is False and left["files"] == []
    assert left["planned"] == [f"row-{i + 2:04d}-{d}-letter.pdf" for i, (_n, d) in enumerate(FIRST)] + [
        "roster-letter.pdf"]
    cut = len(list(out.glob(".*.part")))  # writes the kill cut off (it may have come in the middle of one)
    part = out / f".row-0003-mg-letter.pdf.{dead_pid()}.0a1b2c3d.part"  # and one more, to be sure
    part.write_bytes(b"%PDF-1.7 half a file")

    again = batch("--roster", str(roster(tmp_path, "tuesday.csv", SECOND)), "--out-dir", str(out), "--files",
                  cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    lines = again.stderr.splitlines()
    assert [line for line in lines if not line.startswith("recorded ")] == [
        (f"note: the last run into {out}/ was stopped before it finished: {len(written)} of its 4 files were "
        f"complete and {cut + 1} {'was' if cut == 0 else 'were'} cut off mid-write; they are removed before this "
        "run writes its own")]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "roster-letter.pdf", "row-0002-mmn-letter.pdf"]
    text = texts(out)
    assert "Dee Fox" in text and "Ann Lee" not in text


def test_a_print_run_killed_while_it_is_written_is_never_under_its_name(tmp_path: Path) -> None:
    """issue 25: a print run is streamed to disk as it is saved; kill -9 half way leaves its temporary
    file (never a half print run named roster-letter.pdf), which the next run removes and reports."""
    out = tmp_path / "out"
    day = roster(tmp_path, "monday.csv", FIRST)
    with started("--roster", str(day), "--out-dir", str(out), pause="print-run-writing", cwd=tmp_path) as proc:
        paused(proc, "the print run was part written")
        [part] = out.glob(".roster-letter.pdf.*.part")
        assert part.read_bytes().startswith(b"%PDF-") and b"%%EOF" not in part.read_bytes()
        assert oct(part.stat().st_mode & 0o777) == oct(0o600 & ~_umask())
        proc.kill()  # kill -9
        proc.wait(timeout=WAIT)
    assert not (out / "roster-letter.pdf").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["planned"] == ["roster-letter.pdf"]
    again = batch("--roster", str(roster(tmp_path, "tuesday.csv", SECOND)), "--out-dir", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 of its 1 files were complete and 1 was cut off mid-write" in again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "roster-letter.pdf"]
    assert "Dee Fox" in texts(out) and "Ann Lee" not in texts(out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_part_file_without_a_manifest_is_removed_and_said(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / f".roster-letter.pdf.{dead_pid()}.0a1b2c3d.part").write_bytes(b"%PDF-1.7 half a file")
    done = batch("--roster", str(roster(tmp_path, "day.csv", SECOND)), "--out-dir", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"note: removed 1 file that a stopped run left cut off mid-write in {out}/\n" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "roster-letter.pdf"]


def test_a_plain_batch_into_a_roster_folder_removes_the_rosters_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = batch("--roster", str(roster(tmp_path, "day.csv", FIRST)), "--out-dir", str(out), "--files",
                  cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    job = write_job(tmp_path / "job", documents=["gbs"], layouts=["letter"], output=str(out))
    done = batch(str(job), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ivig-gbs-letter.pdf", "manifest.json",
                                                     "print-run-letter.pdf"]
    assert "Ann Lee" not in texts(out)
    assert os.stat(out / "manifest.json").st_size > 0
