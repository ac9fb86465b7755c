"""Helpers for the bad-input tests: the CLI in a real process (so a hang is a timeout, not a stuck
suite), or in-process through CliRunner; each bad input must end in ``error:`` lines and exit 1."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.inputs import model

SRC = Path(__file__).resolve().parents[2] / "src"


def run_process(*args: str, timeout: float = 30, stdin: int | None = subprocess.DEVNULL) -> tuple[int, str, str, float]:
    """``python -m ivig_handout ARGS`` in a child process: exit code, stdout, stderr, seconds taken.
    A child that hangs is killed at ``timeout`` and the test fails (TimeoutExpired)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ivig_handout", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=stdin, check=False)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def run_many(*commands: list[str], timeout: float = 60) -> list[tuple[int, str, str]]:
    """Several ``python -m ivig_handout`` runs at once (each its own process, stdin /dev/null): exit
    code, stdout, stderr of each, in order. Any run still going at ``timeout`` is killed and fails."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-m", "ivig_handout", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)
             for args in commands]
    deadline = time.monotonic() + timeout
    out = []
    try:
        for proc, args in zip(procs, commands, strict=True):
            try:
                stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                raise AssertionError(f"still running after {timeout} s (a hang): {args}") from None
            out.append((proc.returncode, stdout, stderr))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return out


class Hang(BaseException):  # noqa: N818 - not an Exception: nothing in the program may catch it
    """A run in this process that went past its deadline."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Interrupt this process after ``seconds`` (SIGALRM; a blocking open of a FIFO or a read of a
    device is interrupted too), so an in-process run that would hang fails instead."""
    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s (a hang)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(*args: str, within: float = 20) -> tuple[int, str, str]:
    """The CLI in this process (CliRunner), interrupted after ``within`` seconds: exit code, stdout,
    stderr."""
    with deadline(within):
        result = CliRunner().invoke(main, list(args))
    if isinstance(result.exception, Hang):
        raise AssertionError(f"{result.exception}: {args}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.stdout, result.stderr


def error_lines(code: int, stderr: str) -> list[str]:
    """The ``error:`` lines of a run that must have failed cleanly: exit 1, no traceback."""
    assert code == 1, stderr
    assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), lines
    return lines


def one_error(code: int, stderr: str) -> str:
    lines = error_lines(code, stderr)
    assert len(lines) == 1, lines
    return lines[0]


# --- content packs near the size limits (tests/inputs/test_limits.py and bench/limits.py) ----------

WORDS = "Weak muscles may get better with care and rest over time. "


def text(n: int) -> str:
    """Plain sentences, exactly ``n`` characters long."""
    body = (WORDS * (n // len(WORDS) + 1))[:n - 1]
    return (body[:-1] + "s" if body.endswith(" ") else body) + "."


def sheet_of(pack: Path) -> dict[str, Any]:
    return yaml.safe_load((pack / "sheet.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write(pack: Path, sheet: dict[str, Any]) -> None:
    (pack / "sheet.yaml").write_text(yaml.safe_dump(sheet, allow_unicode=True, width=100, sort_keys=False),
                                     encoding="utf-8")


def disorder(i: int, paragraphs: list[str]) -> dict[str, Any]:
    return {"id": f"disorder-{i}", "name": f"Disorder number {i}", "rating": "weak", "paragraphs": paragraphs}


def pack_at_limits(pack: Path, one_pagers: bool) -> Path:
    """40 disorders, and either every one-pager close to MAX_ONE_PAGER characters (one_pagers) or the
    whole sheet close to MAX_SHEET; every other list and text of the sheet as the AAN's."""
    sheet = sheet_of(pack)
    others = len(sheet["other_disorders"]["disorders"])
    count = model.MAX_DISORDERS - others
    if one_pagers:
        groups = [{"id": f"group-{g}", "heading": f"Group {g}", "paragraphs": [text(1_340)] * 2,
                   "disorders": [disorder(g * 100 + i, [text(20)]) for i in range(count // 2)]} for g in range(2)]
    else:
        groups = [{"id": f"group-{g}", "heading": f"Group {g}", "paragraphs": [text(500)],
                   "disorders": [disorder(g * 100 + i, [text(1_500)]) for i in range(count // 2)]} for g in range(2)]
    sheet["helpful"]["groups"] = groups
    write(pack, sheet)
    return pack
