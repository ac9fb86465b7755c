"""The page's safety rules: Host check, CSRF, upload cap, the passphrase off this computer, security
headers, no-store, and patients' names never in URLs or logs."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.apps.web import WebConfig, create_app
from ivig_handout.apps.web.security import Passphrase, allowed_hosts
from ivig_handout.errors import ContentError

from .conftest import NAME, Page, handout_form, open_page, serve


def test_csrf_token_is_required_on_every_post(page_client: Page) -> None:
    client = page_client.client
    for path in ("/", "/preview", "/roster", "/roster/print-run", "/login"):
        missing = client.post(path, data=handout_form(action="download"))
        assert missing.status_code == 400 and "this form has expired" in missing.text, path
        wrong = client.post(path, data=handout_form(csrf_token="x" * 32))
        assert wrong.status_code == 400, path


def test_csrf_token_of_another_session_is_refused(page_client: Page) -> None:
    other = open_page()
    made = other.client.post("/", data={"csrf_token": page_client.csrf, **handout_form(action="download")})
    assert made.status_code == 400


def test_host_header_is_checked(page_client: Page) -> None:
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
        made = page_client.client.get("/", headers={"Host": host})
        assert made.status_code == 400 and "not served under that address" in made.text, host
    assert page_client.client.get("/", headers={"Host": "127.0.0.1"}).status_code == 200


def test_no_query_strings(page_client: Page) -> None:
    for path in ("/?patient_name=Jane", "/preview?x=1", "/static/page.css?v=1"):
        made = page_client.client.get(path)
        assert made.status_code == 400 and "takes nothing in its address" in made.text, path
    made = page_client.client.post("/?patient_name=Jane", data=handout_form(csrf_token=page_client.csrf))
    assert made.status_code == 400


def test_allowed_hosts() -> None:
    local = allowed_hosts("127.0.0.1", 8080)
    assert {"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} <= local
    assert "localhost" not in local and "127.0.0.1:8081" not in local
    assert allowed_hosts("10.0.0.5", 8080, ("desk.clinic.example",)) == {"10.0.0.5:8080", "desk.clinic.example:8080"}
    wildcard = allowed_hosts("0.0.0.0", 8080)
    assert "0.0.0.0:8080" not in wildcard and "localhost:8080" in wildcard


def test_upload_too_big_is_a_message(page_client: Page) -> None:  # its wording: test_uploads.py
    big = b"name,disorder\n" + b"A" * (3 * 1024 * 1024)
    made = page_client.post("/roster", {"roster": (io.BytesIO(big), "day.csv")}, content_type="multipart/form-data")
    assert made.status_code == 413 and "This roster file is 3.0 MB" in made.text and 'role="alert"' in made.text


def test_security_headers_on_every_answer(page_client: Page) -> None:
    preview = page_client.post("/preview", handout_form(), htmx=True)
    image = re.search(r'<img src="([^"]+)"', preview.text).group(1)
    answers = [page_client.client.get("/"), preview, page_client.client.get(image),
               page_client.post("/", handout_form(action="download")), page_client.client.get("/nothing"),
               page_client.client.get("/static/page.css"), page_client.client.get("/static/vendor/htmx.min.js"),
               page_client.client.post("/", data={})]
    for made in answers:
        csp = made.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert made.headers["X-Content-Type-Options"] == "nosniff"
        assert made.headers["Referrer-Policy"] == "no-referrer"
    for made in answers[:5]:
        assert made.headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_any_page_state(page_client: Page) -> None:
    states = [page_client.client.get("/").text,
              page_client.post("/", handout_form(action="preview")).text,
              page_client.post("/", handout_form(handout="")).text,
              page_client.post("/roster", {"roster": (io.BytesIO(b"name,disorder\nAnn Lee,mg\n"), "d.csv")},
                               content_type="multipart/form-data").text,
              open_page(passphrase=Passphrase.from_file(_passphrase_file())).client.get("/login").text]
    for body in states:
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", body))
        assert not re.search(r"<script[^>]*>[^<]", body) and "<style" not in body
        assert not re.search(r"\s(on[a-z]+|style)=", body)
        assert not re.search(r'(src|href)="(https?:)?//', body)  # nothing from another site (no CDN)


def test_session_cookie_is_httponly_and_samesite_strict() -> None:
    app = create_app(WebConfig(port=80))
    cookie = app.test_client().get("/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_names_never_in_urls_or_logs(page_client: Page, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        pages = [page_client.post("/preview", handout_form(), htmx=True).text,
                 page_client.post("/", handout_form(action="preview")).text,
                 page_client.post("/", handout_form(action="preview", patient_name=NAME + "x" * 60)).text,
                 page_client.post("/roster", {"roster": (io.BytesIO(f"name,disorder\n{NAME},mg\n".encode()), "d.csv")},
                                  content_type="multipart/form-data").text]
        made = page_client.post("/", handout_form(action="download"))
    assert made.status_code == 200 and NAME not in made.headers["Content-Disposition"]
    for body in pages:
        urls = re.findall(r'(?:src|href|action|hx-post)="([^"]*)"', body)
        assert urls and not any("Jane" in url or "Quimby" in url for url in urls)
        assert all(form.lower().count('method="post"') for form in re.findall(r"<form[^>]*>", body))
    assert "Jane" not in caplog.text and "Quimby" not in caplog.text


def test_served_page_logs_no_names(tmp_path: Path) -> None:
    for served in serve():
        url = served.url
        with urllib.request.urlopen(url + "/") as answer:
            body = answer.read().decode()
            cookie = answer.headers["Set-Cookie"].split(";")[0]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        from urllib.parse import urlencode

        form = urlencode({"csrf_token": csrf, **handout_form(action="download")}).encode()
        request = urllib.request.Request(url + "/", data=form, headers={"Cookie": cookie})
        with urllib.request.urlopen(request) as answer:
            assert answer.headers["Content-Type"] == "application/pdf"
            assert answer.headers["Cache-Control"] == "no-store"
        bad = urllib.request.Request(url + "/", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad)
        assert refused.value.code == 400
        served.process.terminate()
        out, err = served.process.communicate(timeout=10)
        assert "Jane" not in out + err and "Quimby" not in out + err


# -- the passphrase ------------------------------------------------------------------------------------

def _passphrase_file(text: str = "correct horse battery") -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "passphrase"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_network_host_without_passphrase_is_refused_at_start() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--passphrase-file" in result.output
    with pytest.raises(ContentError, match="--passphrase-file"):
        WebConfig(host="192.168.1.20")


def test_short_or_missing_passphrase_file_is_refused(tmp_path: Path) -> None:
    short = _passphrase_file("abc")
    for path in (short, tmp_path / "missing"):
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--passphrase-file", str(path)])
        assert result.exit_code == 1 and result.output.startswith("error: --passphrase-file:"), result.output
    assert "abc" not in CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--passphrase-file",
                                                  str(short)]).output


def test_passphrase_is_kept_only_hashed() -> None:
    phrase = Passphrase.from_file(_passphrase_file())
    assert [f.name for f in dataclasses.fields(phrase)] == ["salt", "digest"]
    assert b"horse" not in phrase.digest and phrase.matches("correct horse battery")
    assert not phrase.matches("correct horse batter")


def test_passphrase_sign_in() -> None:
    app = create_app(WebConfig(host="0.0.0.0", port=80, passphrase=Passphrase.from_file(_passphrase_file()),
                               extra_hosts=("localhost",)))
    client = app.test_client()
    first = client.get("/")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login")
    assert client.get("/static/page.css").status_code == 200
    login = client.get("/login").text
    assert '<label for="passphrase">Passphrase</label>' in login
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    wrong = client.post("/login", data={"csrf_token": csrf, "passphrase": "guess"})
    assert wrong.status_code == 401 and "not the clinic" in wrong.text
    assert client.post("/preview", data={"csrf_token": csrf, **handout_form()}).status_code == 302
    htmx = client.post("/preview", data={"csrf_token": csrf, **handout_form()}, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/login" and htmx.text == ""
    right = client.post("/login", data={"csrf_token": csrf, "passphrase": "correct horse battery"})
    assert right.status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and 'id="handout"' in page.text
    new_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert new_csrf != csrf  # a fresh session after signing in
    assert client.post("/", data={"csrf_token": new_csrf, **handout_form(action="download")}).status_code == 200


def test_serve_prints_its_address_and_serves_with_waitress() -> None:
    for served in serve():
        with urllib.request.urlopen(served.url + "/static/vendor/htmx.min.js") as answer:
            assert answer.headers["Server"] == "ivig-handout"  # waitress, with its ident
            assert b"htmx" in answer.read(2000)


def test_serve_module_runs_standalone() -> None:
    result = subprocess.run([sys.executable, "-m", "ivig_handout", "serve", "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and "--passphrase-file" in result.stdout
