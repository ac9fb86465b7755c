"""Uploads over the limit get the page's own message (through waitress too, without a reset
connection), and an uploaded roster never stays on disk: not after the upload, not after the server
stops, not after it is killed mid-upload (the next server deletes what it left)."""

from __future__ import annotations

import fcntl
import html as html_text
import http.client
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivig_handout.apps.web.spool import ROOT, Spool, private_root, sweep
from ivig_handout.errors import ContentError

from .conftest import NAME, Page, free_port, serve, server_env, wait_for

MESSAGE = "the page takes files up to 2 MB. Save only today's rows and try again."


# -- over the limit ------------------------------------------------------------------------------------

def roster_area(html: str) -> str:
    """What the page shows under the roster form."""
    found = re.search(r'<div id="roster-area"[^>]*>(.*?)</div>\s*</section>', html, re.S)
    assert found, html
    return html_text.unescape(found.group(1))


def test_upload_too_big_is_the_roster_forms_message(page_client: Page) -> None:
    big = b"name,disorder\n" + b"A" * (3 * 1024 * 1024)
    made = page_client.post("/roster", {"roster": (io.BytesIO(big), "day.csv")}, content_type="multipart/form-data")
    assert made.status_code == 413
    shown = roster_area(made.text)
    assert 'role="alert"' in shown and f"This roster file is 3.0 MB; {MESSAGE}" in shown
    htmx = page_client.post("/roster", {"roster": (io.BytesIO(big), "day.csv")}, htmx=True,
                            content_type="multipart/form-data")
    assert htmx.status_code == 413 and f"This roster file is 3.0 MB; {MESSAGE}" in html_text.unescape(htmx.text)
    assert "<html" not in htmx.text and 'role="alert"' in htmx.text  # the roster area's part only


def test_a_file_just_over_the_limit_is_measured_itself(page_client: Page) -> None:
    """A file a few bytes over 2 MB, in a request under the request's limit: the file's own size."""
    data = b"name,disorder\n" + b"A" * (2 * 1024 * 1024)
    made = page_client.post("/roster", {"roster": (io.BytesIO(data), "day.csv")}, content_type="multipart/form-data")
    assert made.status_code == 413 and f"This roster file is 2.1 MB; {MESSAGE}" in roster_area(made.text)


def test_other_forms_over_the_limit_get_the_plain_message(page_client: Page) -> None:
    made = page_client.post("/preview", {"patient_name": "A" * (3 * 1024 * 1024)})
    assert made.status_code == 413 and "That file is too big" in made.text


