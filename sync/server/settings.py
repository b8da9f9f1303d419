"""The service's settings: one dataclass, filled from the command line or by tests.

Defaults suit one office server; every limit is here so that tests can shrink them and
an operator can read them in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

SERVER_APP = "FieldAppServer"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(SERVER_APP, "4p1000"))


def default_db_url() -> str:
    return f"sqlite:///{default_data_dir() / 'server.sqlite'}"


@dataclass
class Settings:
    db_url: str = field(default_factory=default_db_url)
    blob_dir: Path = field(default_factory=lambda: default_data_dir() / "blobs")
    # Request bodies
    max_body: int = 16 * 1024 * 1024  # bytes on the wire (JSON endpoints)
    max_decompressed: int = 32 * 1024 * 1024  # bytes after gunzip: no zip bombs
    # Sync
    page_size: int = 2000
    clock_drift_ms: int = 10 * 60 * 1000
    # Accounts
    token_days: int = 30
    argon_time_cost: int = 3
    argon_memory_kib: int = 64 * 1024
    argon_parallelism: int = 2
    login_window_s: int = 15 * 60
    login_max_per_account: int = 5
    login_max_per_address: int = 30
    login_lock_s: int = 60  # first lock; doubles with each further failure, at most an hour
    login_failure_delay_s: float = 0.5  # per recent failure, at most 2 s: slows guessing
    # Attachments
    chunk_max: int = 8 * 1024 * 1024
    blob_max: int = 200 * 1024 * 1024
    user_quota: int = 5 * 1024 * 1024 * 1024
    # Logs
    log_requests: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")
