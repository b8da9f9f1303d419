"""Reference lists (climate zones, soil groups, practice families, organisation types,
colleges, strategic objectives...) read in all six UN languages."""
from __future__ import annotations

import json

import pytest

from fieldapp.paths import resources_dir

UN_MORE = ("ar", "zh", "ru")
SCRIPTS = {"ar": ("\u0600", "\u06ff"), "zh": ("\u4e00", "\u9fff"), "ru": ("\u0400", "\u04ff")}


def _lists() -> dict:
    data = json.loads((resources_dir() / "reference" / "lists.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _more() -> dict:
    data = json.loads((resources_dir() / "reference" / "labels_more.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def test_every_reference_entry_has_arabic_chinese_and_russian_labels():
    lists, more = _lists(), _more()
    assert set(more) == set(lists)
    for name, entries in lists.items():
        assert set(more[name]) == {e[0] for e in entries}, name
        for code, labels in more[name].items():
            for lang in UN_MORE:
                low, high = SCRIPTS[lang]
                text = labels[lang]
                assert any(low <= ch <= high for ch in text), (name, code, lang, text)


@pytest.mark.parametrize("lang, code, expected_list", [("ar", "agroforestry", "practice_family"),
                                                      ("zh", "CTEMP_MOIST", "climate_zone"),
                                                      ("ru", "C2", "college")])
def test_store_catalog_shows_reference_labels_in_the_language(store, lang, code, expected_list):
    """fieldapp.core.reference merges labels_more.json into the shipped entries."""
    label = store.catalog.label(expected_list, code, lang)
    assert label == _more()[expected_list][code][lang], (
        "reference.py does not merge resources/reference/labels_more.json yet")
