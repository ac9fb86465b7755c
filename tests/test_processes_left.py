"""The suite's own guard (conftest.py ``_no_process_left``): a test that leaves a process running fails,
naming it, and the process is killed; an orphan (a child whose parent the test killed) is caught too;
processes that session fixtures started before the test are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LEAKY = '''
import subprocess, sys, time

def test_leaves_a_sleeper():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # leaked-sleeper"])

def test_leaves_an_orphan():
    code = "import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # orphan-sleeper']); print(p.pid, flush=True); time.sleep(300)"
    parent = subprocess.Popen([sys.executable, "-c", "import time\\n" + code], stdout=subprocess.PIPE, text=True)
    parent.stdout.readline()  # the grandchild has started
    parent.kill()
    parent.wait()

def test_ends_what_it_starts():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    child.kill()
    child.wait()
'''

SESSION = '''
import subprocess, sys
import pytest

@pytest.fixture(scope="session")
def server():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # session-server"])
    yield proc
    proc.kill()
    proc.wait()

def test_first_uses_the_server(server):
    assert server.poll() is None

def test_second_uses_it_too(server):
    assert server.poll() is None
'''


def run_suite(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """``text`` as a test file run by pytest in a fresh process, with this suite's conftest as a plugin."""
    (tmp_path / "test_case.py").write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest", "-q",
                           "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_case.py")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)


def sleepers(tag: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if tag.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_process_left_running_fails_the_test_and_is_killed(tmp_path: Path) -> None:
    done = run_suite(tmp_path, LEAKY)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "3 passed, 2 errors" in out, out  # each leaky test passes, and then errs at teardown
    assert "ERROR at teardown of test_leaves_a_sleeper" in out
    assert "ERROR at teardown of test_leaves_an_orphan" in out
    assert "the test left processes running (now killed): pid " in out
    assert "leaked-sleeper" in out and "orphan-sleeper" in out
    assert not sleepers("leaked-sleeper") and not sleepers("orphan-sleeper")


def test_processes_of_session_fixtures_are_not_flagged(tmp_path: Path) -> None:
    done = run_suite(tmp_path, SESSION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert not sleepers("session-server")
