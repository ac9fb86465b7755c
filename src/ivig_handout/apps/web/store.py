"""Apps stage, web: what the page hands back to the same browser a moment later (preview images, a
checked roster), held in memory for a few minutes under a random token. A token never holds a name;
each entry belongs to the session that made it."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Store(Generic[T]):
    """Values by random token, each for ``ttl`` seconds and for its ``owner`` only; the oldest go first
    beyond ``limit``."""

    def __init__(self, ttl: float = 300.0, limit: int = 64) -> None:
        self.ttl, self.limit = ttl, limit
        self._items: OrderedDict[str, tuple[float, str, T]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, owner: str, value: T) -> str:
        """Keep ``value`` for ``owner``; the token to ask for it with."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._items[token] = (time.monotonic() + self.ttl, owner, value)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return token

    def get(self, token: str, owner: str) -> T | None:
        """The value kept under ``token`` for ``owner``, or None (unknown, expired, someone else's)."""
        with self._lock:
            self._expire()
            found = self._items.get(token)
        if found is None or not secrets.compare_digest(found[1], owner):
            return None
        return found[2]

    def drop(self, owner: str) -> None:
        """Forget every value kept for ``owner`` (a session signing out)."""
        with self._lock:
            for token in [t for t, (_u, o, _v) in self._items.items() if secrets.compare_digest(o, owner)]:
                del self._items[token]

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (until, _o, _v) in self._items.items() if until < now]:
            del self._items[token]
