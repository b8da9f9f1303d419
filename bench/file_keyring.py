"""A `keyring` backend in a JSON file, for bench/encryption.py's keyring start: the window
processes it starts find the database key the way a desktop with an OS keyring does
(PYTHON_KEYRING_BACKEND=bench.file_keyring.FileKeyring, the file in $FIELDAPP_BENCH_KEYRING).
A real Secret Service or Keychain answers over IPC in a few milliseconds more; no secret
of the developer's own keyring is read or written."""
from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

BACKEND = "bench.file_keyring.FileKeyring"
PATH_ENV = "FIELDAPP_BENCH_KEYRING"


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # chosen by PYTHON_KEYRING_BACKEND only

    def _path(self) -> Path:
        return Path(os.environ[PATH_ENV])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._load() | {f"{service}\n{username}": password}
        self._path().write_text(json.dumps(secrets), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._load()
        if secrets.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path().write_text(json.dumps(secrets), encoding="utf-8")
