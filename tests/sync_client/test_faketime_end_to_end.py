"""One end-to-end run with the client's real clock faked by libfaketime (Debian's
`faketime`): a process whose every clock call says 3 hours ahead, then the clock set
right, then a battery reset to 2000-01-01, against a service with a right clock. Every
edit reaches the service exactly once, in order, with stamps in the service's time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from fieldapp.core.store import Store
from tests.sync_client.conftest import USERS
from tests.sync_client.test_wrong_clocks import assert_exactly_once_in_order, assert_plausible, server_clocks

FAKETIME = shutil.which("faketime")

CHILD = r"""
import json, sys
from fieldapp.core.store import Store
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import Transport

folder, url, user, password, title = sys.argv[1:6]
store = Store(folder, author=user)
pid = store.meta("test_row")
if pid is None:
    pid = store.insert("practice", {"title": title, "family": "agroforestry", "country": "SN"})
    store.set_meta("test_row", pid)
else:
    store.update("practice", pid, {"title": title})
transport = Transport(url)
transport.login(user, password)
result = SyncEngine(store, transport, attachments=False).sync()
row = store.get("practice", pid)
print(json.dumps({"ok": result.ok, "applied": result.applied, "rejected": result.rejected, "waiting": result.waiting,
                  "error": result.error, "unsynced": store.unsynced_count(), "pid": pid, "offset": store.time.offset_ms,
                  "updated_at": row["updated_at"]}))
store.close()
"""


def run_client(folder, server, title: str, fake: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.getcwd(), FAKETIME_DONT_FAKE_MONOTONIC="1")
    argv = [sys.executable, "-c", CHILD, str(folder), server.url, "amina", USERS["amina"][2], title]
    if fake:
        argv = [FAKETIME, "-f", fake, *argv]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (Debian: apt-get install faketime)")
def test_a_client_under_libfaketime_syncs_every_edit_once(server, tmp_path):
    folder = tmp_path / "faked"
    ahead = run_client(folder, server, "Haie vive (3 h ahead)", "+3h")
    assert ahead["ok"] and ahead["applied"] == 1 and ahead["unsynced"] == 0, ahead
    assert -3 * 3600_000 - 60_000 < ahead["offset"] < -3 * 3600_000 + 60_000  # it learned the service's time
    assert_plausible(ahead["updated_at"])
    corrected = run_client(folder, server, "Haie vive (clock set right)", None)
    assert corrected["ok"] and corrected["applied"] == 1 and corrected["unsynced"] == 0, corrected
    reset = run_client(folder, server, "Haie vive (year 2000)", "@2000-01-01 00:00:00")
    assert reset["ok"] and reset["applied"] == 1 and reset["unsynced"] == 0, reset
    assert_plausible(reset["updated_at"])
    store = Store(folder)
    try:
        assert_exactly_once_in_order(server, store)
    finally:
        store.close()
    assert_plausible(server_clocks(server, ahead["pid"])["title"])
