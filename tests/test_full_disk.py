"""The education record and the online copy on a full disk: a real one, not a mocked write. Each case runs in a child process
whose files may not grow past a size (RLIMIT_FSIZE, SIGXFSZ ignored: a write past it fails with EFBIG,
as a write to a full disk fails with ENOSPC, the first one part way). Nothing is half-written, nothing
is counted twice or lost without a word, and the error says what happened."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ivig_handout.export.sinks.record_held import HELD_NAME, held, hold

from .export.test_record import a_given
from .render.test_clinic import EXAMPLE

TIMEOUT = 120  # seconds: a hang fails the test (the work takes about 2 s)


def _limited(size: int):  # type: ignore[no-untyped-def]
    def limit() -> None:  # in the child, before it runs
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A data folder of the test's own (the children inherit it)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def _data_folder() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "ivig-handout"


def test_handouts_kept_for_later_stay_whole_when_the_disk_fills(tmp_path: Path) -> None:
    """hold() adds rows to not-recorded.jsonl whole or not at all: when the file cannot grow, it is left
    byte for byte as it was (an append cut short kept some rows and a broken line that stopped `record
    pending` for all of them), with an error naming the file, and no temporary file is left."""
    hold([a_given(document="gbs"), a_given(document="mg")], "record.sqlite3")
    path = _data_folder() / HELD_NAME
    before = path.read_bytes()
    row = json.dumps({"document": "cidp", "kind": "one-pager", "layout": "letter", "copies": 1, "sha256": "cd" * 32,
                      "edition": "c3ad53", "source_year": 2012})
    code = ("import json, sys\n"
            "from ivig_handout.errors import OutputError\n"
            "from ivig_handout.export.sinks.record import Given\n"
            "from ivig_handout.export.sinks.record_held import hold\n"
            "try:\n"
            f"    hold([Given(**json.loads({row!r}))] * 400, 'record.sqlite3')\n"
            "except OutputError as exc:\n"
            "    print(exc)\n"
            "    sys.exit(1)\n")
    done = subprocess.run([sys.executable, "-c", code], preexec_fn=_limited(len(before) + 4096), capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stdout == (f"{path}: could not be written (the file is larger than this disk or account allows); "
                           "nothing was changed\n")
    assert path.read_bytes() == before
    assert [e.document for e in held()] == ["gbs", "mg"]
    assert sorted(p.name for p in path.parent.iterdir()) == [HELD_NAME, f"{HELD_NAME}.lock"]



def test_a_pipe_in_place_of_the_waiting_rows_is_refused_not_waited_on() -> None:
    """`record pending` reads the waiting rows as every input is read: a named pipe put in the file's place
    is one line naming it, exit 1 (it blocked for ever, reading a pipe no one writes)."""
    folder = _data_folder()
    folder.mkdir(parents=True, mode=0o700)
    os.mkfifo(folder / HELD_NAME)
    done = subprocess.run([sys.executable, "-m", "ivig_handout", "record", "pending"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"error: {folder / HELD_NAME}: is not a regular file but a named pipe (FIFO); expected a "
                           "regular file; move it out of the way (it keeps handouts to record later)\n")

def test_a_roster_made_on_a_full_disk_says_it_is_not_recorded_nor_kept(tmp_path: Path) -> None:
    """A 1,000-row roster whose print file fits but whose record and waiting-rows file cannot grow:
    the print file is made, the command ends with one line saying the handouts are NOT recorded, nor
    kept to record later (never that `record pending` will record them), exit 1; the record holds no row
    of them and the data folder no part of a file."""
    roster = tmp_path / "roster.csv"
    roster.write_text("name\n" + "".join(f"Patient {i:04d}\n" for i in range(1000)), encoding="utf-8")
    out = tmp_path / "out"
    # 300 KB: the print file (about 230 KB) fits; the record's 1,000 rows (about 390 KB) and the same
    # rows kept as JSON lines (over 300 KB) do not.
    done = subprocess.run([sys.executable, "-m", "ivig_handout", "batch", "--roster", str(roster), "--doc", "gbs",
                           "--out-dir", str(out)], preexec_fn=_limited(300_000), capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 1, done.stderr
    record = _data_folder() / "record.sqlite3"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: made 1000 handouts, but NOT recorded: {record}: the record cannot be used ("), \
        lines[0]
    assert (f"; nor kept to record later: {_data_folder() / HELD_NAME}: could not be written (the file is larger "
            "than this disk or account allows); nothing was changed; record them by hand") in lines[0]
    assert "record pending" not in lines[0] and "Traceback" not in done.stderr
    # SQLite's own error, not "cannot rollback - no transaction is active": it had rolled back by itself
    assert "(disk I/O error)" in lines[0] or "(database or disk is full)" in lines[0], lines[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is True and [f["file"] for f in manifest["files"]] == ["roster-letter.pdf"]
    assert (out / "roster-letter.pdf").stat().st_size == manifest["files"][0]["bytes"]
    with sqlite3.connect(record) as conn:
        assert conn.execute("SELECT count(*) FROM given").fetchone() == (0,)
    assert not (_data_folder() / HELD_NAME).exists()
    assert sorted(p.name for p in _data_folder().iterdir() if not p.name.startswith("record.sqlite3")) == \
        [f"{HELD_NAME}.lock"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _site(out: Path, *extra: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ivig_handout", "site", "--out-dir", str(out), *extra],
                          preexec_fn=_limited(limit) if limit else None, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def test_the_online_copy_is_written_whole_or_left_as_it_was(tmp_path: Path) -> None:
    """The online copy's files go in all together or not at all: where one PDF cannot be written (each
    is about 35 KB; the limit 20 KB lets the pages through), a new site leaves no folder, and an update
    of a published one (made with the example profile, now without) leaves every file, and its list of
    files, byte for byte as they were: never pages of one edition beside missing or older PDFs."""
    new = tmp_path / "new"
    done = _site(new, limit=20_000)
    assert done.returncode == 1
    assert done.stderr == (f"error: {new / 'full-letter.pdf'}: could not be written (the file is larger than this "
                           "disk or account allows); nothing was changed\n")
    assert not new.exists()
    published = tmp_path / "published"
    assert _site(published, "--clinic", str(EXAMPLE)).returncode == 0
    before = _files(published)
    assert "clinic-logo.png" in before and len(before) == 56  # 14 pages, 39 PDFs, css, logo, the list of files
    done = _site(published, limit=20_000)
    assert done.returncode == 1 and done.stderr.startswith(f"error: {published}/") and "Traceback" not in done.stderr
    assert _files(published) == before  # (no temporary file left either)
    assert _site(published).returncode == 0  # with room, the update goes in whole
    after = _files(published)
    assert "clinic-logo.png" not in after and after["gbs.html"] != before["gbs.html"]
