"""A sync pulls and applies its pages with few garbage collections (collector.SYNC_GC)
and gives the process its own thresholds back afterwards, also when it fails."""
from __future__ import annotations

import gc
import threading

import pytest

from fieldapp.sync_client import collector
from fieldapp.sync_client.collector import SYNC_GC, fewer_collections


@pytest.fixture
def own_thresholds():
    """Thresholds no sync would set, restored after the test whatever happens."""
    before = gc.get_threshold()
    gc.set_threshold(701, 11, 9)
    yield (701, 11, 9)
    gc.set_threshold(*before)


def test_pages_are_applied_with_few_collections_and_the_thresholds_come_back(client, own_thresholds):
    writer, sync_writer = client("amina", "writer")
    for i in range(30):
        writer.insert("practice", {"title": f"Zaï amélioré {i}", "family": "land_restoration", "country": "SN"})
    assert sync_writer.sync().pushed == 30
    reader, sync_reader = client("amina", "reader")
    seen: list[tuple[int, int, int]] = []
    reader.on_change(lambda _entity, _id: seen.append(gc.get_threshold()))
    result = sync_reader.sync()
    assert result.ok and reader.count("practice") == 30
    # Heard after each page's commit, inside the pull.
    assert seen and set(seen) == {SYNC_GC}
    assert gc.get_threshold() == own_thresholds


def test_a_page_that_fails_to_apply_gives_the_thresholds_back_too(client, monkeypatch, own_thresholds):
    writer, sync_writer = client("amina", "writer-2")
    writer.insert("practice", {"title": "Paillage", "family": "cover_crops", "country": "SN"})
    assert sync_writer.sync().ok
    _store, engine = client("amina", "failing")
    inside: list[tuple[int, int, int]] = []

    def broken_apply(*_args, **_kw):
        inside.append(gc.get_threshold())
        raise RuntimeError("the page could not be applied")

    monkeypatch.setattr("fieldapp.sync_client.engine.apply_reply", broken_apply)
    with pytest.raises(RuntimeError):
        engine.sync()
    assert inside == [SYNC_GC] and gc.get_threshold() == own_thresholds


def test_nested_and_concurrent_blocks_restore_what_was_there_before_the_first(own_thresholds):
    started, release = threading.Event(), threading.Event()

    def other_sync() -> None:
        with fewer_collections():
            started.set()
            release.wait(10)

    other = threading.Thread(target=other_sync)
    other.start()
    assert started.wait(10)
    with pytest.raises(RuntimeError):
        with fewer_collections():
            assert gc.get_threshold() == SYNC_GC
            raise RuntimeError("a page failed")
    assert gc.get_threshold() == SYNC_GC  # the other sync still runs
    release.set()
    other.join(10)
    assert gc.get_threshold() == own_thresholds and collector._depth == 0
