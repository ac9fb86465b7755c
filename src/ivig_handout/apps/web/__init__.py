"""Apps stage, web: the front-desk page (``ivig-handout serve``), a Flask app on the library API."""

from __future__ import annotations

from .app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
