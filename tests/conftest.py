"""Shared fixtures: the real content, real layouts, PDFs built once per test session."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import select
import shutil
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from ivig_handout.api import Result, make
from ivig_handout.design.layouts import Layout, get_layout
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Handout
from ivig_handout.inputs.patient import Patient
from ivig_handout.inputs.profile import Clinic
from ivig_handout.resources import default_content_dir

from .skipreport import pytest_terminal_summary  # noqa: F401  (the closing line counting skips by reason)

# Property tests draw the same examples on every run (the suite's verdict never depends on the draw: a
# random find made CI red now and then). HYPOTHESIS_PROFILE=explore draws new ones on each run (with
# --hypothesis-seed=N, a given draw) to look for defects: pin each find with @example. Neither is timed:
# Hypothesis's default 200 ms deadline per example is a timed assertion, and one stall on a busy machine
# (CI, a garbage collection) fails it at random as "Unreliable test timings".
settings.register_profile("suite", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

SHARED_SOURCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "source" / "aan-ivig-neuromuscular-2012.txt"
FIXTURE_SOURCE = Path(__file__).resolve().parent / "data" / "aan-ivig-neuromuscular-2012.txt"


@pytest.fixture(autouse=True, scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes the user's own education record: the data folder (XDG_DATA_HOME) is a temporary one."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("data-home")
        patch.setenv("XDG_DATA_HOME", str(home))
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))  # nor its render cache
        yield home


# --- no test leaves a process running ------------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
SIGKILL_BIT = 1 << (signal.SIGKILL - 1)


@pytest.fixture(autouse=True, scope="session")
def _adopt_orphans() -> None:
    """pytest adopts the orphans of the processes the tests start (Linux's child subreaper): a batch's
    worker whose batch was killed is handed to pytest, not to init, so ``_no_process_left`` still sees it."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) of every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(entry.path, "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue  # ended meanwhile
            table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def _started_by(table: dict[int, tuple[int, str]], root: int, known: set[int]) -> list[int]:
    """The descendants of ``root``, not entering the processes in ``known`` (started before the test:
    the print server, the browser, a module's web server, and what they start)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _state) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [p for p in children.get(root, []) if p not in known]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [p for p in children.get(pid, []) if p not in known]
    return found


SESSION_PROCESSES: set[int] = set()  # servers a session fixture started, maybe during a test (tests/pgserver.py)


def _dying(pid: int) -> bool:
    """True when a SIGKILL is pending for ``pid`` (a batch's worker, killed with its batch, that has not
    been scheduled yet): it ends without anyone's help."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    pending = [int(line.split()[1], 16) for line in status.splitlines() if line.startswith(("SigPnd:", "ShdPnd:"))]
    return any(p & SIGKILL_BIT for p in pending)


def _end(pid: int, bound: float = 30.0) -> None:
    """Wait (through a pidfd, at most ``bound`` seconds) until ``pid`` has ended."""
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, AttributeError):
        return
    try:
        select.select([fd], [], [], bound)
    finally:
        os.close(fd)


def _reap(pids: list[int]) -> None:
    """Collect those of ``pids`` that are pytest's own children and have ended (adopted orphans too)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")[:200]


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    """After each test, every process it started (and what those started) has ended: any still running is
    killed and the test fails, naming it. Processes that were there before the test (session and module
    fixtures: the print server, the browser, a web server, the PostgreSQL server) are left alone."""
    if not Path("/proc/self/stat").exists():
        yield
        return
    me = os.getpid()
    known = set(_started_by(_process_table(), me, set()))
    yield
    known |= SESSION_PROCESSES  # a session's server that a test's fixture started first is not the test's
    table = _process_table()
    started = _started_by(table, me, known)
    for pid in started:
        if table[pid][1] not in "ZX" and _dying(pid):
            _end(pid)
    table = _process_table()
    left = [pid for pid in _started_by(table, me, known) if table[pid][1] not in "ZX"]
    described = [f"pid {pid}: {_command(pid)}" for pid in left]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in left:
        _end(pid)
    _reap(_started_by(_process_table(), me, known))
    if described:
        pytest.fail("the test left processes running (now killed): " + "; ".join(described), pytrace=False)


@pytest.fixture(scope="session")
def handout() -> Handout:
    return load_handout()


@pytest.fixture(scope="session")
def source_text() -> str:
    """The 2012 source text (a copy is kept in tests/data; the shared one wins when present)."""
    path = SHARED_SOURCE if SHARED_SOURCE.exists() else FIXTURE_SOURCE
    return path.read_text(encoding="utf-8")


def build_pdf(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
              patient: Patient | None = None) -> bytes:
    """The PDF of one document through the library API (api.make: the same stages as build())."""
    return make(handout, doc, layout, clinic, patient).data


def build_result(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
                 patient: Patient | None = None) -> Result:
    """The whole Result (PDF, pages, body size, what gave way, notes) of one document."""
    return make(handout, doc, layout, clinic, patient)


_cache: dict[tuple[str, str], bytes] = {}


@pytest.fixture(scope="session")
def pdf_of(handout: Handout):  # type: ignore[no-untyped-def]
    """``pdf_of(doc, layout)`` -> PDF bytes, built once per session."""

    def made(doc: str, layout: str) -> bytes:
        key = (doc, layout)
        if key not in _cache:
            _cache[key] = build_pdf(handout, doc, get_layout(layout))
        return _cache[key]

    return made


def footer_patterns(handout: Handout) -> tuple[str, ...]:
    page = re.escape(handout.labels.page_footer).replace(r"\{page\}", r"\d+").replace(r"\{pages\}", r"\d+")
    title = re.escape(handout.sheet.title)
    return (page + r"\s*" + title, title + r"\s*" + page, page)


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    """A copy of the bundled content pack to break."""
    folder = tmp_path / "pack"
    shutil.copytree(default_content_dir(), folder)
    return folder


def edit(pack: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in one file of a pack (which must contain it)."""
    path = pack / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process's umask set to ``mask`` for the block, then restored."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def device(where: Path, minor: int) -> Path:
    """A character device node of the kernel's memory devices: minor 3 is null, 7 is full."""
    try:
        os.mknod(where, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("cannot make device nodes here")
    return where


from .pgserver import PgServer, pg_server, pg_url  # noqa: E402, F401  (the PostgreSQL server, tests/pgserver.py)
from .printserver import PrintServer, print_server  # noqa: E402, F401  (the private CUPS server, tests/printserver.py)
