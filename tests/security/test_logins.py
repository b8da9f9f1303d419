"""Item 6: login throttling that guessers cannot race and strangers cannot turn against a
person: attempts are reserved atomically; one address guessing one account is locked
out of it; the account as a whole and a shared address are only slowed down; the
failures table stays bounded whatever names are tried."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sync.server.app import create_app
from sync.server.tables import TABLES
from tests.server.conftest import PASSWORD, fast_settings


def _app(backend, tmp_path, **kw):
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", **kw), engine=backend.engine)
    for name in ("amina", "bruno", "chen"):
        app.state.services.accounts.create_user(name, PASSWORD, "viewer", ["AFR"])
    return app


def _login(client, name, password):
    return client.post("/v1/login", json={"username": name, "password": password})


def test_twenty_parallel_guesses_get_only_the_allowed_checks(backend, tmp_path):
    app = _app(backend, tmp_path, login_max_per_account=5)
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker:
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(lambda i: _login(attacker, "amina", f"guess number {i}").status_code, range(20)))
    assert answers.count(401) == 5 and answers.count(429) == 15, answers


def test_a_stranger_guessing_does_not_lock_the_person_out(backend, tmp_path):
    app = _app(backend, tmp_path, login_max_per_account=5, login_lock_s=60)
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker, \
            TestClient(app, client=("198.51.100.20", 5000)) as person:
        for i in range(20):
            _login(attacker, "amina", f"guess {i}")
        assert _login(attacker, "amina", PASSWORD).status_code == 429  # that address is locked out of amina
        r = _login(person, "amina", PASSWORD)
        assert r.status_code == 200, r.text  # amina, from her own address, logs in at once


class FrozenClock:
    """The accounts module's wall clock, held still (and moved on) by the test."""

    def __init__(self, monkeypatch):
        from sync.server import accounts as accounts_module

        self.now = 1_900_000_000.0
        monkeypatch.setattr(accounts_module.time, "time", lambda: self.now)


def test_the_account_as_a_whole_is_slowed_never_locked(backend, tmp_path, monkeypatch):
    clock = FrozenClock(monkeypatch)
    app = _app(backend, tmp_path, login_max_per_account=3)
    most = app.state.services.settings.login_max_account_wait_s
    answers = []
    for n in range(1, 11):  # a botnet: three guesses from each of ten addresses
        with TestClient(app, client=(f"192.0.2.{n}", 4000)) as c:
            answers += [_login(c, "amina", f"guess {i}") for i in range(3)]
    slowed = [r for r in answers if r.status_code == 429]
    assert slowed and all(0 < int(r.headers["Retry-After"]) <= most for r in slowed)
    with TestClient(app, client=("198.51.100.20", 5000)) as person:
        first = _login(person, "amina", PASSWORD)
        assert first.status_code == 429 and int(first.headers["Retry-After"]) <= most
        clock.now += most
        assert _login(person, "amina", PASSWORD).status_code == 200  # a wait of seconds, never an hour


def test_one_workshops_wifi_is_not_locked_for_everyone(backend, tmp_path, monkeypatch):
    clock = FrozenClock(monkeypatch)
    app = _app(backend, tmp_path, login_max_per_address=30)
    most = app.state.services.settings.login_max_address_wait_s
    for i in range(35):
        app.state.services.accounts.create_user(f"participant-{i}", PASSWORD, "viewer", ["AFR"])
    with TestClient(app, client=("10.1.1.1", 4000)) as wifi:
        for i in range(35):  # a workshop: 35 people mistyping their password once, behind one address
            assert _login(wifi, f"participant-{i}", "typo typo").status_code in (401, 429)
        slowed = _login(wifi, "chen", PASSWORD)
        assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= most
        clock.now += most
        assert _login(wifi, "chen", PASSWORD).status_code == 200


def test_guessed_names_do_not_grow_the_failures_table_without_limit(backend, tmp_path):
    app = _app(backend, tmp_path, login_max_per_address=1000, login_max_failure_rows=40)
    with TestClient(app, client=("10.2.2.2", 4000)) as c:
        for i in range(60):
            assert _login(c, f"nobody-{i}", "whatever it is").status_code in (401, 429)
        assert _login(c, "amina", "wrong wrong").status_code in (401, 429)
    with app.state.services.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(TABLES["login_failures"])).scalar()
        keys = set(conn.execute(select(TABLES["login_failures"].c.key)).scalars())
    assert count <= 40
    assert "pair:amina@10.2.2.2" in keys  # real accounts' keys are the last forgotten


def test_the_throttle_limits_are_settings(backend, tmp_path, monkeypatch):
    """An operator tunes every limit of the throttle (environment or `serve` flag): here an
    account slowed after 4 failures by at most 3 s, a pair locked for at most 7 s."""
    from sync.server.cli import _settings, build_parser

    monkeypatch.setenv("FIELDAPP_SERVER_LOGIN_ACCOUNT_SLOW_AFTER", "4")
    monkeypatch.setenv("FIELDAPP_SERVER_LOGIN_MAX_ACCOUNT_WAIT_S", "3")
    resolved = _settings(build_parser().parse_args(["serve", "--login-max-pair-lock-s", "7",
                                                    "--login-max-address-wait-s", "2", "--login-max-failure-rows", "99"]))
    assert (resolved.login_account_slow_after, resolved.login_max_account_wait_s, resolved.login_max_pair_lock_s,
            resolved.login_max_address_wait_s, resolved.login_max_failure_rows) == (4, 3, 7, 2, 99)
    clock = FrozenClock(monkeypatch)
    app = _app(backend, tmp_path, login_max_per_account=2, login_lock_s=5, login_max_pair_lock_s=7,
               login_account_slow_after=4, login_max_account_wait_s=3)
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker:
        waits = [int(r.headers["Retry-After"]) for r in (_login(attacker, "amina", f"guess {i}") for i in range(6))
                 if r.status_code == 429]
        assert waits and max(waits) <= 7  # doubling from 5 s, capped by the setting, not at an hour
        clock.now += 7
        assert _login(attacker, "amina", "guess again").status_code == 401  # the lock is over: checked again
    answers = []
    for n in range(1, 4):  # three addresses, two guesses each: past the 4 failures the account is slowed
        with TestClient(app, client=(f"192.0.2.{n}", 4000)) as c:
            answers += [_login(c, "bruno", f"guess {i}") for i in range(2)]
    slowed = [int(r.headers["Retry-After"]) for r in answers if r.status_code == 429]
    assert slowed and max(slowed) <= 3, [r.status_code for r in answers]


def test_a_one_second_wait_lasts_a_second_across_the_clocks_tick(backend, tmp_path, monkeypatch):
    """A lock taken at 0.9 s past a second still holds 0.2 s later, after the tick: counting
    in whole seconds from a floored clock made a one-second wait last 0.1 s (a flaky test)."""
    clock = FrozenClock(monkeypatch)
    clock.now += 0.9
    app = _app(backend, tmp_path, login_max_per_account=1, login_lock_s=1)
    with TestClient(app, client=("203.0.113.7", 4000)) as c:
        assert _login(c, "amina", "guess").status_code == 401  # the first failure locks the pair for 1 s
        clock.now += 0.2
        held = _login(c, "amina", PASSWORD)
        assert held.status_code == 429 and held.headers["Retry-After"] == "1"
        clock.now += 1.0
        assert _login(c, "amina", PASSWORD).status_code == 200
