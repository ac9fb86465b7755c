"""Tests that need a Debian package's tool: skipped with the reason when it is missing, unless the run requires
every tool (``IVIG_REQUIRE_TOOLS=1``, set by ``make test``, whose ``make deps`` installs them): then the missing
tool fails the test. The tools: poppler-utils, qpdf, CUPS and ippeveprinter, chromium, and PostgreSQL's server
(``need_postgres``: the education record's tests start one). A skip is never silent either way (tests/skipreport.py counts them at the end)."""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

import pytest

REQUIRE = "IVIG_REQUIRE_TOOLS"


def required() -> bool:
    """Must every tool be there (make test, CI)?"""
    return os.environ.get(REQUIRE) == "1" or os.environ.get("IVIG_REQUIRE_PRINTSERVER") == "1"


def missing(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when every tool is required."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE}=1: `make deps` installs it)", pytrace=False)
    pytest.skip(reason)


def need_tool(tool: str, package: str) -> str:
    """The path of ``tool`` (from Debian's ``package``); skips or fails the test when it is not installed."""
    found = shutil.which(tool)
    if found is None:
        missing(f"{tool} ({package}) is not installed; `make deps` installs it")
    assert found is not None
    return found


def need_postgres() -> Path:
    """The folder of PostgreSQL's initdb and pg_ctl (Debian: /usr/lib/postgresql/VERSION/bin, the newest;
    else on PATH); skips or fails the test when the ``postgresql`` package is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path is None:
        missing("PostgreSQL's server (initdb, pg_ctl) is not installed (postgresql); `make deps` installs it")
    assert on_path is not None
    return Path(on_path).parent
