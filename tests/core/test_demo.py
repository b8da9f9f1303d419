"""Demo data: deterministic, valid against the schema, multilingual, and usable as a whole
store (search finds it, the store's checks stay clean)."""
from __future__ import annotations

import pytest

from fieldapp.core import demo
from fieldapp.core.fieldspec import validate
from fieldapp.core.reference import Catalog, shipped_rows
from fieldapp.core.schema import ENTITIES, entity

SCALE = 400


@pytest.fixture(scope="module")
def rows():
    return demo.generate_rows(scale=SCALE, seed=7)


def test_same_seed_same_rows_other_seed_other_rows(rows):
    again = demo.generate_rows(scale=SCALE, seed=7)
    assert again == rows
    other = demo.generate_rows(scale=SCALE, seed=8)
    assert [r["id"] for r in other["practice"]] != [r["id"] for r in rows["practice"]]
    assert [r["title"] for r in other["practice"]] != [r["title"] for r in rows["practice"]]


def test_counts_follow_the_scale(rows):
    assert len(rows["practice"]) == SCALE
    assert len(rows["organisation"]) == SCALE // 5
    assert len(rows["contact"]) == SCALE // 2
    assert len(rows["project"]) == SCALE // 20
    assert len(rows["meeting"]) == SCALE // 50
    # entities come in schema order, so references always point backwards
    order = [e.name for e in ENTITIES]
    assert list(rows) == sorted(rows, key=order.index)


def test_every_row_passes_the_schema_and_ids_are_unique(rows):
    catalog = Catalog.from_rows(shipped_rows())
    seen: set[str] = set()
    for name, batch in rows.items():
        e = entity(name)
        for row in batch:
            values = {k: v for k, v in row.items() if k != "id"}
            clean, errors = validate(e, values, has_code=catalog.has)
            assert errors == [], (name, row, errors)
            # the fast path stores values exactly as validation would have cleaned them
            assert {k: v for k, v in values.items() if v not in (None, [])} == {
                k: v for k, v in clean.items() if k in values and v not in (None, [])}, name
            assert row["id"] not in seen
            seen.add(row["id"])


def test_references_point_to_generated_rows(rows):
    ids = {name: {r["id"] for r in batch} for name, batch in rows.items()}
    for name, batch in rows.items():
        e = entity(name)
        for f in e.fields:
            if f.kind == "ref":
                for r in batch:
                    if r.get(f.name) is not None:
                        assert r[f.name] in ids[f.ref], (name, f.name)


def test_three_languages_and_varied_text(rows):
    practices = rows["practice"]
    langs = {r["language"] for r in practices}
    assert {"en", "fr", "es"} <= langs
    for lang in ("en", "fr", "es"):
        assert sum(r["language"] == lang for r in practices) > SCALE * 0.2
    titles = {r["title"] for r in practices}
    assert len(titles) > SCALE * 0.8
    words = {w.lower() for r in practices for w in r["description"].split()}
    assert len(words) > 800
    assert any("é" in r["title"] or "í" in r["title"] or "á" in r["title"] for r in practices)
    families = {r["family"] for r in practices}
    assert len(families) == 12


def test_impacts_skew_positive_and_soc_change_plausible(rows):
    scores = [r["soc_impact"] for r in rows["practice"]]
    assert all(-3 <= s <= 3 for s in scores)
    assert sum(s > 0 for s in scores) > 2 * sum(s < 0 for s in scores)
    changes = [r["soc_change"] for r in rows["practice"] if r["soc_change"] is not None]
    assert changes and all(-1 <= c <= 3 for c in changes)


def test_meetings_have_participants_decisions_actions_and_practices(rows):
    by_meeting = {m["id"]: {"participants": [], "decisions": [], "actions": [], "agenda": [], "practices": []} for m in rows["meeting"]}
    for key, name in (("participants", "meeting_participant"), ("decisions", "decision"), ("actions", "action_item"),
                      ("agenda", "agenda_item"), ("practices", "meeting_practice")):
        for r in rows[name]:
            by_meeting[r["meeting_id"]][key].append(r)
    for parts in by_meeting.values():
        assert 10 <= len(parts["participants"]) <= 40
        assert {p["gender"] for p in parts["participants"]} <= {"female", "male", "other", "undisclosed"}
        assert parts["decisions"] and parts["actions"] and len(parts["agenda"]) >= 4
    outcomes = {d["outcome"] for d in rows["decision"]}
    assert outcomes == {"adopted", "rejected", "postponed"}
    genders = [p["gender"] for p in rows["meeting_participant"]]
    assert 0.3 < genders.count("female") / len(genders) < 0.6
    assert any(p["age_group"] == "youth" for p in rows["meeting_participant"])
    titles = [m["title"] for m in rows["meeting"]]
    assert any("Asia regional meeting" in t for t in titles)  # Hyderabad, with ICRISAT
    assert any("Afrique de l'Ouest" in t for t in titles)  # Abidjan, forest soils


def test_generate_into_store_is_clean_searchable_and_not_queued(store):
    counts = demo.generate(store, scale=150, seed=3)
    stats = store.stats()
    for name, n in counts.items():
        assert stats[name] == n
    assert counts["practice"] == 150
    assert store.check() == []
    assert store.pending_count() == 0  # the demo server holds the same rows
    hits = store.search("ICRISAT")
    assert hits and hits[0].entity == "organisation"
    practice = store.records("practice", limit=1)[0]
    word = max(practice["title"].split(), key=len)
    assert any(h.row_id == practice["id"] for h in store.search(word, limit=200))
    # the same seed into another store gives the same ids
    assert {r["id"] for r in demo.generate_rows(scale=150, seed=3)["practice"]} == set(store.ids("practice"))


def test_progress_reports_each_entity(store):
    seen: dict[str, tuple[int, int]] = {}
    demo.generate(store, scale=60, seed=1, progress=lambda name, done, total: seen.__setitem__(name, (done, total)))
    assert seen["practice"] == (60, 60)
    assert all(done == total for done, total in seen.values())
