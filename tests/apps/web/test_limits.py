"""Limits per client: wrong passphrases slow down per client (exponential backoff from the 5th wrong
try, answered at once, reset by the right one), and previews are held per browser session with a
quota each, for their 5 minutes, whatever other browsers do. The clock is the test's: nothing waits."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_handout.apps.web import WebConfig, create_app
from ivig_handout.apps.web.security import Passphrase

from .conftest import CHECKOUT, Page, handout_form, serve
from .test_sign_out import PHRASE, Clock, csrf_of, signed_in

GUESSER, DESK = "10.0.0.66", "10.0.0.7"


def passphrase_app(tmp_path: Path, clock: Clock) -> Flask:
    phrase = tmp_path / "passphrase"
    phrase.write_text(PHRASE + "\n", encoding="utf-8")
    return create_app(WebConfig(host="0.0.0.0", port=80, passphrase=Passphrase.from_file(phrase),
                                extra_hosts=("localhost",)), clock=clock)


def client_at(app: Flask, address: str) -> tuple[FlaskClient, str]:
    """A browser on the computer at ``address``, on the sign-in form; its CSRF token."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, csrf_of(client.get("/login").text)


def send(client: FlaskClient, csrf: str, phrase: str) -> Any:
    return client.post("/login", data={"csrf_token": csrf, "passphrase": phrase})


def test_wrong_passphrases_slow_down_per_client(tmp_path: Path) -> None:
    clock = Clock()
    app = passphrase_app(tmp_path, clock)
    guesser, csrf = client_at(app, GUESSER)
    four = [send(guesser, csrf, f"guess {n}") for n in range(4)]
    assert [a.status_code for a in four] == [401] * 4 and all("Wait" not in a.text for a in four)
    fifth = send(guesser, csrf, "guess 5")
    assert fifth.status_code == 401
    assert "That is not the clinic’s passphrase. Too many wrong tries. Wait 1 second before the next try." in fifth.text
    too_soon = send(guesser, csrf, PHRASE)  # even the right one: not checked before the wait is over
    assert too_soon.status_code == 429 and too_soon.headers["Retry-After"] == "1"
    assert "Too many wrong tries. Wait 1 second, then try again." in too_soon.text
    assert guesser.get("/").status_code == 302  # not signed in
    desk, desk_csrf = client_at(app, DESK)  # the right passphrase from another computer gets in at once
    assert send(desk, desk_csrf, PHRASE).status_code == 302 and desk.get("/").status_code == 200
    waits = []
    for _ in range(11):
        clock.now += waits[-1] if waits else 1
        answer = send(guesser, csrf, "another guess")
        assert answer.status_code == 401, answer.text
        waits.append(int(answer.headers["Retry-After"]))
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]  # the cap: 5 minutes
    clock.now += 300 - 1
    early = send(guesser, csrf, "guess")
    assert early.status_code == 429 and early.headers["Retry-After"] == "1"  # refused, not counted
    clock.now += 1
    assert send(guesser, csrf, PHRASE).status_code == 302  # the wait is over: the right one gets in
    signed = csrf_of(guesser.get("/").text)
    assert guesser.post("/logout", data={"csrf_token": signed}).status_code == 302
    again = send(guesser, csrf_of(guesser.get("/login").text), "guess")
    assert again.status_code == 401 and "Retry-After" not in again.headers  # signing in forgot the wrong tries


def test_the_right_passphrase_is_not_slowed_down(tmp_path: Path) -> None:
    clock = Clock()
    app = passphrase_app(tmp_path, clock)
    for _ in range(3):
        client = app.test_client()
        signed_in(client)
        assert client.get("/").status_code == 200


def image_of(answer: Any) -> str:
    found = re.search(r'src="(/preview/[^"]+/1\.png)"', answer.text)
    assert found, answer.text
    return found.group(1)


def browser(app: Flask) -> Page:
    client = app.test_client()
    return Page(client, csrf_of(client.get("/").text))


def test_previews_are_held_per_browser_for_five_minutes() -> None:
    clock = Clock()
    app = create_app(WebConfig(port=80), clock=clock)
    mine, busy = browser(app), browser(app)
    made = image_of(mine.post("/preview", handout_form(), htmx=True))
    clock.now += 60
    theirs = [image_of(busy.post("/preview", handout_form(patient_name=""), htmx=True)) for _ in range(70)]
    shown = mine.client.get(made)
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data.startswith(b"\x89PNG")
    assert busy.client.get(made).status_code == 404  # another browser's: not shown to it
    held = [busy.client.get(image).status_code for image in theirs]
    assert held == [404] * 54 + [200] * 16  # the busy browser's quota: its own oldest went
    clock.now += 239  # 4 minutes 59 seconds after it was made
    assert mine.client.get(made).status_code == 200
    clock.now += 1
    assert mine.client.get(made).status_code == 404  # 5 minutes: gone


def test_the_wait_is_said_on_the_sign_in_form(page: Any, tmp_path: Path) -> None:
    """In the browser: the 5th wrong passphrase says how long to wait, and the form stays axe-clean."""
    pytest.importorskip("playwright", reason="playwright is not installed (make install)")
    from playwright.sync_api import expect

    from .test_browser import axe

    phrase = tmp_path / "passphrase"
    phrase.write_text(PHRASE + "\n", encoding="utf-8")
    phrase.chmod(0o600)
    for served in serve("--passphrase-file", str(phrase)):
        page.goto(served.url + "/login")
        for n in range(5):
            page.get_by_label("Passphrase", exact=True).fill(f"guess {n}")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("That is not the clinic’s passphrase.")
        expect(page.get_by_role("alert")).to_contain_text("Too many wrong tries. Wait 1 second before the next try.")
        axe(page)
        if os.environ.get("IVIG_SCREENSHOT") == "1":
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(CHECKOUT / "docs" / "web-sign-in-wait.png"), full_page=True)
