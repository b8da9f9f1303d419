"""The lock is what gets installed: a fresh machine runs the versions these tests ran on.

Without it a fresh install picked Babel 2.19 (renamed countries: a template test failed)
and PySide6 6.12.0 (a reference leak that aborts the window after ~13 000 actions)."""
from __future__ import annotations

import importlib.metadata as md

import pytest
from packaging.utils import canonicalize_name

from tests.install.lockfile import declared, pins

LOCKS = {"dev.txt": ("dev",), "desktop.txt": ("desktop",), "server.txt": ("server",)}


def test_every_installed_package_is_the_locked_version():
    wrong = {}
    for name, version in pins("dev.txt").items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert not wrong, f"installed vs locked (run `make test` to reinstall from the lock): {wrong}"


@pytest.mark.parametrize("lock, groups", LOCKS.items())
def test_every_declared_dependency_is_in_its_lock(lock, groups):
    missing = declared(*groups) - set(pins(lock, applicable_only=False))
    assert not missing, f"pyproject.toml names {sorted(missing)} but requirements/{lock} does not: run `make lock`"


def test_the_service_lock_carries_no_qt_and_the_desktop_lock_no_web_server():
    server, desktop = pins("server.txt", applicable_only=False), pins("desktop.txt", applicable_only=False)
    assert not {n for n in server if n.startswith(("pyside6", "shiboken"))}
    assert not {"fastapi", "uvicorn", "starlette", "psycopg"} & set(desktop)


def test_the_locked_qt_binding_is_below_the_leaking_release():
    version = tuple(int(p) for p in pins("desktop.txt")[canonicalize_name("PySide6-Essentials")].split(".")[:2])
    assert version < (6, 12), "PySide6 6.12.0 leaks references to None on CPython 3.11; see tests/ui/test_binding_refcounts.py"
    assert pins("desktop.txt")["shiboken6"] == pins("desktop.txt")["pyside6-essentials"]


def test_the_three_locks_agree_on_shared_packages():
    dev = pins("dev.txt", applicable_only=False)
    for lock in ("desktop.txt", "server.txt"):
        differ = {n: (v, dev[n]) for n, v in pins(lock, applicable_only=False).items() if n in dev and dev[n] != v}
        assert not differ, f"requirements/{lock} and dev.txt pin different versions: {differ}"
