"""Apps stage, web: what the page hands back to the same browser a moment later (preview images, a
checked roster), held in memory for a few minutes under a random token. A token never holds a name;
each entry belongs to the session that made it, and each session has a quota of its own, so one
busy browser never pushes out another's entries before their time."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Store(Generic[T]):
    """Values by random token, each for ``ttl`` seconds (by ``clock``) and for its ``owner`` only. An
    owner holds at most ``quota`` values (its own oldest go first beyond it); the store holds at most
    ``limit`` (beyond it, the oldest value of the owner holding the most goes first)."""

    def __init__(self, ttl: float = 300.0, limit: int = 64, quota: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.limit, self.clock = ttl, limit, clock
        self.quota = limit if quota is None else min(quota, limit)
        self._items: OrderedDict[str, tuple[float, str, T]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, owner: str, value: T) -> str:
        """Keep ``value`` for ``owner``; the token to ask for it with."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            now = self.clock()
            self._expire(now)
            self._items[token] = (now + self.ttl, owner, value)
            self._trim(owner)
        return token

    def get(self, token: str, owner: str) -> T | None:
        """The value kept under ``token`` for ``owner``, or None (unknown, expired, someone else's)."""
        with self._lock:
            self._expire(self.clock())
            found = self._items.get(token)
        if found is None or not secrets.compare_digest(found[1], owner):
            return None
        return found[2]

    def drop(self, owner: str) -> None:
        """Forget every value kept for ``owner`` (a session signing out)."""
        with self._lock:
            for token in [t for t, (_u, o, _v) in self._items.items() if secrets.compare_digest(o, owner)]:
                del self._items[token]

    def _trim(self, owner: str) -> None:
        """``owner`` within its quota, then the store within its limit (the busiest owner gives way)."""
        mine = [t for t, (_u, o, _v) in self._items.items() if o == owner]
        for token in mine[:max(0, len(mine) - self.quota)]:
            del self._items[token]
        while len(self._items) > self.limit:
            held = Counter(o for _u, o, _v in self._items.values())
            busiest = max(held, key=lambda o: held[o])  # ties: the one whose oldest value is oldest
            del self._items[next(t for t, (_u, o, _v) in self._items.items() if o == busiest)]

    def _expire(self, now: float) -> None:
        for token in [t for t, (until, _o, _v) in self._items.items() if until <= now]:
            del self._items[token]
