"""The OS keyring (Windows Credential Locker, macOS Keychain, Secret Service on Linux)
through `keyring`, or None where no usable backend exists (a headless Linux box): the
sync token and the database key both fall back to something else there."""
from __future__ import annotations

import os
from types import ModuleType


def usable() -> ModuleType | None:
    """The `keyring` module when a real backend answers; None for the fail/null backends,
    a broken install, or FIELDAPP_TOKEN_FILE=1 (tests and headless boxes asking for the
    file fallback)."""
    if os.environ.get("FIELDAPP_TOKEN_FILE") == "1":
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        module = type(backend).__module__
        if isinstance(backend, fail.Keyring) or "fail" in module or "null" in module:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - any broken backend means "no keyring"
        return None
