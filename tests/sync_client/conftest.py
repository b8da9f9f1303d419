"""A real central service process on 127.0.0.1 (free port), with users per test module."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.sync_client.demo_service import stop_process, wait_healthy
from sync.server.cli import main as server_cli

USERS = {
    # name: (role, regions, password)
    "amina": ("correspondent", ["AFR"], "amina-pass-123"),
    "bruno": ("correspondent", ["AFR", "EUR"], "bruno-pass-123"),
    "chen": ("facilitator", ["AFR"], "chen-pass-1234"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder: Path):
        self.folder = folder
        self.db = f"sqlite:///{folder / 'server.sqlite'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str) -> int:
        return server_cli([*args, "--db", self.db, "--blobs", str(self.folder / "blobs")])

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", "--db", self.db, "--blobs", str(self.folder / "blobs"),
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "server.log", "wb"),
        )
        wait_healthy(self.url, self.proc, 30, self.folder / "server.log")

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)


def started_server(folder: Path, users: dict[str, tuple[str, list[str], str]]) -> Server:
    """A migrated service in `folder` with `users` (name: role, regions, password), running."""
    s = Server(folder)
    assert s.cli("migrate") == 0
    for name, (role, regions, password) in users.items():
        assert s.cli("create-user", name, "--role", role, "--region", *regions, "--password", password) == 0
    s.start()
    return s


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = started_server(tmp_path_factory.mktemp("server"), USERS)
    yield s
    s.stop()


@pytest.fixture
def client(server, make_store):
    """client(name) -> (store, engine) logged in as that user, in its own data folder."""
    from fieldapp.sync_client.engine import SyncEngine
    from fieldapp.sync_client.transport import RetryPolicy, Transport

    def make(user: str, folder: str | None = None):
        store = make_store(folder or user, author=user)
        transport = Transport(server.url, policy=RetryPolicy(attempts=3, base_delay=0.05, deadline=30))
        transport.login(user, USERS[user][2])
        return store, SyncEngine(store, transport)

    return make
