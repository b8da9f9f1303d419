"""Where the login token is kept: the OS keyring through `keyring`, or, when no keyring
backend exists (a headless Linux box), a file only the user can read. The password is
never stored."""
from __future__ import annotations

import json
import os
from pathlib import Path

from fieldapp.core import os_keyring

SERVICE = "fieldapp-sync"


def _keyring():
    return os_keyring.usable()


def _file(data_dir: Path) -> Path:
    return Path(data_dir) / "sync-token.json"


def save_token(data_dir: Path, server: str, user: str, token: str) -> str:
    """Keep the token; returns where ('keyring' or the file path)."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.set_password(SERVICE, f"{user}@{server}", token)
            _write_file(data_dir, {"server": server, "user": user, "where": "keyring"})
            return "keyring"
        except Exception:  # noqa: BLE001 - fall back to the file
            pass
    _write_file(data_dir, {"server": server, "user": user, "where": "file", "token": token})
    return str(_file(data_dir))


def load_token(data_dir: Path) -> tuple[str, str, str] | None:
    """(server, user, token) of the last login, or None."""
    path = _file(data_dir)
    if not path.exists():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    token = info.get("token")
    if info.get("where") == "keyring":
        kr = _keyring()
        token = kr.get_password(SERVICE, f"{info['user']}@{info['server']}") if kr else None
    return (info["server"], info["user"], token) if token else None


def _write_file(data_dir: Path, info: dict) -> None:
    path = _file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    os.replace(path.with_suffix(".tmp"), path)
    os.chmod(path, 0o600)
