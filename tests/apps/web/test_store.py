"""What the page holds for a few minutes (previews, rosters): by random token, for its session only."""

from __future__ import annotations

from ivig_handout.apps.web.store import Store


def test_token_owner_and_expiry() -> None:
    store: Store[str] = Store(ttl=60)
    token = store.put("session-a", "value")
    assert len(token) >= 20 and store.get(token, "session-a") == "value"
    assert store.get(token, "session-b") is None and store.get("guess", "session-a") is None
    gone: Store[str] = Store(ttl=0)
    assert gone.get(gone.put("session-a", "value"), "session-a") is None


def test_oldest_go_first_beyond_the_limit() -> None:
    store: Store[int] = Store(limit=3)
    tokens = [store.put("s", n) for n in range(5)]
    assert [store.get(t, "s") for t in tokens] == [None, None, 2, 3, 4]
    assert len(set(tokens)) == 5
