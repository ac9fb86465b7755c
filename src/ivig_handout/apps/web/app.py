"""Apps stage, web: the Flask app of the front-desk page. ``create_app(config)`` wires the page's
routes (views.py) and its safety rules (security.py) for one server's settings."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ...errors import ContentError
from .config import MAX_BODY, MAX_REQUEST, MAX_UPLOAD, WebConfig
from .security import Sessions, allowed_hosts, install

__all__ = ["MAX_BODY", "MAX_REQUEST", "MAX_UPLOAD", "WebConfig", "clinic_choices", "create_app"]


def create_app(config: WebConfig, clock: Callable[[], float] = time.monotonic) -> Flask:
    """The page's Flask app for ``config``; ``clock`` (seconds) times the signed-in sessions, the
    sign-in backoff, and how long previews and rosters are held."""
    from .views import State, blueprint

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # sessions end when the server stops
        MAX_CONTENT_LENGTH=MAX_REQUEST,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST,
        SESSION_COOKIE_NAME="ivig_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.logger.setLevel(logging.WARNING)
    app.extensions["ivig"] = State(config, clock)
    install(app, allowed_hosts(config.host, config.port, config.extra_hosts), config.passphrase,
            Sessions(config.idle_timeout, clock))
    app.register_blueprint(blueprint)
    return app


def clinic_choices(folder: Path) -> dict[str, Path]:
    """The clinic profiles of ``folder`` (``*.yaml``, ``*.yml``) by file name without its extension."""
    found = {p.stem: p for p in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if p.is_file()}
    if not found:
        raise ContentError([f"--clinics: {folder}: no clinic profiles (*.yaml) in it"])
    return found
