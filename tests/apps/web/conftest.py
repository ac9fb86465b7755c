"""Shared fixtures for the web page: the Flask app through its test client, and the page served by
waitress (``ivig-handout serve`` in a subprocess) for the browser tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

import ivig_handout
from ivig_handout.apps.web import WebConfig, create_app

from ...needs import missing

NAME = "Jane Quimby-Public"  # the patient's name the tests look for (and look for in the wrong places)
CHROMIUM = Path("/usr/bin/chromium")
VENDOR = Path(__file__).resolve().parent / "vendor"
CHECKOUT = Path(__file__).resolve().parents[3]


@dataclass
class Page:
    """The test client, signed with the page's CSRF token (the test client's Host is ``localhost``:
    the app is made for port 80, where the bare name is the one a browser sends)."""

    client: FlaskClient
    csrf: str

    def post(self, path: str, data: dict[str, Any] | None = None, htmx: bool = False, **kwargs: Any) -> Any:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, headers=headers, **kwargs)


def open_page(**config: Any) -> Page:
    app = create_app(WebConfig(port=80, **config))
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return Page(client, found.group(1) if found else "")


@pytest.fixture
def page_client() -> Page:
    return open_page()


def handout_form(**fields: str) -> dict[str, str]:
    """A filled-in form: the MG one-pager on letter for NAME."""
    return {"handout": "Myasthenia gravis (MG)", "layout": "letter", "copies": "1", "patient_name": NAME,
            "date": "1 December 2026", **fields}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]


def server_env(**extra: str) -> dict[str, str]:
    """The environment a server the tests start runs in: the package these tests import (installed, or
    the checkout's), and ``extra`` (e.g. TMPDIR)."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(ivig_handout.__file__).resolve().parents[1]),
                                         *filter(None, [env.get("PYTHONPATH")])])
    return env


def serve(*args: str, tmpdir: Path | None = None) -> Iterator[Served]:
    """``ivig-handout serve`` on a free port, until the test is done; its first stdout line is the address.
    ``tmpdir``: its temporary folder (TMPDIR)."""
    port = free_port()
    env = server_env(**({"TMPDIR": str(tmpdir)} if tmpdir else {}))
    process = subprocess.Popen([sys.executable, "-m", "ivig_handout", "serve", "--port", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line, (line, process.stderr.read() if process.stderr else "")
        wait_for(port)
        yield Served(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(port: int) -> None:
    """The server said its address: it prints it once the port is bound, so it answers now (no polling)."""
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) == 0, f"nothing listens on port {port}"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright's launch options: Debian's chromium (Playwright's own download is not reachable)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        missing("chromium is not installed; `make deps` installs it (apt-get install chromium)")
    return {"executable_path": str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}
