"""The JSON definition: round trip, refusal of malformed or meaningless definitions, dependencies."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fieldapp.forms.checks import read_definition
from fieldapp.forms.definition import text_in
from fieldapp.forms.dependencies import build
from fieldapp.forms.errors import DefinitionError
from tests.forms.helpers import form, q


def sample():
    return form(
        q("a", "integer", required=True, constraint=". > 0", constraint_message={"en": "Positive"}),
        {"kind": "group", "name": "g", "label": {"en": "G"}, "relevant": "${a} > 1", "children": [
            q("b", "select_one", choices="yn", choice_filter="name != ${c}", default="yes"),
            {"kind": "repeat", "name": "r", "label": {"en": "R"}, "children": [q("d", "decimal")]},
        ]},
        q("c", "calculate", calculation="${a} * 2"),
        q("e", "calculate", calculation="sum(${d}) + ${c}"),
        q("f", "note", label={"en": "a is ${a}"}),
        choices={"yn": [{"name": "yes", "label": {"en": "Yes", "fr": "Oui"}}, {"name": "no", "label": {"en": "No"}}]},
        languages=["en", "fr"], version=2)


def test_round_trip_keeps_everything():
    defn = read_definition(sample())
    again = read_definition(json.loads(defn.dumps()))
    assert again == defn
    assert again.to_json()["format"] == 1 and again.version == 2
    assert [el.name for el, _p in again.walk()] == ["a", "g", "b", "r", "d", "c", "e", "f"]


def test_text_falls_back_to_the_default_language():
    assert text_in({"en": "Yes", "fr": "Oui"}, "fr", "en") == "Oui"
    assert text_in({"en": "No"}, "fr", "en") == "No"
    assert text_in({"es": "Sí"}, "fr", "en") == "Sí"
    assert text_in({}, "fr", "en") == ""


@pytest.mark.parametrize("data, message", [
    ("not json", "the definition is not JSON"),
    ([], "definition: must be a JSON object"),
    ({"form_id": "bad id", "children": []}, "form_id: 'bad id' is not a valid form identifier"),
    ({"form_id": "f", "format": 99, "children": []}, "format 99 is not supported"),
    ({"form_id": "f", "version": 0, "children": []}, "version: must be a whole number of 1 or more"),
    ({"form_id": "f", "children": {}}, "children: must be a list of elements"),
    ({"form_id": "f", "children": [{"kind": "widget", "name": "w"}]}, "w: unknown kind 'widget'"),
    ({"form_id": "f", "children": [{"name": "x", "type": "slider"}]}, "x: unknown question type 'slider'"),
    ({"form_id": "f", "children": [{"name": "x", "type": "text", "label": ["a"]}]}, "x.label: must be a dict"),
    ({"form_id": "f", "children": [{"name": "x", "type": "text", "required": 3}]},
     "x.required: must be true, false or an expression"),
    ({"form_id": "f", "children": [{"name": "x", "type": "text", "constraint": 5}]},
     "x.constraint: must be an expression"),
    ({"form_id": "f", "children": [{"name": "x", "type": "text", "default": {"value": 1}}]},
     "x.default: a computed default is written"),
    ({"form_id": "f", "children": [{"name": "x", "type": "text"}], "choices": {"l": [{"label": {}}]}},
     "choices.l[0]: a choice needs a name"),
])
def test_malformed_definitions_are_refused(data, message):
    with pytest.raises(DefinitionError) as info:
        read_definition(data)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_meaningless_definitions_are_refused_with_every_problem():
    data = form(q("a", calculation=None, relevant="${zz} = 1"), q("a", "select_one", choices="missing"),
                q("c", "calculate", calculation="${c} + 1"))
    with pytest.raises(DefinitionError) as info:
        read_definition(data)
    assert info.value.problems == [
        "a, relevant: refers to ${zz}, which is not a question of this form",
        "a, name: duplicate name 'a'",
        "a, choices: the choice list 'missing' is not on the choices sheet",
        "c, calculation: circular reference: ${c} -> ${c}",
    ]


def test_a_used_choice_list_must_not_be_empty():
    data = form(q("a", "select_one", choices="empty"), choices={"empty": []})
    with pytest.raises(DefinitionError, match="the choice list 'empty' has no choices"):
        read_definition(data)


def test_dependencies_give_what_to_recompute_in_order():
    graph = build(read_definition(sample()))
    assert graph.cycles == []
    order = graph.order
    assert order.index("a") < order.index("g") < order.index("b")
    assert order.index("c") < order.index("e")
    redo, refresh = graph.affected({"a"})
    # a feeds g's relevance (and everything inside g), c's calculation, then e through c and d.
    assert redo == [n for n in order if n in {"g", "b", "r", "d", "c", "e"}]
    assert {"f", "b"} <= refresh  # f's label and b's choice filter read them
    redo, refresh = graph.affected({"d"})
    assert redo == ["e"] and refresh == {"d", "e"}


def test_the_forms_package_never_imports_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'):\n"
        "            raise ImportError('Qt is not allowed here: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import fieldapp.forms, fieldapp.forms.xlsform, fieldapp.forms.versions, fieldapp.forms.form_state\n"
        "import fieldapp.forms.xlsform_writer\n"
        "from fieldapp.forms.xlsform import import_xlsform\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
