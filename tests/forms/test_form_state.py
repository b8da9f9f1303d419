"""FormState, what the form filler drives: skip logic, validation, repeats, calculations."""
from __future__ import annotations

import json

import pytest

from fieldapp.forms.checks import read_definition
from fieldapp.forms.form_state import INVALID_KEY, FormState
from fieldapp.forms.errors import FormStateError
from tests.forms.helpers import clock, form, q

YES_NO = {"yes_no": [{"name": "yes", "label": {"en": "Yes", "fr": "Oui"}},
                     {"name": "no", "label": {"en": "No", "fr": "Non"}}]}


def farm_form():
    return form(
        q("farmer", required=True, label="Farmer"),
        q("age", "integer", required=True, constraint=". >= 0 and . <= 120",
          constraint_message={"en": "Age must be between 0 and 120", "fr": "L'âge doit être entre 0 et 120"},
          label={"en": "Age", "fr": "Âge"}),
        q("has_trees", "select_one", choices="yes_no", required=True),
        {"kind": "group", "name": "trees", "label": {"en": "Trees"}, "relevant": "${has_trees} = 'yes'",
         "children": [
             q("tree_count", "integer", required=True, constraint=". > 0"),
             q("species", "text", relevant="${tree_count} > 10"),
         ]},
        {"kind": "repeat", "name": "plots", "label": {"en": "Plots"}, "children": [
            q("plot_name", required=True),
            q("plot_area", "decimal", constraint=". > 0"),
            q("plot_big", "calculate", calculation="if(${plot_area} >= 2, 'big', 'small')"),
        ]},
        q("total_area", "calculate", calculation="sum(${plot_area})"),
        q("plot_count", "calculate", calculation="count(${plots})"),
        q("summary", "note", label={"en": "${plot_count} plots, ${total_area} ha"}),
        languages=["en", "fr"], choices=YES_NO,
    )


@pytest.fixture
def state():
    return FormState(farm_form(), now=clock)


def test_skip_logic_hides_and_clears_answers(state):
    state.set_answer("has_trees", "yes")
    state.set_answer("tree_count", 25)
    state.set_answer("species", "Faidherbia albida")
    assert state.is_relevant("species")
    assert "species" in [i.path for i in state.visible_questions()]

    change = state.set_answer("has_trees", "no")

    # The whole group is hidden and its answers are gone, as in ODK.
    assert not state.is_relevant("trees") and not state.is_relevant("tree_count")
    assert state.value("tree_count") is None and state.value("species") is None
    assert {"tree_count", "species"} <= change.paths
    assert "tree_count" not in state.to_answers() and "species" not in state.to_answers()
    assert "tree_count" not in [i.path for i in state.visible_questions()]
    # Hidden questions are not required any more.
    assert not [p for p in state.validate_all() if p.name == "tree_count"]


def test_nested_relevance_reacts_to_the_answer_it_reads(state):
    state.set_answer("has_trees", "yes")
    state.set_answer("tree_count", 5)
    assert not state.is_relevant("species")
    state.set_answer("tree_count", 11)
    assert state.is_relevant("species")
    with pytest.raises(FormStateError, match="hidden"):
        FormState(farm_form()).set_answer("species", "x")


def test_constraint_blocks_validate_all_with_its_message_in_the_chosen_language(state):
    state.set_answer("age", 130)
    problems = [p for p in state.validate_all() if p.name == "age"]
    assert [(p.path, p.label, p.code, p.message) for p in problems] == [
        ("age", "Age", "constraint", "Age must be between 0 and 120")]
    assert [str(p) for p in state.validate_all("fr") if p.name == "age"] == [
        "age (Âge): L'âge doit être entre 0 et 120"]
    assert state.check("age")[0].message == "Age must be between 0 and 120"
    state.set_answer("age", 40)
    assert state.check("age") == []


def test_required_questions_are_named_by_path_and_label(state):
    problems = state.validate_all()
    assert [(p.path, p.code) for p in problems] == [
        ("farmer", "required"), ("age", "required"), ("has_trees", "required")]
    assert problems[0].label == "Farmer" and problems[0].message == "An answer is required"


