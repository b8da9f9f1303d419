"""A local central service for newcomers: `make run` starts one so that sync can be seen
working on the first start, with nothing to configure.

The first time, a server database is seeded with the demo data (the same generator as
the app's, seed 1), the project form templates bundled with the app (without them every
submission would be refused: "Form template: no such record") and a `demo` account
with access to every region; its password is kept in a file only the user can read, so
the app logs in by itself. Seeding runs the service's own commands in ONE child
process (each start of Python costs a second on a small laptop). A folder seeded by an
older version gets the templates it lacks on the next start. The service runs as a
child process on 127.0.0.1 and stops with the app.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import redirect_stdout
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


def _port(preferred: bool = True) -> int:
    """PREFERRED_PORT when free (and asked for), else one the system picks."""
    for port in ((PREFERRED_PORT, 0) if preferred else (0,)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


FORMS_MARKER = "forms-published.json"


def _published_forms(folder: Path) -> set[str]:
    try:
        return set(json.loads((folder / FORMS_MARKER).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def _bundled_forms() -> dict[str, Path]:
    """form_id -> XLSForm file of each template bundled with the app."""
    from fieldapp.forms.versions import shipped_templates

    return {path.stem: path for path in shipped_templates()}


def _seed(folder: Path, db: str, *, demo: tuple[int, int] | None, password: str | None, forms: list[Path]) -> None:
    """Run the seeding steps in one child process (see `seed_main`); raises
    RuntimeError with the service's own message when a step fails."""
    plan = {"db": db, "blobs": str(folder / "blobs"), "demo": demo, "user": DEMO_USER, "password": password,
            "forms": [str(f) for f in forms]}
    done = subprocess.run([sys.executable, "-m", "fieldapp.sync_client.demo_service"], input=json.dumps(plan),
                          text=True, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"seeding the demo sync service failed: {(done.stderr or done.stdout).strip()[-500:]}")


def prepare(folder: Path, *, scale: int = 2000, seed: int = 1) -> tuple[str, str]:
    """Seed the demo server database once (demo records, bundled form templates, the demo
    account), and publish templates it lacks when it was seeded before; returns
    (db url, demo password)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{folder / 'server.sqlite'}"
    login_file = folder / "demo-login.json"
    bundled = _bundled_forms()
    if login_file.exists():
        password = json.loads(login_file.read_text(encoding="utf-8"))["password"]
        missing = [path for form_id, path in sorted(bundled.items()) if form_id not in _published_forms(folder)]
        if missing:
            _seed(folder, db, demo=None, password=None, forms=missing)
            _write_private(folder / FORMS_MARKER, sorted(bundled))
        return db, password
    password = secrets.token_urlsafe(12)
    _seed(folder, db, demo=(scale, seed), password=password, forms=[bundled[k] for k in sorted(bundled)])
    _write_private(folder / FORMS_MARKER, sorted(bundled))
    _write_private(login_file, {"user": DEMO_USER, "password": password})  # last: marks the folder as seeded
    return db, password


def _write_private(path: Path, value) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(value, fh)


def seed_main(plan: dict) -> int:
    """The child process's side of `_seed`: the service's commands, in-process."""
    from sync.server.cli import main as server

    common = ["--db", plan["db"], "--blobs", plan["blobs"]]
    if plan.get("demo"):
        scale, seed = plan["demo"]
        with open(os.devnull, "w") as quiet, redirect_stdout(quiet):  # one-time passwords of the role users
            if server(["demo", "--scale", str(scale), "--seed", str(seed), *common]):
                return 1
    if plan.get("password"):
        # --password=VALUE: a random password may start with "-", which argparse would take for an option
        if server(["create-user", plan["user"], "--role", "correspondent", "--region", "*",
                   f"--password={plan['password']}", *common]):
            return 1
    held = _server_form_ids(plan["db"])
    for form in plan.get("forms") or []:
        if Path(form).stem in held:
            continue  # published before (publishing again would make a version 2 nobody holds)
        if server(["publish-form", form, *common]):
            return 1
    return 0


def _server_form_ids(db_url: str) -> set[str]:
    """form_ids the service already holds a template of."""
    from sqlalchemy import select

    from sync.server import db
    from sync.server.tables import TABLES

    engine = db.make_engine(db_url)
    if not db.is_current(engine):
        db.migrate(engine)
    t = TABLES["form_definition"]
    with engine.connect() as conn:
        return {r.form_id for r in conn.execute(select(t.c.form_id))}


def _is_ours(url: str, password: str) -> bool:
    """Whether the service answering at `url` holds this folder's demo account. Two apps
    starting at once may both find the preferred port free; the one whose child then
    fails to bind would be answered by the other's service, and refused its login."""
    try:
        return requests.post(url + "/v1/login", json={"username": DEMO_USER, "password": password},
                             timeout=10).status_code == 200
    except requests.RequestException:
        return False


def start(folder: Path, *, scale: int = 2000, timeout: float = 60.0) -> DemoService:
    """Seed if needed, start the service, wait until it answers as this folder's service
    (else start again on a port the system picks)."""
    db, password = prepare(folder, scale=scale)
    log_path = folder / "server.log"
    for attempt in range(3):
        port = _port(preferred=attempt == 0)
        url = f"http://127.0.0.1:{port}"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(_server("serve", "--db", db, "--blobs", str(folder / "blobs"), "--port", str(port)),
                                    stdout=log, stderr=log)
        try:
            wait_healthy(url, proc, timeout, log_path)
        except RuntimeError:
            if proc.poll() is None or attempt == 2:
                raise
            continue  # our child could not bind (the port was taken meanwhile): another port
        if proc.poll() is None and _is_ours(url, password):
            return DemoService(folder, url, DEMO_USER, password, proc)
        stop_process(proc)  # another folder's service answered on that port
    raise RuntimeError(f"the demo sync service could not be started; see {log_path}")


if __name__ == "__main__":  # the seeding child: a JSON plan on stdin (the password stays off the command line)
    sys.exit(seed_main(json.loads(sys.stdin.read())))
