"""The client's half of "erase this person": after a sync that brought changes, ask the
service which erasures this folder has not applied (row ids only, GET /v1/erasures) and
scrub every local copy of those rows (core/person_data.py). Every sync reply names the
service's latest erasure (`erasure_seq`), so the question is asked only when one is new
here: a sync stays one request."""
from __future__ import annotations

from fieldapp.core import person_data
from fieldapp.core.store import Store
from fieldapp.sync_client.transport import ServerRefused, Transport


def behind(store: Store, latest: int | None, brought_changes: bool) -> bool:
    """Must this folder ask for erasures? When the service's latest (`erasure_seq` of its
    reply) is past the last one applied here; a service that sends none (an older one)
    is asked after any sync that brought changes, as an erasure always does."""
    if latest is None:
        return brought_changes
    return int(latest) > person_data.applied_erasures(store)


def catch_up(store: Store, transport: Transport) -> int:
    """Apply the erasures the service made since the last one applied here; returns how
    many rows were scrubbed. A service without erasures (an older one) answers 404: none."""
    try:
        reply = transport.call("GET", f"/v1/erasures?after={person_data.applied_erasures(store)}").json()
    except ServerRefused as exc:
        if exc.status == 404:
            return 0
        raise
    notices = reply.get("erasures") or []
    return person_data.apply_erasures(store, notices) if notices else 0
