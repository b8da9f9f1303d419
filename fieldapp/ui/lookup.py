"""Finding records to point at (a practice's organisation, an action's owner) by a few
typed letters, off the UI thread."""
from __future__ import annotations

from typing import Callable

from fieldapp.core.schema import entity
from fieldapp.core.search import SEARCHED_NAMES
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import record_title
from fieldapp.ui.pickers import fold

MAX_HITS = 20
SMALL_LIST = 500


def make_lookup(bridge: StoreBridge) -> Callable[[str, str, Callable[[list[tuple[str, str]]], None]], None]:
    store = bridge.store

    def lookup(target: str, text: str, deliver: Callable[[list[tuple[str, str]]], None]) -> None:
        e = entity(target)

        def find() -> list[tuple[str, str]]:
            if target in SEARCHED_NAMES and text:
                return [(h.row_id, h.title) for h in store.search(text, entities=[target], limit=MAX_HITS)]
            rows = store.rows(target, store.ids(target, limit=SMALL_LIST))
            wanted = fold(text)
            titled = [(r["id"], record_title(e, r)) for r in rows]
            return [t for t in titled if wanted in fold(t[1])][:MAX_HITS]

        bridge.read(find, deliver)

    return lookup