def test_complete_form_has_no_problems(state):
    state.set_answer("farmer", "Awa")
    state.set_answer("age", "34")
    state.set_answer("has_trees", "no")
    assert state.validate_all() == []


def test_repeat_add_remove_and_calculations_follow(state):
    first = state.add_repeat("plots")
    second = state.add_repeat("plots")
    assert (first, second) == ("plots[1]", "plots[2]")
    state.set_answer("plots[1]/plot_name", "North")
    state.set_answer("plots[1]/plot_area", "1,5")
    state.set_answer("plots[2]/plot_name", "South")
    state.set_answer("plots[2]/plot_area", 3)
    assert state.value("total_area") == 4.5
    assert state.value("plot_count") == 2
    assert state.value("plots[1]/plot_big") == "small" and state.value("plots[2]/plot_big") == "big"
    assert state.label("summary") == "2 plots, 4.5 ha"

    state.remove_repeat("plots[1]")

    assert state.repeat_count("plots") == 1
    assert state.value("plots[1]/plot_name") == "South"  # the later instance moved up
    assert state.value("total_area") == 3 and state.value("plot_count") == 1
    assert state.to_answers()["plots"] == [{"plot_name": "South", "plot_area": 3.0, "plot_big": "big"}]
    with pytest.raises(FormStateError, match="does not exist"):
        state.value("plots[2]/plot_name")


def test_problems_inside_repeats_name_the_instance(state):
    state.add_repeat("plots")
    state.add_repeat("plots")
    state.set_answer("plots[1]/plot_name", "North")
    state.set_answer("plots[2]/plot_area", -1)
    paths = [(p.path, p.code) for p in state.validate_all() if p.path.startswith("plots")]
    assert paths == [("plots[2]/plot_name", "required"), ("plots[2]/plot_area", "constraint")]
    state.set_answer("plots[1]/plot_area", 0)
    paths = [p.path for p in state.validate_all() if p.path.startswith("plots")]
    assert paths == ["plots[1]/plot_area", "plots[2]/plot_name", "plots[2]/plot_area"]  # instance by instance


def test_calculate_updates_and_change_names_only_what_depends(state):
    state.add_repeat("plots")
    change = state.set_answer("plots[1]/plot_area", 2)
    assert {"plot_area", "plot_big", "total_area", "summary"} <= change.names
    assert "farmer" not in change.names and "age" not in change.names
    change = state.set_answer("farmer", "Awa")
    assert change.names == {"farmer"}


def test_a_value_of_the_wrong_type_is_kept_as_typed_and_reported(state):
    state.set_answer("age", "thirty")
    assert state.value("age") is None
    assert state.raw("age") == "thirty"
    assert state.to_answers()[INVALID_KEY] == {"age": "thirty"}
    assert [(p.code, p.message) for p in state.check("age")] == [("type", "Must be a whole number")]
    reopened = FormState(farm_form(), state.to_answers())
    assert reopened.raw("age") == "thirty"
    state.set_answer("age", 30)
    assert state.raw("age") is None and INVALID_KEY not in state.to_answers()


def test_choices_must_belong_to_the_list(state):
    state.set_answer("has_trees", "maybe")
    assert state.check("has_trees")[0].code == "type"
    assert state.choices("has_trees", "fr") == [("yes", "Oui"), ("no", "Non")]


def test_answers_round_trip_through_json(state):
    state.set_answer("farmer", "Awa")
    state.set_answer("has_trees", "yes")
    state.set_answer("tree_count", 12)
    state.add_repeat("plots")
    state.set_answer("plots[1]/plot_area", 1.25)
    stored = json.loads(json.dumps(state.to_answers()))
    reopened = FormState(farm_form(), stored)
    assert reopened.to_answers() == state.to_answers()
    assert reopened.is_relevant("species")


