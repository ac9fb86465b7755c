"""Apps stage, web: the page's safety rules, applied to every request.

- The Host header must name this server (a page on another site cannot reach it by DNS rebinding).
- No address carries a query string (nothing typed, a name least of all, ends up in an address).
- Every POST carries the session's CSRF token; uploads are capped before they are read.
- With a passphrase (required off this computer), every page but the sign-in form needs a session
  signed in with it; only a scrypt hash of the passphrase is kept. A signed-in session is known to
  the server by a random id (the cookie carries only that id): signing out, ``idle`` seconds without
  a request, or a working day ends it on the server, so a copy of the cookie stops working too.
- Every answer carries a CSP without inline script, nosniff, no framing, no referrer; every answer
  but the static files is ``Cache-Control: no-store`` (they may print a patient's name).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for

from ...errors import ContentError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
MIN_PASSPHRASE = 8  # characters
SIGNED_IN_FOR = 12 * 3600  # seconds: a working day at most, however busy
IDLE = 30 * 60  # seconds without a request that sign a session out (`serve --idle-timeout`)
QUIET_ENDPOINTS = frozenset({"web.today"})  # the page asks for these by itself: not someone at the desk
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
OPEN_ENDPOINTS = frozenset({"static", "web.login"})  # reachable before signing in


@dataclass(frozen=True)
class Passphrase:
    """A clinic passphrase, kept only as its scrypt hash and salt."""

    salt: bytes
    digest: bytes

    @classmethod
    def from_file(cls, path: Path) -> Passphrase:
        """The passphrase in ``path`` (its first line), hashed; ContentError if unreadable or short."""
        from ...api import read_regular  # a regular file only, never past 64 KB (one error line)

        try:
            raw = read_regular(path, 64 * 1024, f"--passphrase-file: {path}", "a text file of the passphrase")
            text = raw.decode("utf-8").splitlines()[0].strip() if raw else ""
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            raise ContentError([f"--passphrase-file: cannot read {path}: {type(exc).__name__}"]) from None
        if len(text) < MIN_PASSPHRASE:
            raise ContentError([(f"--passphrase-file: {path}: the passphrase (its first line) must be at least "
                                f"{MIN_PASSPHRASE} characters")])
        salt = secrets.token_bytes(16)
        return cls(salt, _scrypt(text, salt))

    def matches(self, text: str) -> bool:
        """Whether ``text`` is the passphrase (compared in constant time)."""
        return hmac.compare_digest(_scrypt(text, self.salt), self.digest)


def _scrypt(text: str, salt: bytes) -> bytes:
    return hashlib.scrypt(text.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


_SIGN_IN_LOCK = threading.Lock()  # one passphrase check at a time: guessing stays slow
FREE_TRIES = 4  # wrong passphrases a client may send before it has to wait
MAX_WAIT = 300  # seconds: the longest wait (1, 2, 4, ... 256, then 300)
FORGET_AFTER = 24 * 3600  # seconds after a client's last wrong try that it is forgotten
MAX_CLIENTS = 10_000  # clients remembered at once (the oldest forgotten first): memory stays bounded


class Backoff:
    """Wrong passphrases by client (its remote address), timed by ``clock``: from the 5th wrong try in
    a row, a client waits 1, 2, 4, ... seconds (at most MAX_WAIT) before its next try is checked. A
    right passphrase forgets the client's wrong tries. Nothing sleeps: a try too soon is refused at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._wrong: dict[str, tuple[int, float]] = {}  # client -> (wrong tries in a row, when the last was)
        self._lock = threading.Lock()

    def wait(self, client: str) -> int:
        """Whole seconds ``client`` must still wait before its next try (0: it may try now)."""
        now = self.clock()
        with self._lock:
            tries, last = self._wrong.get(client, (0, now))
        left = last + _delay(tries) - now
        return max(0, math.ceil(left))

    def wrong(self, client: str) -> int:
        """Count a wrong try by ``client``; the seconds it must now wait (0: none yet)."""
        now = self.clock()
        with self._lock:
            for old in [c for c, (_n, last) in self._wrong.items() if now - last >= FORGET_AFTER]:
                del self._wrong[old]
            tries = self._wrong.pop(client, (0, now))[0] + 1
            self._wrong[client] = (tries, now)  # the most recent last: the oldest are forgotten first
            while len(self._wrong) > MAX_CLIENTS:
                del self._wrong[next(iter(self._wrong))]
        return math.ceil(_delay(tries))

    def right(self, client: str) -> None:
        """``client`` gave the passphrase: its wrong tries are forgotten."""
        with self._lock:
            self._wrong.pop(client, None)


def _delay(tries: int) -> float:
    """The wait after ``tries`` wrong tries in a row."""
    return 0.0 if tries <= FREE_TRIES else float(min(2 ** (tries - FREE_TRIES - 1), MAX_WAIT))


def backoff() -> Backoff:
    found: Backoff = current_app.extensions["ivig_backoff"]
    return found


