"""The OS keyring (Windows Credential Locker, macOS Keychain, Secret Service on Linux)
through `keyring`, or None where no usable backend exists (a headless Linux box): the
sync token and the database key both fall back to something else there."""
from __future__ import annotations

import os
from types import ModuleType


def backend_name(kr: ModuleType) -> str:
    """"module.Class" of the backend in use, for `usable(remembered=...)` at the next start."""
    backend = kr.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _load_remembered(kr: ModuleType, remembered: str) -> None:
    """Install the backend that kept a secret before, skipping keyring's detection, which
    asks every backend whether it is viable (~90 ms at each start: the macOS one looks for
    its framework with ctypes.util.find_library even on Linux). Only when nothing chose a
    backend yet (an explicit set_keyring or PYTHON_KEYRING_BACKEND wins); any failure
    leaves detection to do its work."""
    import keyring.core

    if os.environ.get("PYTHON_KEYRING_BACKEND") or getattr(keyring.core, "_keyring_backend", object()) is not None:
        return
    try:
        kr.set_keyring(keyring.core.load_keyring(remembered))
    except Exception:  # noqa: BLE001 - moved or uninstalled backend: detect as before
        return


def usable(remembered: str | None = None) -> ModuleType | None:
    """The `keyring` module when a real backend answers; None for the fail/null backends,
    a broken install, or FIELDAPP_TOKEN_FILE=1 (tests and headless boxes asking for the
    file fallback). `remembered` is a `backend_name()` saved when a secret was kept."""
    if os.environ.get("FIELDAPP_TOKEN_FILE") == "1":
        return None
    try:
        import keyring
        from keyring.backends import fail

        if remembered:
            _load_remembered(keyring, remembered)
        backend = keyring.get_keyring()
        module = type(backend).__module__
        if isinstance(backend, fail.Keyring) or "fail" in module or "null" in module:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - any broken backend means "no keyring"
        return None
