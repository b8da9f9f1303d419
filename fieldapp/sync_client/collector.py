"""Fewer garbage collections while a sync pulls and applies its pages.

A page of an initial sync is decoded into, then written from, a few hundred thousand
containers that all live until the page is committed. Python's collector runs its young
generation every 700 new containers and its older ones every ten of those, so each page
set off collections that walked the same live containers again and again: 6 % of a
10 000-practice first sync on loopback went to `gc_collect_main`, none of it freeing
anything (the rows are freed by reference counting once the page is written). Between
syncs the window keeps Python's defaults; the service does the same in its serving
processes (`sync.server.cli.SERVING_GC`).
"""
from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

SYNC_GC = (50_000, 20, 20)  # the first generation every 50 000 containers, as the service

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with SYNC_GC thresholds, then give back the ones found. The
    thresholds are the process's: two syncs at once (two stores) share one setting, and
    the last to finish restores what was there before the first."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*SYNC_GC)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
