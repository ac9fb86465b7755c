"""Signing out, and the idle timeout: a signed-in session is known to the server, so signing out (or
30 minutes unused) ends it there, and a copy of its cookie no longer works from anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from ivig_handout.apps.cli import main
from ivig_handout.apps.web import WebConfig, create_app
from ivig_handout.apps.web.security import IDLE, SIGNED_IN_FOR, Passphrase

from .conftest import handout_form

PHRASE = "correct horse battery"


@dataclass
class Clock:
    """The sessions' clock, moved on by the test."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_client(tmp_path: Path, clock: Clock) -> FlaskClient:
    phrase = tmp_path / "passphrase"
    phrase.write_text(PHRASE + "\n", encoding="utf-8")
    app = create_app(WebConfig(host="0.0.0.0", port=80, passphrase=Passphrase.from_file(phrase),
                               extra_hosts=("localhost",)), clock=clock)
    return app.test_client()


def signed_in(client: FlaskClient) -> str:
    """Sign ``client`` in; the CSRF token of its signed-in page."""
    csrf = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"csrf_token": csrf, "passphrase": PHRASE}).status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    return csrf_of(page.text)


def replayed(client: FlaskClient) -> FlaskClient:
    """Another client (another computer) sending a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("ivig_session")
    assert cookie is not None
    other = client.application.test_client()
    other.set_cookie("ivig_session", cookie.value)
    return other


def works(client: FlaskClient, csrf: str) -> bool:
    """Whether ``client`` is let in: the page, and a download."""
    page = client.get("/")
    made = client.post("/", data={"csrf_token": csrf, **handout_form(action="download")})
    assert (page.status_code == 200) == (made.status_code == 200)
    if page.status_code != 200:
        assert page.status_code == 302 and page.headers["Location"].endswith("/login")
    return page.status_code == 200


def test_sign_out_ends_the_session_for_every_copy_of_its_cookie(app_client: FlaskClient) -> None:
    csrf = signed_in(app_client)
    copy = replayed(app_client)
    assert works(copy, csrf)  # a copied cookie works while the session lasts
    out = app_client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 302 and out.headers["Location"].endswith("/login")
    assert "You have signed out." in app_client.get("/login").text
    assert not works(app_client, csrf)
    assert not works(copy, csrf)
    htmx = copy.post("/preview", data={"csrf_token": csrf, **handout_form()}, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/login"


def test_sign_out_needs_the_forms_csrf_token(app_client: FlaskClient) -> None:
    csrf = signed_in(app_client)
    for sent in ({}, {"csrf_token": "x" * 32}):
        refused = app_client.post("/logout", data=sent)
        assert refused.status_code == 400 and "this form has expired" in refused.text
    assert works(app_client, csrf)


def test_idle_timeout_ends_the_session(app_client: FlaskClient, clock: Clock) -> None:
    csrf = signed_in(app_client)
    copy = replayed(app_client)
    for _ in range(3):  # used every 29 minutes: still signed in after 87
        clock.now += IDLE - 60
        assert works(app_client, csrf)
    clock.now += IDLE
    assert not works(copy, csrf) and not works(app_client, csrf)
    assert csrf_of(app_client.get("/login").text)  # signing in again is offered


def test_the_pages_own_refresh_is_not_use(app_client: FlaskClient, clock: Clock) -> None:
    """"Today's handouts" asks for itself every 30 s: an open page left alone still times out."""
    csrf = signed_in(app_client)
    for _ in range(5):
        clock.now += IDLE / 5 - 1
        assert app_client.get("/today", headers={"HX-Request": "true"}).status_code == 200
    clock.now += 10
    assert app_client.get("/today", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/login"
    assert not works(app_client, csrf)


def test_a_working_day_at_most(app_client: FlaskClient, clock: Clock) -> None:
    csrf = signed_in(app_client)
    for _ in range(int(SIGNED_IN_FOR // (IDLE - 60))):
        clock.now += IDLE - 60
        assert works(app_client, csrf)
    clock.now += IDLE - 60
    assert not works(app_client, csrf)


def test_sign_out_button_on_every_signed_in_page(app_client: FlaskClient) -> None:
    assert "Sign out" not in app_client.get("/login").text
    csrf = signed_in(app_client)
    pages = [app_client.get("/").text, app_client.get("/nothing").text,
             app_client.post("/", data={"csrf_token": csrf, **handout_form(action="preview")}).text]
    for html in pages:
        form = re.search(r'<form class="sign-out" method="post" action="/logout">(.*?)</form>', html, re.S)
        assert form and f'name="csrf_token" value="{csrf}"' in form.group(1)
        assert '<button type="submit">Sign out</button>' in form.group(1)


def test_no_sign_out_without_a_passphrase() -> None:
    client = create_app(WebConfig(port=80)).test_client()
    html = client.get("/").text
    assert "Sign out" not in html
    assert client.post("/logout", data={"csrf_token": csrf_of(html)}).status_code == 404


def test_idle_timeout_option() -> None:
    result = CliRunner().invoke(main, ["serve", "--idle-timeout", "0"])
    assert result.exit_code == 2 and "--idle-timeout" in result.output
    assert "--idle-timeout MINUTES" in CliRunner().invoke(main, ["serve", "--help"]).output
