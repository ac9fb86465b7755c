"""Uploads over the limit get the page's own message (through waitress too, without a reset
connection), and an uploaded roster never reaches the disk (it is read in memory); what servers of older
versions left there (killed mid-upload) is deleted when a server starts."""

from __future__ import annotations

import fcntl
import html as html_text
import http.client
import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivig_handout.apps.web.spool import ROOT, sweep_leftovers

from .conftest import NAME, Page, serve

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


def test_a_roster_upload_writes_nothing_to_the_temporary_folder(tmp_path: Path) -> None:
    """The upload is read, checked and made into print runs in memory: the server's temporary folder
    (TMPDIR, empty at its start) stays empty while it runs, after a print run, and after it stops."""
    for served in serve(tmpdir=tmp_path):
        visitor = Visitor(int(served.url.rsplit(":", 1)[1]))
        visitor.open()
        conn = visitor.send_roster(f"name,disorder\n{NAME},mg\nBob Stone,zzz\n".encode())
        answer = conn.getresponse()
        body = answer.read().decode()
        assert answer.status == 200 and NAME in body and "Line 3:" in body  # checked: the rows are shown
        conn.close()
        assert list(tmp_path.iterdir()) == []
        served.process.terminate()
        assert served.process.wait(timeout=10) == 0
        assert list(tmp_path.iterdir()) == []


def test_leftovers_of_older_servers_are_deleted_at_start(tmp_path: Path) -> None:
    """A server of an older version killed mid-upload left the roster (with a name) in its folder; the
    next server deletes it when it starts (and the folders of still older versions), creating nothing."""
    root = tmp_path / f"{ROOT}{os.getuid()}"
    gone = root / "0123456789abcdef"
    gone.mkdir(parents=True, mode=0o700)
    (gone / "roster.csv").write_text(f"name\n{NAME}\n", encoding="utf-8")
    old = tmp_path / "ivig-web-ab_12cd3"
    (old / "out").mkdir(parents=True)
    old.chmod(0o700)
    (old / "roster.csv").write_text(f"name\n{NAME}\n", encoding="utf-8")
    assert len(files_naming(tmp_path, NAME)) == 2
    for _served in serve(tmpdir=tmp_path):  # listening: it has swept the temporary folder
        assert list(tmp_path.iterdir()) == []


def test_a_locked_folder_is_never_swept(tmp_path: Path) -> None:
    root = tmp_path / f"{ROOT}{os.getuid()}"
    live = root / "fedcba9876543210"
    live.mkdir(parents=True)
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        sweep_leftovers(tmp_path)
        assert live.exists()  # a running server of an older version holds it
    finally:
        os.close(fd)
    sweep_leftovers(tmp_path)
    assert not root.exists()


def test_only_the_folders_older_versions_left_are_deleted(tmp_path: Path) -> None:
    other = tmp_path / "ivig-web-page-123.png"
    other.write_bytes(b"png")
    mine = tmp_path / "ivig-web-xy_12cd3"
    mine.mkdir(mode=0o700)
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").mkdir()
    (tmp_path / f"{ROOT}{os.getuid()}").symlink_to(elsewhere)  # not a folder of its own: left alone
    sweep_leftovers(tmp_path)
    assert other.exists() and mine.exists() and (elsewhere / "keep").exists()
