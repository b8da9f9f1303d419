"""The store's JSON columns are written by one reused encoder: the same text as json.dumps."""
import json
import math

import pytest

from fieldapp.core import json_columns

VALUES = [
    {"title": "h123-ab", "soc_change": 0.35, "objectives": ["B2", "C2"], "deleted": False, "n": None},
    {"é": "agroécologie", "zh": "土壤碳", "ar": "الكربون", "emoji": "🌱", "quote": "a \"b\" \\ c\n\t"},
    [1, -2, 10**30, 1e-7, 1.0, 2.5e300, True, None, [], {}],
    {"nested": {"deeper": [{"x": [1, {"y": "z"}]}]}},
    "a lone string", 42, 3.25, None, [],
    {"1": 1, "": "empty key"},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_json_dumps_own(value):
    assert json_columns.dumps(value) == json.dumps(value)


def test_non_finite_numbers_as_json_dumps_writes_them():
    value = [math.inf, -math.inf]
    assert json_columns.dumps(value) == json.dumps(value) == "[Infinity, -Infinity]"
    assert math.isnan(json.loads(json_columns.dumps(math.nan)))


def test_a_value_json_cannot_hold_is_refused_as_json_dumps_refuses_it():
    with pytest.raises(TypeError):
        json_columns.dumps({"when": object()})


def test_a_saved_row_holds_that_text_and_reads_back(store):
    row_id = store.insert("practice", {"title": "Zaï", "family": "agroecology", "country": "BF",
                                       "objectives": ["B2", "C2"]})
    with store.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT objectives FROM practice WHERE id = ?", (row_id,)).scalar()
    assert raw == json.dumps(["B2", "C2"])
    assert store.get("practice", row_id)["objectives"] == ["B2", "C2"]