@dataclass
class Visitor:
    """A browser's session on a served page, through plain HTTP: its cookie and CSRF token."""

    port: int
    cookie: str = ""
    csrf: str = ""

    def open(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", "/")
        answer = conn.getresponse()
        body = answer.read().decode()
        self.cookie = str(answer.headers["Set-Cookie"]).split(";")[0]
        found = re.search(r'name="csrf_token" value="([^"]+)"', body)
        assert found
        self.csrf = found.group(1)
        conn.close()

    def send_roster(self, data: bytes) -> http.client.HTTPConnection:
        """Post ``data`` as the roster; the connection, for its answer."""
        boundary = secrets.token_hex(12)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf}\r\n'.encode(),
                 (f'--{boundary}\r\nContent-Disposition: form-data; name="roster"; filename="today.csv"\r\n'
                  "Content-Type: text/csv\r\n\r\n").encode(), data, f"\r\n--{boundary}--\r\n".encode()]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("POST", "/roster", body=b"".join(parts),
                     headers={"Cookie": self.cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        return conn


@pytest.mark.parametrize("megabytes", [3, 20])
def test_served_upload_over_the_limit_is_answered_not_reset(megabytes: int) -> None:
    """Through waitress: the whole upload is read, then the page's message (no reset connection)."""
    for served in serve():
        visitor = Visitor(int(served.url.rsplit(":", 1)[1]))
        visitor.open()
        conn = visitor.send_roster(b"name,disorder\n" + b"A" * (megabytes * 1024 * 1024))
        answer = conn.getresponse()
        body = answer.read().decode()
        conn.close()
        assert answer.status == 413
        assert f"This roster file is {megabytes}.0 MB; {MESSAGE}" in roster_area(body)


# -- nothing stays on disk --------------------------------------------------------------------------

def files_naming(folder: Path, name: str) -> list[Path]:
    """Every file under ``folder`` whose name or contents hold ``name``."""
    found = []
    for path in folder.rglob("*"):
        if name in path.name or (path.is_file() and name.encode() in path.read_bytes()):
            found.append(path)
    return found


# A server like `ivig-handout serve`, whose roster reading says where the upload is and then waits
# (for stdin) while the file is there: the test kills it at that moment, mid-upload.
STUCK_SERVER = textwrap.dedent("""
    import sys
    from ivig_handout.apps.cli import main
    from ivig_handout.apps.web import rosters

    def stuck(path, *args, **kwargs):
        print("reading", path, flush=True)
        sys.stdin.read()

    rosters.load_roster = stuck
    main(["serve", "--port", sys.argv[1]])
""")


@pytest.fixture
def stuck_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", STUCK_SERVER, str(port)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=server_env(TMPDIR=str(tmp_path)))
    try:
        assert process.stdout is not None
        assert "The front-desk page is at" in process.stdout.readline()
        wait_for(port)
        yield process, port
    finally:
        process.kill()
        process.communicate(timeout=10)


def test_a_server_killed_mid_upload_leaves_no_names(stuck_server: tuple[subprocess.Popen[str], int],
                                                    tmp_path: Path) -> None:
    process, port = stuck_server
    visitor = Visitor(port)
    visitor.open()
    conn = visitor.send_roster(f"name,disorder\n{NAME},mg\n".encode())
    assert process.stdout is not None
    line = process.stdout.readline()  # the server is reading the upload now
    upload = Path(line.split(" ", 1)[1].strip())
    assert upload.is_relative_to(tmp_path) and NAME in upload.read_text(encoding="utf-8")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    conn.close()
    assert files_naming(tmp_path, NAME) == [upload]  # what a killed server leaves
    for _served in serve(tmpdir=tmp_path):  # listening: it has swept the temporary folder
        assert files_naming(tmp_path, NAME) == []
        assert [p.name for p in tmp_path.iterdir()] == [f"{ROOT}{os.getuid()}"]


def test_a_stopped_server_leaves_nothing(tmp_path: Path) -> None:
    for served in serve(tmpdir=tmp_path):
        visitor = Visitor(int(served.url.rsplit(":", 1)[1]))
        visitor.open()
        conn = visitor.send_roster(f"name,disorder\n{NAME},mg\n".encode())
        answer = conn.getresponse()
        assert answer.status == 200 and NAME in answer.read().decode()  # checked: its rows are shown
        conn.close()
        root = tmp_path / f"{ROOT}{os.getuid()}"
        assert [list(p.iterdir()) for p in root.iterdir()] == [[]]  # the server's folder: each upload gone
        served.process.terminate()
        assert served.process.wait(timeout=10) == 0
        assert list(root.iterdir()) == []


# -- the spool ----------------------------------------------------------------------------------------

def test_a_sweep_deletes_only_the_folders_of_servers_that_are_gone(tmp_path: Path) -> None:
    running = Spool(tmp_path)
    with running.upload(b"name\nAnn Lee\n", "roster.csv") as path:
        assert path.read_bytes() == b"name\nAnn Lee\n" and oct(path.stat().st_mode & 0o777) == "0o600"
        Spool(tmp_path)  # another server starts: this upload's folder is held
        assert path.exists()
    gone = private_root(tmp_path) / "0123456789abcdef"
    gone.mkdir()
    (gone / "roster.csv").write_text("name\nAnn Lee\n", encoding="utf-8")
    sweep(running.root)
    assert not gone.exists() and [list(p.iterdir()) for p in running.root.iterdir()] == [[]]  # its own, empty
    running.close()
    assert list(running.root.iterdir()) == []


def test_a_folder_removed_under_a_running_server_is_made_again(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with spool.upload(b"name\nAnn Lee\n", "roster.csv"):
        pass
    shutil.rmtree(spool.root)  # a cleaner of the temporary folder
    with spool.upload(b"name\nAnn Lee\n", "roster.csv") as path:
        assert path.read_bytes() == b"name\nAnn Lee\n" and path.parent.parent.parent == spool.root
    spool.close()
    assert list(spool.root.iterdir()) == []


def test_a_locked_folder_is_never_swept(tmp_path: Path) -> None:
    root = private_root(tmp_path)
    live = root / "fedcba9876543210"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        sweep(root)
        assert live.exists()
    finally:
        os.close(fd)
    sweep(root)
    assert not live.exists()


def test_folders_older_versions_left_are_deleted(tmp_path: Path) -> None:
    old = tmp_path / "ivig-web-ab_12cd3"
    (old / "out").mkdir(parents=True)
    old.chmod(0o700)
    (old / "roster.csv").write_text(f"name\n{NAME}\n", encoding="utf-8")
    other = tmp_path / "ivig-web-page-123.png"
    other.write_bytes(b"png")
    mine = tmp_path / "ivig-web-xy_12cd3"
    mine.mkdir(mode=0o700)
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    Spool(tmp_path)
    assert not old.exists() and other.exists() and mine.exists()


def test_a_temporary_folder_not_of_this_user_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / f"{ROOT}{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(ContentError, match="is not a folder of this user's"):
        Spool(tmp_path)
    open_root = tmp_path / "b" / f"{ROOT}{os.getuid()}"
    open_root.mkdir(parents=True, mode=0o777)
    open_root.chmod(0o777)
    Spool(tmp_path / "b")
    assert open_root.stat().st_mode & 0o777 == 0o700
