"""Full-text search: accents folded, title hits first, snippets, kept current."""
import pytest

from fieldapp.core.search import fts_query


@pytest.fixture
def corpus(store):
    ids = {}
    ids["title"] = store.insert("practice", {"title": "Agroécologie en zone sahélienne", "family": "agroecology",
                                             "country": "SN", "summary": "Haies vives et compost"})
    ids["body"] = store.insert("practice", {"title": "Haies brise-vent", "family": "agroforestry", "country": "NE",
                                            "description": "Une pratique d'agroécologie qui protège le sol du vent."})
    ids["org"] = store.insert("organisation", {"name": "Fundación Agroecológica Andina", "org_type": "foundation",
                                               "country": "PE"})
    ids["meeting"] = store.insert("meeting", {"title": "Atelier régional de Abidjan", "starts_on": "2023-05-16",
                                              "summary": "Sols forestiers en Afrique de l'Ouest"})
    ids["contact"] = store.insert("contact", {"full_name": "Søren Ødegård", "role": "Chercheur"})
    return ids


def test_unaccented_finds_accented_and_back(store, corpus):
    assert corpus["title"] in {h.row_id for h in store.search("agroecologie")}
    assert corpus["title"] in {h.row_id for h in store.search("AGROÉCOLOGIE")}
    [hit] = store.search("soren")
    assert hit.row_id == corpus["contact"] and hit.title == "Søren Ødegård"  # shown as typed
    assert corpus["meeting"] in {h.row_id for h in store.search("atelier regional")}


def test_title_hit_ranks_above_body_hit(store, corpus):
    hits = [h.row_id for h in store.search("agroecologie", entities=["practice"])]
    assert hits == [corpus["title"], corpus["body"]]


def test_prefix_search_as_you_type_and_snippet(store, corpus):
    hits = store.search("forest")
    assert hits and hits[0].row_id == corpus["meeting"] and "[forestiers]" in hits[0].snippet


def test_search_across_entities(store, corpus):
    assert {h.entity for h in store.search("agroeco")} == {"practice", "organisation"}


def test_index_follows_updates_and_deletes(store, corpus):
    store.update("practice", corpus["body"], {"title": "Bocage sahélien", "description": "rien"})
    assert corpus["body"] not in {h.row_id for h in store.search("agroecologie")}
    assert store.search("bocage")[0].row_id == corpus["body"]
    store.delete("practice", corpus["title"])
    assert corpus["title"] not in {h.row_id for h in store.search("sahelienne")}
    store.restore("practice", corpus["title"])
    assert store.search("sahelienne")[0].row_id == corpus["title"]


@pytest.mark.parametrize("typed", ['"', "AND", "title:x", "a OR", "NEAR(a b)", "*", "'; DROP TABLE practice; --", "^x", ")"])
def test_fts_syntax_typed_by_a_person_is_plain_text(store, corpus, typed):
    store.search(typed)  # must not raise
    assert store.count("practice") == 2


def test_fts_query_quotes_words():
    assert fts_query("agro éco") == '"agro" "éco"*'
    assert fts_query("sol ") == '"sol"'
    assert fts_query("  ") is None


def _merge_settings(store) -> dict:
    with store.engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT k, v FROM search_fts_config WHERE k IN ('automerge', 'hashsize')").all())


def test_new_and_upgraded_databases_write_the_index_in_fewer_larger_segments(tmp_path):
    from fieldapp.core import migrate, search
    from fieldapp.core.store import Store

    with Store(tmp_path / "new") as fresh:
        assert _merge_settings(fresh) == search.MERGE_SETTINGS
    # A database of revision 0005 had FTS5's defaults (no rows in its config table)
    with Store(tmp_path / "old") as old:
        with old.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM search_fts_config WHERE k IN ('automerge', 'hashsize')")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
        row_id = old.insert("practice", {"title": "Paillage des cacaoyères", "family": "agroforestry", "country": "CI"})
    with Store(tmp_path / "old") as upgraded:
        assert upgraded.backup_taken is not None and migrate.current(upgraded.engine) == migrate.head()
        assert _merge_settings(upgraded) == search.MERGE_SETTINGS
        assert [h.row_id for h in upgraded.search("cacao")] == [row_id]  # the index was kept, not emptied


def test_saves_one_by_one_across_many_segment_merges_are_all_found(store):
    """Forty saves make forty segments, merged eight at a time: every document, its
    update and its deletion still reach the prefix search."""
    ids = [store.insert("practice", {"title": f"Zaï amélioré numéro {n}", "summary": f"parcelle{n:02d}",
                                        "family": "agroecology", "country": "BF"})
           for n in range(40)]
    assert {h.row_id for h in store.search("zai amel", limit=100)} == set(ids)
    store.update("practice", ids[3], {"title": "Demi-lunes", "summary": "parcelle03"})
    store.delete("practice", ids[7])
    found = {h.row_id for h in store.search("zai amel", limit=100)}
    assert found == set(ids) - {ids[3], ids[7]}
    assert [h.row_id for h in store.search("demi-lu")] == [ids[3]]
    assert [h.row_id for h in store.search("parcelle39")] == [ids[39]]
