"""Accounts: hashed passwords and tokens, expiry, disabling, throttled logins, clean logs."""
from __future__ import annotations

import hashlib
import logging

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from sync.server.app import create_app
from sync.server.logs import JsonFormatter
from sync.server.tables import TABLES
from tests.server.conftest import PASSWORD, fast_settings, practice


def _login(client, name, password=PASSWORD):
    return client.post("/v1/login", json={"username": name, "password": password})


def test_login_gives_a_token_stored_only_as_a_hash(server):
    server.user("correspondent", name="amina")
    r = _login(server.client, "amina")
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == {"name": "amina", "role": "correspondent", "regions": ["AFR"]}
    token = body["token"]
    with server.backend.engine.connect() as conn:
        hashes = list(conn.execute(select(TABLES["tokens"].c.token_hash)).scalars())
        pw = conn.execute(select(TABLES["users"].c.password_hash).where(TABLES["users"].c.name == "amina")).scalar()
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    assert pw.startswith("$argon2id$") and PASSWORD not in pw
    assert server.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "amina"


def test_wrong_password_and_unknown_user_get_the_same_answer(server):
    server.user("viewer", name="vera")
    wrong, unknown = _login(server.client, "vera", "nope nope"), _login(server.client, "nobody", "nope nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "bad_credentials"


def test_expired_token_is_refused(server):
    server.user("viewer", name="vera")
    token = _login(server.client, "vera").json()["token"]
    with server.backend.engine.begin() as conn:
        conn.execute(update(TABLES["tokens"]).values(expires_at="2000-01-01T00:00:00Z"))
    r = server.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_disabling_a_user_revokes_tokens_and_login(server):
    dev = server.device(name="amina")
    server.accounts.disable_user("amina")
    r = dev.post({"cursor": None, "ops": [dev.op("practice", fields=practice())]})
    assert r.status_code == 401
    assert _login(server.client, "amina").status_code == 401
    with server.backend.engine.connect() as conn:
        assert conn.execute(select(TABLES["tokens"])).first() is None


def test_new_password_closes_sessions(server):
    dev = server.device(name="amina")
    server.accounts.set_password("amina", "another long secret")
    assert server.client.get("/v1/me", headers=dev.headers).status_code == 401
    assert _login(server.client, "amina", "another long secret").status_code == 200


def test_failed_logins_lock_the_pair_then_slow_the_address(backend, tmp_path):
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", login_max_per_account=3, login_max_per_address=6),
                     engine=backend.engine)
    accounts = app.state.services.accounts
    for name in ("amina", "bruno", "chen"):
        accounts.create_user(name, PASSWORD, "viewer", ["AFR"])
    with TestClient(app) as c:
        for _ in range(3):
            assert _login(c, "amina", "guess guess").status_code == 401
        locked = _login(c, "amina")  # even the right password waits now
        assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
        assert int(locked.headers["Retry-After"]) > 0
        assert _login(c, "bruno").status_code == 200  # other accounts are not locked out
        for _ in range(3):
            _login(c, "bruno", "guess guess")
        blocked = _login(c, "chen")  # six failures from this address: the address is slowed down ...
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["Retry-After"]) <= 10  # ... for seconds, not locked


def test_logs_hold_no_password_or_token(backend, tmp_path, caplog):
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", log_requests=True), engine=backend.engine)
    app.state.services.accounts.create_user("amina", PASSWORD, "correspondent", ["AFR"])
    caplog.set_level(logging.DEBUG, logger="fieldapp")
    with TestClient(app) as c:
        token = _login(c, "amina").json()["token"]
        _login(c, "amina", "a wrong secret")
        c.post("/v1/sync", json={"cursor": None}, headers={"Authorization": f"Bearer {token}"})
        c.get("/v1/me?token=" + token, headers={"Authorization": f"Bearer {token}"})
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert '"event": "request"' in text and '"path": "/v1/sync"' in text
    for secret in (token, PASSWORD, "a wrong secret"):
        assert secret not in text


def test_each_failed_login_waits_longer(backend, tmp_path, monkeypatch):
    from sync.server import accounts as accounts_module

    waits: list[float] = []
    monkeypatch.setattr(accounts_module.time, "sleep", waits.append)
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", login_failure_delay_s=0.5, login_max_per_account=10),
                     engine=backend.engine)
    app.state.services.accounts.create_user("amina", PASSWORD, "viewer", ["AFR"])
    with TestClient(app) as c:
        for _ in range(5):
            assert _login(c, "amina", "wrong guess").status_code == 401
        assert _login(c, "amina").status_code == 200
    assert waits == [0.5, 1.0, 1.5, 2.0, 2.0]  # grows with recent failures, at most 2 s
