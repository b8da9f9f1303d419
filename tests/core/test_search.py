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
