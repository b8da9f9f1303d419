"""Fault tests, each bounded: connections cut or stalled at random points of a sync, and
the client process killed with SIGKILL at random points, 50 runs each. Afterwards every
edit is on the server exactly once, the local database passes its integrity check, and
one more clean sync converges."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from fieldapp.core.store import Store
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import RetryPolicy, Transport
from tests.sync_client.conftest import USERS
from tests.sync_client.faultproxy import FaultProxy

RUNS = 50
ROOT = Path(__file__).resolve().parents[2]


def _server_rows(server, user: str, folder: Path) -> dict[str, dict]:
    """Everything the server holds for `user`, pulled by a brand-new client."""
    store = Store(folder, author="auditor")
    t = Transport(server.url)
    t.login(user, USERS[user][2])
    assert SyncEngine(store, t, attachments=False).sync().ok
    rows = {r["id"]: r for r in store.records("practice", include_deleted=True)}
    store.close()
    return rows


def test_connection_cut_or_stalled_at_random_points(server, tmp_path):
    proxy = FaultProxy(server.port, seed=4, drop=0.35, stall=0.15, stall_s=1.5)
    fast = RetryPolicy(attempts=2, base_delay=0.01, connect_timeout=1, read_timeout=0.8, deadline=2.5)
    store = Store(tmp_path / "client", author="amina")
    flaky = Transport(proxy.url, policy=fast)
    clean = Transport(server.url)
    clean.login("amina", USERS["amina"][2])
    flaky.token = clean.token
    rng = random.Random(7)
    expected: dict[str, dict] = {}
    outcomes = {"ok": 0, "failed": 0}
    try:
        for run in range(RUNS):
            for _ in range(rng.randint(1, 4)):
                if expected and rng.random() < 0.5:
                    pid = rng.choice(list(expected))
                    expected[pid]["soc_impact"] = rng.randint(-3, 3)
                    store.update("practice", pid, {"soc_impact": expected[pid]["soc_impact"]})
                else:
                    values = {"title": f"Essai {run}-{rng.random():.6f}", "family": "cover_crops", "country": "SN",
                              "soc_impact": rng.randint(-3, 3)}
                    expected[store.insert("practice", values)] = values
            result = SyncEngine(store, flaky, attachments=False).sync()
            outcomes["ok" if result.ok else "failed"] += 1
            assert store.check() == []
        assert proxy.faults >= 10 and outcomes["failed"] >= 2, (proxy.faults, outcomes)  # faults hit syncs
    finally:
        proxy.stop()
    final = SyncEngine(store, clean, attachments=False).sync()
    assert final.ok and store.pending_count() == 0 and store.rejected() == []
    on_server = _server_rows(server, "amina", tmp_path / "audit")
    for pid, values in expected.items():
        assert on_server[pid]["title"] == values["title"] and on_server[pid]["soc_impact"] == values["soc_impact"]
    _assert_each_op_applied_once(server, store)
    again = SyncEngine(store, clean, attachments=False).sync()
    assert again.ok and again.requests == 1 and again.received == 0 and again.pushed == 0


CHILD = r"""
import json, random, sys, time
from fieldapp.core.store import Store
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import RetryPolicy, Transport
folder, url, token, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
store = Store(folder, author="bruno")
t = Transport(url, token=token, policy=RetryPolicy(attempts=2, base_delay=0.01, deadline=5))
engine = SyncEngine(store, t, attachments=False)
print("ready", flush=True)
i = 0
while True:
    i += 1
    pid = store.insert("practice", {"title": f"Kill {seed}-{i}", "family": "agroforestry", "country": "FR"})
    print(json.dumps({"id": pid, "title": f"Kill {seed}-{i}"}), flush=True)  # committed before it is said
    if rng.random() < 0.5:
        engine.sync()
"""


def test_client_killed_with_sigkill_at_random_points(server, tmp_path):
    clean = Transport(server.url)
    clean.login("bruno", USERS["bruno"][2])
    folder = tmp_path / "victim"
    rng = random.Random(11)
    committed: dict[str, str] = {}
    for run in range(RUNS):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), server.url, clean.token, str(run)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
        for line in out.splitlines():
            if line.startswith("{"):
                item = json.loads(line)
                committed[item["id"]] = item["title"]
        with Store(folder, author="bruno") as store:
            assert store.check() == [], f"run {run}"
    with Store(folder, author="bruno") as store:
        result = SyncEngine(store, clean, attachments=False).sync()
        assert result.ok and store.pending_count() == 0
        local = {r["id"]: r["title"] for r in store.records("practice")}
        _assert_each_op_applied_once(server, store)
    assert set(committed) <= set(local)  # every edit said to be committed survived the kill
    on_server = _server_rows(server, "bruno", tmp_path / "audit")
    for pid, title in local.items():
        assert on_server[pid]["title"] == title


def _assert_each_op_applied_once(server, store: Store) -> None:
    """Op ids are device:1..N with no gap (a counter that never goes back). Exactly once:
    the server recorded exactly those N operations of this device, no more, no fewer."""
    from sqlalchemy import create_engine, text

    device, last = store.device_id, int(store.meta("op_counter") or 0)
    engine = create_engine(server.db)
    with engine.connect() as conn:
        seen = set(conn.execute(text("SELECT op_id FROM ops WHERE op_id LIKE :p"), {"p": f"{device}:%"}).scalars())
    engine.dispose()
    assert last > 0 and seen == {f"{device}:{i}" for i in range(1, last + 1)}
