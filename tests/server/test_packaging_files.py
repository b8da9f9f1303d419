"""The deployment files under packaging/server/ stay true to the code. (No Docker engine
runs on the development machines: these checks, and tests/install/test_server_install.py,
which performs the Dockerfile's install steps in an empty venv and serves /v1/health,
stand in for `docker build`.)"""
from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import yaml

from sync.server.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "packaging" / "server"
SETTING_VAR = re.compile(re.escape(ENV_PREFIX) + r"([A-Z_]+)")
KNOWN = {name.upper() for name in Settings.model_fields} | {"DB", "BLOBS", "PASSWORD"}


def _settings_named(text: str) -> set[str]:
    return set(SETTING_VAR.findall(text))


def test_the_files_name_only_real_settings():
    for name in ("Dockerfile", "compose.yaml", "fieldapp-server.service", "README.md"):
        unknown = _settings_named((HERE / name).read_text(encoding="utf-8")) - KNOWN
        assert not unknown, f"{name} sets {sorted(unknown)}, which sync/server/settings.py does not declare"


def test_the_dockerfile_installs_the_lock_and_copies_what_exists():
    text = (HERE / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *sources, _target = shlex.split(line)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    assert "--require-hashes" in text and "requirements/server.txt" in text
    assert "--no-deps" in text  # the project itself resolves nothing more
    assert "PySide6" not in text and "requirements/dev.txt" not in text
    assert "/v1/health" in text and re.search(r"^USER (?!root)\w+", text, re.MULTILINE)


def test_compose_runs_the_service_on_postgresql():
    compose = yaml.safe_load((HERE / "compose.yaml").read_text(encoding="utf-8"))
    service, db = compose["services"]["service"], compose["services"]["db"]
    assert service["environment"]["FIELDAPP_SERVER_DB_URL"].startswith("postgresql+psycopg://")
    assert service["depends_on"]["db"]["condition"] == "service_healthy" and "healthcheck" in db
    assert (HERE / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == HERE / "Dockerfile"
    assert int(service["environment"]["FIELDAPP_SERVER_KEEP_ALIVE_S"]) > 60


def test_the_systemd_unit_starts_the_migrated_service_unprivileged():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string((HERE / "fieldapp-server.service").read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["ExecStart"].endswith("fieldapp-server serve")
    assert "fieldapp-server migrate" in service["ExecStartPre"]
    assert service["User"] != "root" and service["UMask"] == "0077" and service["NoNewPrivileges"] == "yes"