def test_loading_clears_answers_whose_question_is_hidden():
    s = FormState(farm_form(), {"has_trees": "no", "tree_count": 5})
    assert s.value("tree_count") is None


def test_unknown_keys_of_stored_answers_are_kept():
    s = FormState(farm_form(), {"farmer": "Awa", "legacy_field": "kept"})
    assert s.to_answers()["legacy_field"] == "kept"


def test_calculated_notes_and_unknown_paths_cannot_be_written(state):
    for path, message in (("total_area", "read-only"), ("summary", "read-only"), ("nope", "not a question"),
                          ("plots[1]/plot_name", "does not exist"), ("plots[0]/plot_name", "not a path"),
                          ("farmer[1]", "not a path"), ("trees", "not a question")):
        with pytest.raises(FormStateError, match=message):
            state.set_answer(path, 1)


def test_defaults_fill_new_forms_and_new_repeat_instances():
    defn = form(
        q("currency", "select_one", choices="cur", default="EUR"),
        q("visit", "date", default={"expression": "today()"}),
        {"kind": "repeat", "name": "rows", "label": {"en": "Rows"}, "children": [
            q("unit", default="kg"), q("qty", "integer", default=1)]},
        choices={"cur": [{"name": "EUR", "label": {"en": "Euro"}}, {"name": "USD", "label": {"en": "Dollar"}}]})
    s = FormState(defn, now=clock)
    assert s.value("currency") == "EUR" and s.value("visit") == "2026-03-15"
    path = s.add_repeat("rows")
    assert s.value(f"{path}/unit") == "kg" and s.value(f"{path}/qty") == 1
    # A reopened draft keeps what the person cleared: defaults are for new forms only.
    s.set_answer("currency", None)
    assert FormState(defn, s.to_answers()).value("currency") is None


def test_required_and_read_only_can_be_expressions():
    defn = form(
        q("score", "integer"),
        q("why", required="${score} <= 1", required_message={"en": "Explain the low score"}),
        q("locked", read_only="${score} = 4"),
    )
    s = FormState(defn)
    assert s.validate_all() == []
    s.set_answer("score", 1)
    assert [(p.path, p.message) for p in s.validate_all()] == [("why", "Explain the low score")]
    assert not s.is_read_only("locked")
    s.set_answer("score", 4)
    assert s.is_read_only("locked")
    with pytest.raises(FormStateError, match="read-only"):
        s.set_answer("locked", "x")


def test_choice_filter_offers_only_matching_choices_and_flags_stale_ones():
    defn = form(
        q("region", "select_one", choices="region"),
        q("country", "select_one", choices="country", choice_filter="region = ${region}"),
        choices={"region": [{"name": "AFR", "label": {"en": "Africa"}}, {"name": "EUR", "label": {"en": "Europe"}}],
                 "country": [{"name": "SN", "label": {"en": "Senegal"}, "columns": {"region": "AFR"}},
                             {"name": "KE", "label": {"en": "Kenya"}, "columns": {"region": "AFR"}},
                             {"name": "FR", "label": {"en": "France"}, "columns": {"region": "EUR"}}]})
    s = FormState(defn)
    s.set_answer("region", "AFR")
    assert [c for c, _l in s.choices("country")] == ["SN", "KE"]
    s.set_answer("country", "SN")
    change = s.set_answer("region", "EUR")
    assert "country" in change.names  # the filler refreshes the list
    assert [c for c, _l in s.choices("country")] == ["FR"]
    assert [p.code for p in s.check("country")] == ["choice"]