class Sessions:
    """The signed-in sessions, by random id, each with when it began and when it was last used (by
    ``clock``, in seconds); one ends when signed out, after ``idle`` seconds unused, or after
    SIGNED_IN_FOR. Held in memory: a server that stops ends them all."""

    def __init__(self, idle: float = IDLE, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle, self.clock = idle, clock
        self._open: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def start(self) -> str:
        """A new session's id."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._expire(now)
            self._open[sid] = (now, now)
        return sid

    def check(self, sid: Any, touch: bool = True) -> bool:
        """Whether ``sid`` is a session still signed in; ``touch``: it is in use now."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            found = self._open.get(sid) if isinstance(sid, str) else None
            if found is not None and touch:
                self._open[sid] = (found[0], now)
        return found is not None

    def end(self, sid: Any) -> None:
        """Sign ``sid`` out (nothing if it is not signed in)."""
        with self._lock:
            if isinstance(sid, str):
                self._open.pop(sid, None)

    def _expire(self, now: float) -> None:
        for sid in [s for s, (began, used) in self._open.items()
                    if not (0 <= now - used < self.idle and 0 <= now - began < SIGNED_IN_FOR)]:
            del self._open[sid]


def sessions() -> Sessions:
    found: Sessions = current_app.extensions["ivig_sessions"]
    return found


@dataclass(frozen=True)
class Attempt:
    """A sign-in try: whether it signed in, whether the passphrase was checked at all (not when the
    client sent it before its wait was over), and the seconds the client must wait now (0: none)."""

    ok: bool
    checked: bool = True
    wait: int = 0


def sign_in(passphrase: Passphrase, text: str, client: str = "") -> Attempt:
    """Check ``text`` from ``client`` (its address) unless it must wait (Backoff); on success start a
    fresh signed-in session (a new id and CSRF token)."""
    tries = backoff()
    if wait := tries.wait(client):  # at once: a client that must wait does not queue for the lock
        return Attempt(ok=False, checked=False, wait=wait)
    with _SIGN_IN_LOCK:
        if wait := tries.wait(client):  # its other tries sent at the same time were checked first
            return Attempt(ok=False, checked=False, wait=wait)
        ok = passphrase.matches(text)
        if not ok:
            return Attempt(ok=False, wait=tries.wrong(client))
        tries.right(client)
    sessions().end(session.get("sid"))
    session.clear()
    session["sid"] = sessions().start()
    csrf_token()
    return Attempt(ok=True)


def sign_out() -> None:
    """End this browser's session on the server, and forget its cookie's contents."""
    sessions().end(session.get("sid"))
    session.clear()


def signed_in() -> bool:
    """Whether this request came from a session signed in with the passphrase (checked already)."""
    return bool(g.get("signed_in", False))


def is_local(host: str) -> bool:
    """Whether ``host`` is this computer only (127.0.0.1, localhost, ::1)."""
    return host.strip("[]").lower() in LOCAL_HOSTS


def allowed_hosts(host: str, port: int, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The Host headers this server answers: the bound name (every name and address of this computer
    for a wildcard bind), each with ``:port`` (and bare on port 80), plus ``extra`` names."""
    names = {host.strip("[]").lower(), *(e.lower() for e in extra)}
    if is_local(host):
        names |= LOCAL_HOSTS
    if host in WILDCARD_HOSTS:
        names = (names - WILDCARD_HOSTS) | LOCAL_HOSTS | _own_names()
    out = set()
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        out.add(f"{shown}:{port}")
        if port == 80:
            out.add(shown)
    return frozenset(out)


def _own_names() -> set[str]:
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    for name in list(names):
        try:
            names |= {str(info[4][0]).lower() for info in socket.getaddrinfo(name, None)}
        except OSError:
            continue
    return names


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def install(app: Flask, hosts: frozenset[str], passphrase: Passphrase | None, sessions: Sessions) -> None:
    """Check every request (Host, sign-in, size, CSRF) and add the security headers to every answer."""
    app.extensions["ivig_sessions"] = sessions
    app.extensions["ivig_backoff"] = Backoff(sessions.clock)

    @app.before_request
    def _check() -> Response | None:
        if request.host.lower() not in hosts:
            abort(400, "this page is not served under that address; use the address `ivig-handout serve` printed")
        if request.query_string:  # the page never puts anything in an address (a name there would be logged)
            abort(400, "this page takes nothing in its address; go back to the page and use its form")
        if passphrase is not None and request.endpoint not in OPEN_ENDPOINTS:
            if not sessions.check(session.get("sid"), touch=request.endpoint not in QUIET_ENDPOINTS):
                return _to_sign_in()
            g.signed_in = True
        if request.method == "POST":
            limit = app.config["MAX_CONTENT_LENGTH"]
            if request.content_length is not None and request.content_length > limit:
                abort(413)
            sent = request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
                abort(400, "this form has expired or did not come from this page; reload the page and try again")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.update(HEADERS)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def _to_sign_in() -> Response:
    if request.headers.get("HX-Request") == "true":  # htmx: the whole page goes to the sign-in form
        return Response("", headers={"HX-Redirect": url_for("web.login")})
    return redirect(url_for("web.login"))  # type: ignore[return-value]
