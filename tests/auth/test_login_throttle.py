"""Issue 12 rows 4 and 5 on SQLite and PostgreSQL: parallel wrong passwords are counted
atomically and at most `login_max_failures` are checked; throttling per account name and
per source with growing delays (429 + Retry-After, the password not checked) instead of a
lock; unknown names behave exactly like known ones."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.auth import throttle
from service.auth.models import LoginThrottle
from service.core.columns import utcnow
from service.core.db import get_engine
from service.core.settings import Settings
from service.main import create_app

WRONG = "wrong-password-1"


def app(settings: Settings, **changes: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes)))


def attempt(client: TestClient, username: str, password: str = WRONG):
    return client.post("/api/auth/login", json={"username": username, "password": password})


def failures(settings: Settings, key: str) -> int:
    with get_engine(settings.database_url).connect() as conn:
        return throttle.failures_of(conn, key)


@pytest.mark.parametrize("username", ["admin", "nobody_here"])
def test_parallel_wrong_passwords_check_at_most_the_limit_and_lose_no_count(settings, username) -> None:
    with app(settings, login_max_failures=5, login_source_max_failures=1000) as client:
        statuses: list[int] = []
        start = threading.Barrier(30)

        def go() -> None:
            start.wait()
            statuses.append(attempt(client, username).status_code)

        threads = [threading.Thread(target=go) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    checked = statuses.count(401)  # a 401 is an attempt whose password was checked
    assert checked == 5 and statuses.count(429) == 25, statuses
    assert failures(settings, f"account:{username}") == checked  # every counted attempt kept


def test_known_and_unknown_names_answer_alike_and_the_owner_gets_in_after_the_delay(settings) -> None:
    # a first delay far longer than any slow moment of the machine: it cannot lapse by itself
    # while the test runs; the test moves the clock past it (time_passes)
    with app(settings, login_max_failures=3, login_delay_seconds=600, login_source_max_failures=1000) as client:
        seen = {}
        for name in ("leader_gaoping", "leader_nobody"):
            answers = [attempt(client, name) for _ in range(4)]
            seen[name] = [(r.status_code, r.json(), "retry-after" in r.headers) for r in answers]
            assert 1 <= int(answers[3].headers["retry-after"]) <= 600  # the first delay, not a doubled one
        assert seen["leader_gaoping"] == seen["leader_nobody"]
        assert [s for s, _b, _h in seen["leader_gaoping"]] == [401, 401, 401, 429]
        assert seen["leader_gaoping"][3][1]["error"]["zh"] and seen["leader_gaoping"][3][2]
        # inside the wait even the right password is not checked
        assert attempt(client, "leader_gaoping", "demo12345").status_code == 429
        time_passes(settings, 600)  # no hard lock: after the (first) delay the owner signs in
        assert attempt(client, "leader_gaoping", "demo12345").status_code == 200
        assert failures(settings, "account:leader_gaoping") == 0
        # other accounts were never slowed down by this
        assert attempt(client, "liaison_scj", "demo12345").status_code == 200


def time_passes(settings: Settings, seconds: float) -> None:
    """The throttle's clock moves on: every stored time `seconds` earlier, as if they had passed."""
    with get_engine(settings.database_url).begin() as conn:
        for row in conn.execute(select(LoginThrottle.key, LoginThrottle.next_at, LoginThrottle.last_at)).all():
            conn.execute(update(LoginThrottle).where(LoginThrottle.key == row.key).values(
                next_at=row.next_at - timedelta(seconds=seconds), last_at=row.last_at - timedelta(seconds=seconds)))


def test_a_source_that_guesses_many_names_is_slowed_down(settings) -> None:
    with app(settings, login_source_max_failures=4, login_max_failures=100) as client:
        assert [attempt(client, f"guess{i}").status_code for i in range(5)] == [401, 401, 401, 401, 429]
        assert attempt(client, "liaison_scj", "demo12345").status_code == 429  # from that source
    other = TestClient(create_app(settings.model_copy(update={"login_source_max_failures": 4})),
                       client=("10.9.8.7", 4000))
    with other:
        assert attempt(other, "liaison_scj", "demo12345").status_code == 200  # another source is not


def test_delays_grow_and_are_capped(client, settings) -> None:
    rule = throttle.Rule(max_failures=2, base=10, cap=35, window=3600)
    assert [throttle.delay(n, rule) for n in range(1, 6)] == [0, 10, 20, 35, 35]
    engine, t0 = get_engine(settings.database_url), utcnow()

    def at(seconds: float) -> tuple[float, int]:
        with engine.begin() as conn:
            return throttle.reserve(conn, "account:x", rule, t0 + timedelta(seconds=seconds))

    assert [at(0), at(0)] == [(0.0, 1), (0.0, 2)]  # the second starts a 10 s wait
    assert at(5) == (5.0, 0)  # refused, not counted
    assert at(10) == (0.0, 3)  # then 20 s
    assert at(29) == (1.0, 0)
    assert at(30) == (0.0, 4)  # then 35 s (the cap)
    assert at(64) == (1.0, 0)
    with engine.connect() as conn:
        assert throttle.failures_of(conn, "account:x") == 4
    assert at(65 + 3600) == (0.0, 1)  # a lapsed window starts the count again
