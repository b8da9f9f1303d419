"""The one schema and its validation rules."""
import pytest

from fieldapp.core import fieldspec as fs
from fieldapp.core.schema import BY_NAME, ENTITIES, REFERENCE_LISTS, entity, is_global, scope_path
from fieldapp.core.reference import shipped_rows


def test_entities_named_by_the_issue_are_declared():
    for name in ("reference", "practice", "practice_media", "organisation", "contact", "project",
                 "form_definition", "form_submission", "meeting", "meeting_participant", "agenda_item",
                 "decision", "action_item", "meeting_practice", "meeting_media"):
        assert name in BY_NAME


def test_references_point_backwards_so_tables_apply_in_order():
    seen = set()
    for e in ENTITIES:
        for f in e.fields:
            if f.kind == fs.REF and f.ref != e.name:
                assert f.ref in seen, f"{e.name}.{f.name} points to {f.ref} declared later"
        seen.add(e.name)


def test_scope_follows_parents_to_a_region():
    assert scope_path(entity("practice")) == []
    hops = scope_path(entity("decision"))
    assert [h[1] for h in hops] == ["meeting_id"]
    assert not is_global(entity("practice_media"))
    assert is_global(entity("reference")) and is_global(entity("form_definition"))


def test_shipped_reference_lists_have_the_expected_sizes():
    counts = {}
    for r in shipped_rows():
        counts[r["list_name"]] = counts.get(r["list_name"], 0) + 1
    assert set(counts) == set(REFERENCE_LISTS)
    assert counts["climate_zone"] == 12 and counts["land_use"] == 6 and counts["soil_group"] == 32
    assert counts["practice_family"] == 12 and counts["country"] >= 249
    objectives = [r["code"] for r in shipped_rows() if r["list_name"] == "strategic_objective" and r["parent"]]
    assert len(objectives) == 24 and objectives[0] == "A1" and objectives[-1] == "F3"
    assert all(r["parent"] for r in shipped_rows() if r["list_name"] == "country")


@pytest.mark.parametrize("raw, expected", [
    ("12,5", 12.5), ("1 234,5", 1234.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("-0.25", -0.25), (" 7 ", 7.0),
])
def test_decimal_accepts_spreadsheet_spellings(raw, expected):
    assert fs.parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1,2,3.4.5", "", "--1", "1e"])
def test_decimal_refuses_garbage(raw):
    with pytest.raises(ValueError):
        fs.parse_decimal(raw)


def test_dates_iso_and_day_first_but_not_month_first():
    f = entity("meeting").field("starts_on")
    assert fs.coerce(f, "2023-02-14") == "2023-02-14"
    assert fs.coerce(f, "14/02/2023") == "2023-02-14"
    with pytest.raises(ValueError):
        fs.coerce(f, "02/30/2023")


def test_validate_reports_every_problem_with_field_and_rule():
    e = entity("practice")
    clean, errors = fs.validate(e, {"title": "", "soc_impact": 4, "latitude": "95", "links": "ftp://x", "bogus": 1},
                                has_code=lambda lst, code: False)
    by_field = {x.field: x for x in errors}
    assert by_field["title"].code == "required"
    assert by_field["soc_impact"].code == "range" and "-3" in by_field["soc_impact"].message
    assert by_field["latitude"].code == "range" and "90" in by_field["latitude"].message
    assert by_field["links"].code == "url"
    assert by_field["bogus"].code == "unknown_field"
    assert by_field["family"].code == "required" and by_field["country"].code == "required"
    assert "title" not in clean


def test_partial_validation_checks_only_given_fields():
    clean, errors = fs.validate(entity("practice"), {"soc_impact": "2"}, partial=True)
    assert errors == [] and clean == {"soc_impact": 2}


def test_text_must_fit_on_one_line_and_within_limit():
    f = entity("organisation").field("name")
    assert fs.check_value(f, "a\nb").code == "one_line"
    assert fs.check_value(f, "x" * 501).code == "too_long"
