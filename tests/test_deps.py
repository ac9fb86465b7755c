"""`make deps` (tools/deps.sh): every Debian package the tests need is named, and a machine that cannot install
them is told in one line which to install, before anything else runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "deps.sh"
PACKAGES = ("poppler-utils", "qpdf", "cups-client", "cups-daemon", "cups-ipp-utils", "cups-filters", "dbus",
            "chromium", "fonts-dejavu-core", "postgresql")


def _bare_path(tmp_path: Path, *tools: str) -> str:
    """A PATH holding only ``tools`` (symlinks to the real ones): every other command is hidden."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in tools:
        real = shutil.which(tool)
        assert real is not None, tool
        (folder / tool).symlink_to(real)
    return str(folder)


def test_missing_packages_are_named_in_one_line_when_they_cannot_be_installed(tmp_path: Path) -> None:
    """Commands hidden from PATH and no apt-get to reach: exit 1 at once, one line naming what to install."""
    env = {**os.environ, "PATH": _bare_path(tmp_path, "sh", "id")}
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False,
                          executable=shutil.which("sh"))
    lines = done.stderr.splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: make test needs these Debian packages"), lines
    named = lines[0].split("apt-get install ", 1)[1].split(")", 1)[0].split()
    # the tools in /usr/bin are hidden; /usr/sbin and /sbin are searched too (cupsd, ippeveprinter live there)
    assert {"poppler-utils", "qpdf", "cups-client", "chromium"} <= set(named) <= set(PACKAGES), named
    assert len(named) == len(set(named)), "a package named twice"
    assert done.stdout == ""


def test_nothing_to_do_when_every_tool_is_there() -> None:
    """On this machine (make test ran make deps first) every tool is there: it says nothing and exits 0."""
    done = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr, done.stdout) == (0, "", "")


def test_make_test_runs_deps_first_and_ci_runs_the_readme_commands() -> None:
    """`make test` depends on `deps` before installing anything, and .ci/run is `make lint` and `make test`."""
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest: deps install\n" in makefile
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-2:] == ["make lint", "make test"]


def test_postgresql_is_named_when_its_server_is_missing(tmp_path: Path) -> None:
    """Issue 24: the record's tests start a real PostgreSQL server; Debian keeps its pg_ctl in
    /usr/lib/postgresql/VERSION/bin (any version counts). With none there, `postgresql` is named."""
    script = tmp_path / "deps.sh"
    text = SCRIPT.read_text()
    assert "/usr/lib/postgresql/*/bin/pg_ctl:postgresql" in text
    script.write_text(text.replace("/usr/lib/postgresql/*/bin", f"{tmp_path}/none/*/bin"))
    env = {**os.environ, "PATH": _bare_path(tmp_path, "sh", "id")}
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "postgresql" in done.stderr.split("apt-get install ", 1)[1].split(")")[0].split()
    (tmp_path / "none" / "16" / "bin").mkdir(parents=True)
    (tmp_path / "none" / "16" / "bin" / "pg_ctl").touch()
    found = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=False)
    assert "postgresql" not in found.stderr
