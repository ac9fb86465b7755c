"""Batches survive interruption and each other: kill -9, SIGTERM and SIGHUP of a real batch process (its
workers end with it, the manifest lists what is complete, a re-run finishes the job), stale temporary
files, and two real batches into one folder (a lock on the folder; the one that waits names the holder).

Every test acts at a known point of the batch, never after a guessed delay: the batch stops itself there
(IVIG_HANDOUT_TEST_PAUSE, batch/pauses.py), the test waits for that stop (waitid), acts, and continues it."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ivig_handout.batch.runner import run, spec_from_file
from ivig_handout.errors import OutputError

from ..pdfcheck import page_texts
from .processes import WAIT, paused, resume, started
from .test_batch import (
    COMMAND,
    ENV,
    assert_manifest_matches,
    edit,
    pack_copy,
    slow_pack,
    stats,
    write_job,
)


@pytest.fixture(autouse=True)
def empty_render_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's batches start with an empty render cache of their own, so the slow pack really renders
    in worker processes (with its pages cached by an earlier test, a batch only copies and forks nothing)."""
    monkeypatch.setitem(ENV, "IVIG_HANDOUT_CACHE_DIR", str(tmp_path / "render-cache"))


def slow_job(tmp_path: Path, layouts: tuple[str, ...] = ("letter", "a4")) -> tuple[Path, Path]:
    """Every document (14) in each layout from a slow pack; (job file, output folder). One-pagers are
    quick and are made alongside the long full sheets: files are listed while a full sheet is in the works."""
    slow_pack(tmp_path)
    job = write_job(tmp_path, documents=["all"], layouts=list(layouts), output="o", content="pack")
    return job, tmp_path / "o"


def finish(job: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND + ["batch", str(job)], capture_output=True, text=True, env=ENV, timeout=WAIT,
                          check=False)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc: the batch's pool workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has exited: it only waits for its new parent to reap it)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def assert_workers_end(workers: list[int]) -> None:
    """Each worker ends (waited for through a pidfd, which becomes readable when the process has ended;
    bounded by WAIT)."""
    if len(os.sched_getaffinity(0)) > 1:  # one core: the batch renders in its own process
        assert workers, "the batch had no worker processes to check"
    for worker in workers:
        try:
            fd = os.pidfd_open(worker)
        except ProcessLookupError:
            continue  # ended and reaped
        try:
            assert select.select([fd], [], [], WAIT)[0], f"worker process {worker} outlived the batch"
        finally:
            os.close(fd)
    assert not [w for w in workers if running(w)], "worker processes outlived the batch"


def part_files(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.endswith(".part")]


def assert_rerun_finishes(job: Path, out: Path, data: dict) -> None:  # type: ignore[type-arg]
    """A re-run writes only the files the manifest did not list, keeps those it did, and completes."""
    before = stats(out)
    done = finish(job)
    assert done.returncode == 0, done.stderr
    kept = [f["file"] for f in data["files"]]
    assert done.stdout.startswith(f"wrote {data['total'] - len(kept)} files")
    assert f", {len(kept)} already up to date;" in done.stdout
    after = stats(out)
    assert all(after[name] == before[name] for name in kept)
    final = assert_manifest_matches(out)
    assert final["complete"] is True and len(final["files"]) == final["total"] == data["total"]


# --- kill -9 ---------------------------------------------------------------------------------------

def test_kill_9_ends_the_workers_and_leaves_a_manifest_of_what_is_complete(tmp_path: Path) -> None:
    job, out = slow_job(tmp_path)
    with started(str(job), pause="file-written") as proc:
        paused(proc, "the first file was listed")
        workers = children(proc.pid)
        proc.kill()
        proc.wait(timeout=WAIT)
    assert_workers_end(workers)
    data = assert_manifest_matches(out, every_pdf=False, parts=True)  # every record matches its file
    assert data["complete"] is False and data["total"] == 2 * 14
    on_disk = {p.name for p in out.glob("*.pdf")}
    assert {f["file"] for f in data["files"]} <= on_disk
    assert len(data["files"]) >= 1
    assert len(on_disk) - len(data["files"]) <= 1  # at most the file being written when it was killed
    assert_rerun_finishes(job, out, data)
    assert not part_files(out)  # a temporary file the kill left behind is gone


# --- SIGTERM and SIGHUP: stop between files, like Ctrl-C -------------------------------------------

@pytest.mark.parametrize("target", ["process", "group"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_between_files(tmp_path: Path, signum: int, code: int, target: str) -> None:
    """To the batch alone (kill PID) or to its whole process group (a closed terminal, a service stop:
    the workers get it too)."""
    job, out = slow_job(tmp_path)
    with started(str(job), pause="file-written", start_new_session=True) as proc:
        paused(proc, "the first file was listed")
        workers = children(proc.pid)
        if target == "group":
            os.killpg(proc.pid, signum)  # the workers end at once; the batch takes it when it continues
        else:
            proc.send_signal(signum)
        resume(proc)
        stdout, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == code, stderr
    assert stderr.startswith("interrupted: ") and len(stderr.strip().splitlines()) == 1, stderr
    assert_workers_end(workers)
    data = assert_manifest_matches(out)  # exactly the complete files, no temporary files
    assert data["complete"] is False and 1 <= len(data["files"]) < data["total"]
    assert_rerun_finishes(job, out, data)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_while_waiting_for_the_folder_ends_the_run_at_once(tmp_path: Path, signum: int, code: int) -> None:
    """Before any file is made (here: waiting for a folder another process has locked) a stop signal ends
    the run at once, with one line and nothing written."""
    job = write_job(tmp_path, documents=["gbs"], layouts=["letter"], output="o")
    out = tmp_path / "o"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a real lock held by this test process
        with started(str(job), pause="folder-wait") as proc:
            paused(proc, "the folder was found locked")  # its wait for the folder starts when it goes on
            proc.send_signal(signum)
            resume(proc)
            _, stderr = proc.communicate(timeout=WAIT)
    finally:
        os.close(fd)
    assert proc.returncode == code, stderr
    assert stderr == "interrupted before any file was written\n"
    assert list(out.iterdir()) == []


def test_a_hang_up_that_was_ignored_stays_ignored(tmp_path: Path) -> None:
    """Started with SIGHUP ignored (nohup): a hang-up changes nothing, the run finishes."""
    job, out = slow_job(tmp_path)
    nohup = lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)  # noqa: E731
    with started(str(job), pause="file-written", preexec_fn=nohup) as proc:
        paused(proc, "the first file was listed")
        proc.send_signal(signal.SIGHUP)
        resume(proc)
        stdout, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, stderr
    assert stdout.startswith("wrote 28 files")
    assert assert_manifest_matches(out)["complete"] is True


# --- stale temporary files -------------------------------------------------------------------------

def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=WAIT)
    return proc.pid


