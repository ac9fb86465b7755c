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


def test_each_owner_has_a_quota_and_the_busiest_gives_way() -> None:
    store: Store[int] = Store(limit=6, quota=3)
    quiet = store.put("quiet", 0)
    busy = [store.put("busy", n) for n in range(70)]
    assert store.get(quiet, "quiet") == 0  # 70 values of another owner do not push it out
    assert [store.get(t, "busy") for t in busy] == [None] * 67 + [67, 68, 69]
    few = [store.put(f"owner-{n}", n) for n in range(4)]  # the store is full: the busiest owner gives way
    assert [store.get(t, "busy") for t in busy[-3:]] == [None, None, 69]
    assert store.get(quiet, "quiet") == 0 and [store.get(t, f"owner-{n}") for n, t in enumerate(few)] == [0, 1, 2, 3]


def test_the_clock_is_the_callers() -> None:
    now = [100.0]
    store: Store[str] = Store(ttl=300, clock=lambda: now[0])
    token = store.put("s", "value")
    now[0] += 299
    assert store.get(token, "s") == "value"
    now[0] += 1
    assert store.get(token, "s") is None
