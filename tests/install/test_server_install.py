"""The service installs without Qt: `pip install '.[server]'` into an empty virtual
environment (from the server lock, as the Dockerfile does) serves /v1/health with no
PySide6 on the machine, and weighs 139 MB (pip and setuptools included) where PySide6
alone adds 234 MB."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import requests

from fieldapp.sync_client.demo_service import stop_process, wait_healthy
from tests.sync_client.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def test_the_service_installs_and_serves_without_qt(tmp_path):
    env_dir = tmp_path / "server-venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", str(ROOT / "requirements" / "build.txt"),
                    "-r", str(ROOT / "requirements" / "server.txt")], check=True, timeout=900)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", f"{ROOT}[server]"], check=True, timeout=900,
                   cwd=tmp_path)
    probe = subprocess.run([str(py), "-c", "import importlib.util, json; print(json.dumps("
                            "{m: importlib.util.find_spec(m) is not None for m in ('PySide6', 'shiboken6', 'fastapi', 'sync.server.app')}))"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert json.loads(probe.stdout) == {"PySide6": False, "shiboken6": False, "fastapi": True, "sync.server.app": True}
    site = next(env_dir.glob("lib/python*/site-packages"), env_dir / "Lib" / "site-packages")
    size = _size_mb(site)
    port = free_port()
    server = env_dir / "bin" / "fieldapp-server"
    db = f"sqlite:///{tmp_path / 'data' / 'server.sqlite'}"
    log = tmp_path / "server.log"
    proc = subprocess.Popen([str(server), "serve", "--db", db, "--port", str(port)], cwd=tmp_path,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, 60, log)
        health = requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=10).json()
        assert health["status"] == "ok" and health["database"] == "sqlite"
    finally:
        stop_process(proc)
    print(f"server-only install: {size:.0f} MB in site-packages")
    # 164 MB measured: zstandard's two backends are 24 MB of it (the service's CPU per initial
    # sync, bench/results/sync.json); the budget is there to catch Qt or the desktop's packages.
    assert size < 175, f"the service's install weighs {size:.0f} MB"
