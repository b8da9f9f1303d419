"""A local central service for newcomers: `make run` starts one so that sync can be seen
working on the first start, with nothing to configure.

The first time, a server database is seeded with the demo data (the same generator as
the app's, seed 1) and a `demo` account with access to every region; its password is
kept in a file only the user can read, so the app logs in by itself. The service runs
as a child process on 127.0.0.1 and stops with the app.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

DEMO_USER = "demo"
PREFERRED_PORT = 8765


@dataclass
class DemoService:
    folder: Path
    url: str
    user: str
    password: str
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)


def stop_process(proc: subprocess.Popen) -> None:
    """Ask a service process to stop; kill it if it has not within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until the service at `url` answers its health check; raise with the log's
    path when the process died or the time ran out (then the process is stopped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the sync service stopped; see {log}")
        try:
            if requests.get(url + "/v1/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError(f"the sync service did not answer within {timeout:.0f} s; see {log}")


def _server(*args: str) -> list[str]:
    return [sys.executable, "-m", "sync.server.cli", *args]


def _port() -> int:
    for port in (PREFERRED_PORT, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


def prepare(folder: Path, *, scale: int = 2000, seed: int = 1) -> tuple[str, str]:
    """Seed the demo server database once; returns (db url, demo password)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{folder / 'server.sqlite'}"
    login_file = folder / "demo-login.json"
    if login_file.exists():
        return db, json.loads(login_file.read_text(encoding="utf-8"))["password"]
    common = ["--db", db, "--blobs", str(folder / "blobs")]
    subprocess.run(_server("demo", "--scale", str(scale), "--seed", str(seed), *common), check=True,
                   stdout=subprocess.DEVNULL)
    password = secrets.token_urlsafe(12)
    # --password=VALUE: a random password may start with "-", which argparse would take for an option
    subprocess.run(_server("create-user", DEMO_USER, "--role", "correspondent", "--region", "*",
                           f"--password={password}", *common), check=True, stdout=subprocess.DEVNULL)
    fd = os.open(login_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"user": DEMO_USER, "password": password}, fh)
    return db, password


def start(folder: Path, *, scale: int = 2000, timeout: float = 60.0) -> DemoService:
    """Seed if needed, start the service, wait until it answers."""
    db, password = prepare(folder, scale=scale)
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log = open(folder / "server.log", "ab")
    proc = subprocess.Popen(_server("serve", "--db", db, "--blobs", str(folder / "blobs"), "--port", str(port)),
                            stdout=log, stderr=log)
    wait_healthy(url, proc, timeout, folder / "server.log")
    return DemoService(folder, url, DEMO_USER, password, proc)