def test_select_multiple_geopoint_and_attachments_are_stored_as_json():
    defn = form(
        q("crops", "select_multiple", choices="crops", constraint="count-selected(.) <= 2",
          constraint_message={"en": "Two crops at most"}),
        q("crop_note", relevant="selected(${crops}, 'maize')"),
        q("site", "geopoint"), q("photo", "image"), q("report", "file"),
        choices={"crops": [{"name": n, "label": {"en": n}} for n in ("maize", "rice", "sorghum")]})
    s = FormState(defn)
    s.set_answer("crops", "maize rice")
    assert s.value("crops") == ["maize", "rice"] and s.is_relevant("crop_note")
    s.set_answer("crops", ["maize", "rice", "sorghum"])
    assert [p.message for p in s.check("crops")] == ["Two crops at most"]
    s.set_answer("site", "14.69 -17.44 12 5")
    assert s.value("site") == {"lat": 14.69, "lon": -17.44, "alt": 12.0, "accuracy": 5.0}
    s.set_answer("site", {"lat": 95, "lon": 0})
    assert "latitude" in s.check("site")[0].message
    sha = "a" * 64
    s.set_answer("photo", {"name": "field.jpg", "sha256": sha, "size": 2048})
    assert s.value("photo") == {"name": "field.jpg", "sha256": sha, "size": 2048}
    s.set_answer("report", {"name": "report.pdf"})
    s.set_answer("photo", {"name": "report.pdf"})
    assert s.check("photo")[0].message.startswith("Must be an image")
    json.dumps(s.to_answers())


def test_pages_follow_top_level_groups_and_hide_with_them(state):
    pages = state.pages()
    assert [(p.name, p.visible) for p in pages] == [(None, True), ("trees", False), ("plots", True), (None, True)]
    state.set_answer("has_trees", "yes")
    assert state.pages()[1].visible
    items = state.page_items(1)
    assert [(i.kind, i.path, i.depth) for i in items] == [("group", "trees", 0), ("question", "tree_count", 1)]
    assert items[1].required and items[1].type == "integer"


def test_items_list_repeat_instances_with_their_questions(state):
    state.add_repeat("plots")
    kinds = [(i.kind, i.path) for i in state.page_items(2)]
    assert kinds == [("repeat", "plots"), ("instance", "plots[1]"), ("question", "plots[1]/plot_name"),
                     ("question", "plots[1]/plot_area")]


def test_nested_repeats_resolve_siblings_in_the_same_instance():
    defn = form({"kind": "repeat", "name": "sites", "label": {"en": "Sites"}, "children": [
        q("site_name"),
        {"kind": "repeat", "name": "visits", "label": {"en": "Visits"}, "children": [
            q("samples", "integer"),
            q("label_calc", "calculate", calculation="concat(${site_name}, '-', ${samples})")]},
        q("site_samples", "calculate", calculation="sum(${samples})")]},
        q("all_samples", "calculate", calculation="sum(${samples})"))
    s = FormState(defn)
    for site in ("A", "B"):
        p = s.add_repeat("sites")
        s.set_answer(f"{p}/site_name", site)
        for n in (1, 2):
            v = s.add_repeat(f"{p}/visits")
            s.set_answer(f"{v}/samples", n * (10 if site == "B" else 1))
    assert s.value("sites[1]/site_samples") == 3 and s.value("sites[2]/site_samples") == 30
    assert s.value("all_samples") == 33
    assert s.value("sites[2]/visits[1]/label_calc") == "B-10"
    s.remove_repeat("sites[1]/visits[2]")
    assert s.repeat_count("sites[1]/visits") == 1 and s.value("all_samples") == 31


def test_metadata_is_filled_by_itself():
    defn = form(q("started", "start"), q("ended", "end"), q("day", "today"), q("x"))
    s = FormState(defn, now=clock)
    assert s.value("started") == "2026-03-15T09:30:00+00:00" and s.value("day") == "2026-03-15"
    assert "started" not in [i.name for i in s.items()]


def test_state_accepts_json_definition_text():
    text = read_definition(farm_form()).dumps()
    assert FormState(text).definition.form_id == "test_form"


def test_each_problem_points_at_its_page(state):
    state.set_answer("has_trees", "yes")
    state.add_repeat("plots")
    pages = {p.path: state.page_of(p.path) for p in state.validate_all()}
    assert pages == {"farmer": 0, "age": 0, "tree_count": 1, "plots[1]/plot_name": 2}
    assert state.page_of("summary") == 3 and state.page_of("plots[1]") == 2
