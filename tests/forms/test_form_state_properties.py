"""Random sequences of what a person does in the filler keep the state consistent."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from fieldapp.forms.form_state import FormState
from fieldapp.forms.errors import FormStateError
from tests.forms.test_form_state import farm_form

VALUES = st.one_of(st.none(), st.integers(-5, 200), st.sampled_from(["yes", "no", "", "abc", "1,5", "12"]),
                   st.floats(-10, 10, allow_nan=False))
PATHS = st.sampled_from(["farmer", "age", "has_trees", "tree_count", "species", "plots[1]/plot_name",
                         "plots[1]/plot_area", "plots[2]/plot_area", "total_area"])
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("set"), PATHS, VALUES),
    st.tuples(st.just("add"), st.just("plots"), st.none()),
    st.tuples(st.just("remove"), st.sampled_from(["plots[1]", "plots[2]"]), st.none()),
), max_size=25)


@settings(max_examples=80, deadline=None)
@given(ACTIONS)
def test_random_edits_keep_the_state_consistent(actions):
    definition = farm_form()
    state = FormState(definition)
    for kind, path, value in actions:
        try:
            if kind == "set":
                state.set_answer(path, value)
            elif kind == "add":
                state.add_repeat(path)
            else:
                state.remove_repeat(path)
        except FormStateError:
            pass  # hidden, read-only or absent: refused, nothing changed
    answers = json.loads(json.dumps(state.to_answers()))
    # Reopening a draft gives the same answers.
    assert FormState(definition, answers).to_answers() == answers
    # Hidden questions hold nothing; calculations agree with what they read.
    if answers.get("has_trees") != "yes":
        assert "tree_count" not in answers and "species" not in answers
    if "species" in answers:
        assert answers["tree_count"] > 10
    areas = [p["plot_area"] for p in answers.get("plots", []) if "plot_area" in p]
    assert answers.get("total_area", 0) == (sum(areas) if areas else 0)
    assert answers.get("plot_count", 0) == len(answers.get("plots", []))
    for problem in state.validate_all():
        assert problem.message and problem.label