def test_stale_temporary_files_are_removed_live_ones_kept(tmp_path: Path) -> None:
    job = write_job(tmp_path, documents=["gbs"], layouts=["letter"], output="o")
    assert finish(job).returncode == 0
    out = tmp_path / "o"
    dead = dead_pid()
    stale = [f".ivig-gbs-letter.pdf.{dead}.k3j2h1g0.part", f".manifest.json.{dead}.a1b2c3d4.part"]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as writer:
        try:
            live = f".ivig-gbs-letter.pdf.{writer.pid}.z9y8x7w6.part"  # a writer that is still at work
            other = ["notes.123.abc.part", ".notes.part"]  # not temporary files of ours: never touched
            for name in [*stale, live, *other]:
                (out / name).write_bytes(b"%PDF-1.4 half a file")
            done = finish(job)
            assert done.returncode == 0 and done.stdout.startswith("up to date"), done.stderr
            assert sorted(part_files(out)) == sorted([live, *other])
        finally:
            writer.kill()
    writer.wait(timeout=WAIT)
    assert finish(job).returncode == 0
    assert sorted(part_files(out)) == sorted(other)


# --- two batches, one folder ------------------------------------------------------------------------

def two_jobs(tmp_path: Path, out: Path) -> tuple[Path, Path]:
    """Two jobs that write the same file names into ``out`` with different text (their packs differ)."""
    jobs = []
    for name, treat in (("a", "problems"), ("b", "several problems")):
        folder = tmp_path / name
        pack = pack_copy(folder)
        edit(pack, "IVIg often is used to treat problems", f"IVIg often is used to treat {treat}")
        jobs.append(write_job(folder, documents=["full", "mg", "gbs", "cidp"], layouts=["letter", "a4"],
                              output=str(out), content="pack"))
    return jobs[0], jobs[1]


def test_two_batches_into_one_folder_take_turns(tmp_path: Path) -> None:
    """The second batch finds the folder locked mid-run of the first, waits, and then runs: the folder
    holds the second's files, whole, and its manifest."""
    out = tmp_path / "shared"
    job_a, job_b = two_jobs(tmp_path, out)
    with started(str(job_a), pause="file-written") as first:
        paused(first, "the first batch wrote a file")  # it holds the folder from here on
        with started(str(job_b), pause="folder-wait") as second:
            paused(second, "the second batch found the folder locked")
            resume(first)
            results = [first.communicate(timeout=WAIT)]
            resume(second)
            results.append(second.communicate(timeout=WAIT))
    assert [first.returncode, second.returncode] == [0, 0], results
    assert results[1][0].startswith("wrote 10 files"), results
    data = assert_manifest_matches(out)  # every file is the one its record describes
    assert data["complete"] is True
    mg = " ".join(page_texts((out / "ivig-mg-letter.pdf").read_bytes()))
    assert "treat several problems" in mg  # the second's text
    assert finish(job_b).stdout.startswith("up to date")  # the manifest is all of the last run's
    redo = finish(job_a)
    assert redo.returncode == 0 and redo.stdout.startswith("wrote 10 files"), redo.stdout
    assert assert_manifest_matches(out)["complete"] is True


def test_a_batch_waits_for_the_folder_then_names_who_holds_it(tmp_path: Path) -> None:
    """A real batch holds the folder (paused mid-run, so it holds it as long as needed); another
    run into it waits (0.5 s here, 10 s from the command line), then gives up with one line naming the
    holder's pid and command, having touched nothing."""
    job, out = slow_job(tmp_path / "slow")
    other = write_job(tmp_path / "other", documents=["gbs"], layouts=["letter"], output=str(out))
    with started(str(job), pause="file-written") as holder:
        try:
            paused(holder, "the first file was listed")
            before = stats(out)
            began = time.monotonic()
            with pytest.raises(OutputError) as caught:
                run(spec_from_file(other), lock_wait=0.5)
            waited = time.monotonic() - began
            assert stats(out) == before
        finally:
            resume(holder)
        _, stderr = holder.communicate(timeout=WAIT)
    assert holder.returncode == 0, stderr
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"{out}: another batch is writing into this folder (pid {holder.pid}: ")
    assert f"-m ivig_handout batch {job}); let it finish, or give another output folder" in message
    assert waited >= 0.5  # it did wait (how much longer depends on the machine's load: not checked)
    assert assert_manifest_matches(out)["complete"] is True  # the holder finished undisturbed
    done = finish(other)  # the folder is free again
    assert done.returncode == 0 and done.stdout.startswith("wrote 2 files"), done.stderr
