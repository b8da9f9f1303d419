"""The service's settings, declared once: every limit an operator may change is a field
here, settable by environment variable (FIELDAPP_SERVER_<NAME>, e.g.
FIELDAPP_SERVER_TOKEN_DAYS=7) and by a `fieldapp-server serve --<name>` flag generated
from the same declaration (pydantic-settings), so a deployment can be written as a
container's environment, a systemd unit's flags or a test's keyword arguments alike.

Defaults suit one office server. Worker processes (`--workers N`) receive the settings
the parent resolved, through the environment (`to_environment`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync.wire import DEFAULT_PAGE

SERVER_APP = "FieldAppServer"
ENV_PREFIX = "FIELDAPP_SERVER_"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(SERVER_APP, "4p1000"))


def default_db_url() -> str:
    return f"sqlite:///{default_data_dir() / 'server.sqlite'}"


def _env(*names: str) -> AliasChoices:
    """Accept a field by its own name (keyword arguments) and by these environment names."""
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    # Storage
    db_url: str = Field(default_factory=default_db_url,
                        validation_alias=_env("db_url", "FIELDAPP_SERVER_DB", "FIELDAPP_SERVER_DB_URL"),
                        description="database URL: sqlite:///path or postgresql+psycopg://user@host/db")
    blob_dir: Path | None = Field(None, validation_alias=_env("blob_dir", "FIELDAPP_SERVER_BLOBS", "FIELDAPP_SERVER_BLOB_DIR"),
                                  description="folder for attachment bytes (default: beside the SQLite file, "
                                              "else the service's data folder); shared by every process")
    # Request bodies
    max_body: int = Field(16 * 1024 * 1024, gt=0, description="bytes on the wire of a JSON request")
    max_decompressed: int = Field(32 * 1024 * 1024, gt=0, description="bytes of a request after decompression (no zip bombs)")
    # Sync
    page_size: int = Field(DEFAULT_PAGE, gt=0, description="changes per page of the feed")
    clock_drift_ms: int = Field(10 * 60 * 1000, gt=0, description="how far ahead of the server a client's clock may be")
    # Accounts
    token_days: int = Field(30, gt=0, description="lifetime of a login token")
    argon_time_cost: int = Field(3, gt=0, description="argon2 passes per password check")
    argon_memory_kib: int = Field(64 * 1024, ge=8, description="argon2 memory per password check")
    argon_parallelism: int = Field(2, gt=0, description="argon2 lanes")
    login_window_s: int = Field(15 * 60, gt=0, description="window over which failed logins are counted")
    login_max_per_account: int = Field(5, gt=0, description="failed logins from one address for one account before that pair "
                                                  "is locked (the account as a whole is only slowed down)")
    login_max_per_address: int = Field(30, gt=0, description="failed logins per client address before it is slowed down")
    login_lock_s: int = Field(60, ge=0, description="first delay after too many failures; doubles, at most login_max_pair_lock_s")
    login_failure_delay_s: float = Field(0.5, ge=0, description="delay per recent failure, at most 2 s")
    login_max_pair_lock_s: int = Field(3600, ge=0, description="longest lock of one address guessing one account")
    login_account_slow_after: int = Field(20, gt=0, description="failed logins for one account (from every address) "
                                                                "before the account as a whole is slowed down")
    login_max_account_wait_s: int = Field(30, ge=0, description="longest wait of a slowed-down account per attempt "
                                                                "(slowed, never locked)")
    login_max_address_wait_s: int = Field(10, ge=0, description="longest wait of a slowed-down address per attempt "
                                                                "(a workshop's shared Wi-Fi)")
    login_max_failure_rows: int = Field(50_000, gt=0, description="bound of the failed-logins table; past it, keys "
                                                                  "of unknown names are forgotten first")
    # Attachments
    chunk_max: int = Field(8 * 1024 * 1024, gt=0, description="bytes of one upload chunk")
    blob_max: int = Field(200 * 1024 * 1024, gt=0, description="bytes of one attachment")
    user_quota: int = Field(5 * 1024 * 1024 * 1024, gt=0, description="bytes of attachments one user may upload")
    # Serving
    host: str = Field("127.0.0.1", description="address to listen on (0.0.0.0: every interface)")
    port: int = Field(8765, gt=0, lt=65536, description="port to listen on")
    workers: int = Field(1, gt=0, description="worker processes (PostgreSQL; keep 1 on SQLite)")
    keep_alive_s: int = Field(75, gt=0, description="idle seconds a kept-alive connection stays open; longer than "
                                                    "a load balancer's (60 s on the usual ones), or it resets them")
    trust_proxy: str | None = Field(None, description="addresses of load balancers whose X-Forwarded-For is trusted")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="lowest level logged")
    log_requests: bool = Field(True, description="one log line per request")
    metrics_token: str | None = Field(None, description="bearer token a Prometheus scraper sends to GET /v1/metrics "
                                                        "(without it, only administrators' tokens are accepted)")

    @model_validator(mode="after")
    def _blob_dir_beside_the_database(self) -> "Settings":
        if self.blob_dir is None:
            self.blob_dir = (Path(self.db_url.removeprefix("sqlite:///")).parent / "blobs"
                             if self.db_url.startswith("sqlite:///") else default_data_dir() / "blobs")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def to_environment(self) -> dict[str, str]:
        """These settings as FIELDAPP_SERVER_* variables (for worker processes)."""
        out: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            out[ENV_PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return out


def fields() -> dict[str, Any]:
    """The declared settings (name -> pydantic FieldInfo), for the command line's flags."""
    return dict(Settings.model_fields)
