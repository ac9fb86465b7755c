"""Apps stage, web: one-time tokens for the page's print buttons. Every page (and every answer that
shows the form again) carries a fresh random token; the first request that sends it does the work
(prints, records), and any other request with the same token (a double click, a form sent twice)
waits for that one and gets the same answer: one job, one row, the page shows that job's number."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
TOKEN_MAX = 64  # characters: a token the page made is 22
KEY_MAX = 400  # a token with the name of the printer it is for (views.py)


class _Slot(Generic[T]):
    """A token's work: done once, by the first request; the others wait for it."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.until = time.monotonic()
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class Once(Generic[T]):
    """The tokens seen in the last ``ttl`` seconds (at most ``limit``), each with its answer."""

    def __init__(self, ttl: float = 900.0, limit: int = 1000) -> None:
        self.ttl, self.limit = ttl, limit
        self._slots: OrderedDict[str, _Slot[T]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def token() -> str:
        """A new token for a form."""
        return secrets.token_urlsafe(16)

    def run(self, token: str, owner: str, work: Callable[[], T]) -> T:
        """``work()``'s answer: done now for a new token (or none), else the answer of the request that
        sent ``token`` first (waiting for it to finish; its error raised again)."""
        if not token or len(token) > KEY_MAX:
            return work()
        slot, first = self._claim(token, owner)
        if first:
            try:
                slot.value = work()
            except BaseException as exc:
                slot.error = exc  # for a request waiting on this one; a later one tries again
                with self._lock:
                    if self._slots.get(token) is slot:
                        del self._slots[token]
                raise
            finally:
                slot.done.set()
            return slot.value
        slot.done.wait()
        if slot.error is not None:
            raise slot.error
        assert slot.value is not None
        return slot.value

    def _claim(self, token: str, owner: str) -> tuple[_Slot[T], bool]:
        with self._lock:
            now = time.monotonic()
            for old in [t for t, s in self._slots.items() if s.until < now and s.done.is_set()]:
                del self._slots[old]
            found = self._slots.get(token)
            if found is not None and secrets.compare_digest(found.owner, owner):
                return found, False
            slot: _Slot[T] = _Slot(owner)
            slot.until = now + self.ttl
            self._slots[token] = slot
            while len(self._slots) > self.limit:
                self._slots.popitem(last=False)
            return slot, True
