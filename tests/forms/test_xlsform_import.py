"""XLSForm import: the features facilitators use, and every mistake named by sheet, row, column."""
from __future__ import annotations

import datetime as dt

import pytest

from fieldapp.forms.checks import read_definition
from fieldapp.forms.definition import FormDefinition
from fieldapp.forms.form_state import FormState
from fieldapp.forms.errors import FormImportError
from fieldapp.forms.xlsform import import_xlsform, language_code
from tests.forms.helpers import clock

YN = [{"list_name": "yn", "name": "yes", "label": "Yes"}, {"list_name": "yn", "name": "no", "label": "No"}]


def problems_of(path) -> list[str]:
    with pytest.raises(FormImportError) as info:
        import_xlsform(path)
    return info.value.problems


def definition(result) -> FormDefinition:
    # What the importer returns is a valid definition: it reads back with every check.
    return read_definition(result["definition"])


# ----------------------------------------------------------------------------- features
def test_every_question_type_and_its_columns(xlsform):
    path = xlsform([
        {"type": "start", "name": "started"},
        {"type": "text", "name": "holder", "label": "Holder", "hint": "Full name", "required": "yes",
         "required_message": "Who holds the project?", "appearance": "multiline"},
        {"type": "integer", "name": "farmers", "label": "Farmers", "constraint": ". >= 0",
         "constraint_message": "Cannot be negative", "default": 0},
        {"type": "decimal", "name": "area", "label": "Area (ha)", "default": 2.5},
        {"type": "date", "name": "visit", "label": "Visit", "default": dt.datetime(2026, 1, 31)},
        {"type": "select_one yn", "name": "agree", "label": "Agree?", "default": "yes"},
        {"type": "select_multiple crops", "name": "crops", "label": "Crops", "default": "maize rice",
         "appearance": "minimal"},
        {"type": "geopoint", "name": "site", "label": "Site"},
        {"type": "image", "name": "photo", "label": "Photo"},
        {"type": "file", "name": "plan", "label": "Work plan"},
        {"type": "note", "name": "info", "label": "Farmers: ${farmers}"},
        {"type": "calculate", "name": "density", "calculation": "${farmers} div ${area}"},
        {"type": "today", "name": "day"},
        {"type": "text", "name": "locked", "label": "Locked", "read_only": "yes"},
    ], YN + [{"list_name": "crops", "name": "maize", "label": "Maize"},
             {"list_name": "crops", "name": "rice", "label": "Rice"}],
        {"form_id": "all_types", "form_title": "All types", "version": 7})
    result = import_xlsform(path)
    assert (result["form_id"], result["title"], result["version"], result["default_language"]) == (
        "all_types", "All types", 7, "en")
    assert result["warnings"] == []
    defn = definition(result)
    by_name = {q.name: q for q in defn.questions()}
    assert [q.type for q in defn.questions()] == [
        "start", "text", "integer", "decimal", "date", "select_one", "select_multiple", "geopoint", "image", "file",
        "note", "calculate", "today", "text"]
    holder = by_name["holder"]
    assert holder.required is True and holder.required_message == {"en": "Who holds the project?"}
    assert holder.hint == {"en": "Full name"} and holder.appearance == "multiline"
    assert by_name["farmers"].constraint == ". >= 0"
    assert by_name["farmers"].constraint_message == {"en": "Cannot be negative"}
    assert by_name["crops"].choices == "crops" and by_name["crops"].default == ["maize", "rice"]
    assert by_name["visit"].default == "2026-01-31"
    assert by_name["locked"].read_only is True
    state = FormState(defn, now=clock)
    assert state.value("farmers") == 0 and state.value("area") == 2.5 and state.value("agree") == "yes"
    assert state.value("crops") == ["maize", "rice"] and state.value("visit") == "2026-01-31"
    state.set_answer("farmers", 10)
    assert state.value("density") == 4 and state.label("info") == "Farmers: 10"


def test_translations_in_the_usual_header_spellings(xlsform):
    path = xlsform([
        {"type": "integer", "name": "age", "label::English (en)": "Age", "label::French (fr)": "Âge",
         "Label::es": "Edad", "hint::French (fr)": "En années", "constraint": ". < 130",
         "constraint_message::English (en)": "Too old", "constraint_message::fr": "Trop vieux",
         "required": "TRUE", "required_message::es": "Obligatorio"},
    ], settings={"form_id": "langs", "form_title::English (en)": "Languages",
                 "form_title::French (fr)": "Langues", "default_language": "French (fr)"})
    result = import_xlsform(path)
    defn = definition(result)
    assert result["default_language"] == "fr" and result["title"] == "Langues"
    assert defn.languages == ["fr", "en", "es"]
    age = defn.questions()[0]
    assert age.label == {"en": "Age", "fr": "Âge", "es": "Edad"}
    assert age.hint == {"fr": "En années"}
    assert age.constraint_message == {"en": "Too old", "fr": "Trop vieux"}
    state = FormState(defn)
    state.set_answer("age", 200)
    assert state.check("age", "fr")[0].message == "Trop vieux"
    assert state.check("age", "es")[0].message == "Trop vieux"  # falls back to the default language


def test_plain_label_is_the_default_language(xlsform):
    path = xlsform([{"type": "text", "name": "a", "label": "Nom", "label::Spanish (es)": "Nombre"}],
                   settings={"default_language": "fr"})
    defn = definition(import_xlsform(path))
    assert defn.questions()[0].label == {"fr": "Nom", "es": "Nombre"}
    assert defn.form_id == path.stem  # no form_id in settings: the file name


def test_without_default_language_the_first_labelled_language_leads(xlsform):
    path = xlsform([{"type": "text", "name": "a", "label::French (fr)": "Nom", "label::Spanish (es)": "Nombre"}],
                   [{"list_name": "x", "name": "y", "label::French (fr)": "Oui", "label::Spanish (es)": "Sí"}])
    result = import_xlsform(path)
    defn = definition(result)
    assert result["default_language"] == "fr" and defn.languages == ["fr", "es"]


def test_groups_repeats_relevance_and_nesting(xlsform):
    path = xlsform([
        {"type": "select_one yn", "name": "has_partners", "label": "Partners?"},
        {"type": "begin group", "name": "partners_page", "label": "Partners", "relevant": "${has_partners} = 'yes'",
         "appearance": "field-list"},
        {"type": "begin repeat", "name": "partners", "label": "Partner"},
        {"type": "text", "name": "partner", "label": "Name", "required": "yes"},
        {"type": "begin_repeat", "name": "contacts", "label": "Contacts"},
        {"type": "text", "name": "contact", "label": "Contact"},
        {"type": "end_repeat"},
        {"type": "end repeat"},
        {"type": "end group"},
        {"type": "calculate", "name": "n_partners", "calculation": "count(${partners})"},
    ], YN)
    defn = definition(import_xlsform(path))
    page = defn.children[1]
    assert page.kind == "group" and page.appearance == "field-list" and page.relevant == "${has_partners} = 'yes'"
    repeat = page.children[0]
    assert repeat.kind == "repeat" and [c.name for c in repeat.children] == ["partner", "contacts"]
    assert repeat.children[1].kind == "repeat"
    state = FormState(defn)
    state.set_answer("has_partners", "yes")
    p = state.add_repeat("partners")
    state.add_repeat(f"{p}/contacts")
    state.set_answer("partners[1]/contacts[1]/contact", "Awa")
    assert state.value("n_partners") == 1
    state.set_answer("has_partners", "no")
    assert state.value("partners[1]/contacts[1]/contact") is None


def test_choice_filter_reads_extra_choice_columns(xlsform):
    path = xlsform([
        {"type": "select_one region", "name": "region", "label": "Region"},
        {"type": "select one country", "name": "country", "label": "Country", "choice_filter": "region=${region}"},
    ], [
        {"list name": "region", "name": "AFR", "label": "Africa"},
        {"list name": "region", "name": "EUR", "label": "Europe"},
        {"list name": "country", "name": "SN", "label": "Senegal", "region": "AFR"},
        {"list name": "country", "name": "FR", "label": "France", "region": "EUR"},
    ])
    defn = definition(import_xlsform(path))
    assert defn.choices["country"][0].columns == {"region": "AFR"}
    state = FormState(defn)
    state.set_answer("region", "EUR")
    assert state.choices("country") == [("FR", "France")]


def test_required_read_only_and_default_expressions(xlsform):
    path = xlsform([
        {"type": "integer", "name": "score", "label": "Score"},
        {"type": "text", "name": "why", "label": "Why?", "required": "${score} <= 1"},
        {"type": "date", "name": "on", "label": "On", "default": "today()", "read_only": "${score} = 4"},
        {"type": "select_one yn", "name": "ok", "label": "OK", "required": True},
        {"type": "text", "name": "opt", "label": "Opt", "required": "no"},
    ], YN)
    defn = definition(import_xlsform(path))
    why, on, ok, opt = defn.questions()[1:]
    assert why.required == "${score} <= 1" and on.default == {"expression": "today()"}
    assert on.read_only == "${score} = 4" and ok.required is True and opt.required is False
    assert FormState(defn, now=clock).value("on") == "2026-03-15"


def test_aliases_numbers_as_choice_names_and_case_insensitive_headers(xlsform):
    path = xlsform([
        {"TYPE": "int", "Name": "n", "LABEL": "N"},
        {"TYPE": "gps", "Name": "where", "LABEL": "Where"},
        {"TYPE": "begin_group", "Name": "g", "LABEL": "G"},
        {"TYPE": "select_one scale", "Name": "s", "LABEL": "Scale", "Appearance": "likert"},
        {"TYPE": "end_group"},
    ], [{"list_name": "scale", "name": i, "label": str(i)} for i in (1, 2, 3)])
    defn = definition(import_xlsform(path))
    assert [q.type for q in defn.questions()] == ["integer", "geopoint", "select_one"]
    assert [c.name for c in defn.choices["scale"]] == ["1", "2", "3"]


def test_unused_columns_are_warnings_not_errors(xlsform):
    path = xlsform([{"type": "text", "name": "a", "label": "A", "media::image": "a.png", "colour": "red",
                     "appearance": "spinner"}, {"type": "select_one yn", "name": "b", "label": "B"}],
                   [{"list_name": "yn", "name": "yes", "label": "Yes", "lable": "Oops", "region": "AFR"}])
    warnings = import_xlsform(path)["warnings"]
    assert "choices, row 1, column 'lable': column 'lable' is read as data for choice filters (did you mean " \
           "'label'?)" in warnings
    assert not [w for w in warnings if "'region'" in w]
    assert "survey, row 1, column 'media::image': media in labels ('image') are not shown by Field App; the " \
           "labels are" in warnings
    assert "survey, row 1, column 'colour': column 'colour' is not used by Field App and is ignored" in warnings
    assert ("survey, row 2, column 'appearance': appearance 'spinner' is not used by Field App and is ignored"
            in warnings)


def test_language_codes():
    assert language_code("French (fr)") == "fr"
    assert language_code("Español (es)") == "es"
    assert language_code("English") == "en"
    assert language_code("pt_BR") == "pt-br"


# ----------------------------------------------------------------------------- errors
def test_structure_errors_name_sheet_row_and_column(xlsform):
    path = xlsform([
        {"type": "begin group", "name": "g1", "label": "G1"},
        {"type": "text", "name": "a", "label": "A"},
        {"type": "end repeat"},
        {"type": "end group"},
        {"type": "begin repeat", "name": "r", "label": "R"},
        {"type": "text", "name": "b", "label": "B"},
        {"type": "", "name": "c", "label": "C"},
        {"type": "text", "name": "", "label": "D"},
        {"type": "begin group", "name": "g2", "label": "G2", "constraint": ". > 1"},
    ])
    assert problems_of(path) == [
        "survey, row 4, column 'type': 'end repeat' closes the group 'g1' opened at row 2",
        "survey, row 5, column 'type': 'end group' without a matching 'begin group'",
        "survey, row 6, column 'type': the repeat 'r' is never closed: add an 'end repeat' row",
        "survey, row 8, column 'type': the type is missing",
        "survey, row 9, column 'name': the name is missing",
        "survey, row 10, column 'type': the group 'g2' is never closed: add an 'end group' row",
    ]


def test_type_errors(xlsform):
    path = xlsform([
        {"type": "select_one yn or_other", "name": "a", "label": "A"},
        {"type": "barcode", "name": "b", "label": "B"},
        {"type": "colour", "name": "c", "label": "C"},
        {"type": "text please", "name": "d", "label": "D"},
        {"type": "select_multiple", "name": "e", "label": "E"},
        {"type": "select_one nowhere", "name": "f", "label": "F"},
        {"type": "calculate", "name": "g"},
        {"type": "text", "name": "h", "label": "H", "choice_filter": "x = 1"},
        {"type": "text", "name": "i", "label": "I", "repeat_count": 3},
    ], YN)
    problems = problems_of(path)  # or_other and barcode are XLSForm: no word about them
    assert problems[0].startswith("survey, row 4, column 'type': unknown type 'colour' (supported: text, integer")
    assert problems[1].startswith("survey, row 5, column 'type': unknown type 'text please' (supported:")
    assert problems[2:] == [
        "survey, row 6, column 'type': write 'select_multiple LIST_NAME' with the name of a choice list",
        "survey, row 7, column 'type': the choice list 'nowhere' is not on the choices sheet",
        "survey, row 8, column 'calculation': a calculate question needs a calculation",
    ]


def test_name_and_label_errors(xlsform):
    path = xlsform([
        {"type": "text", "name": "a", "label": "A"},
        {"type": "integer", "name": "a", "label": "A again"},
        {"type": "text", "name": "2nd", "label": "Second"},
        {"type": "text", "name": "has space", "label": "Space"},
        {"type": "text", "name": "__invalid__", "label": "Dunder"},
        {"type": "text", "name": "no_label"},
        {"type": "begin repeat", "name": "r"},
        {"type": "note", "name": "n"},
        {"type": "end repeat"},
    ])
    assert problems_of(path) == [
        "survey, row 3, column 'name': duplicate name 'a'",
        "survey, row 4, column 'name': '2nd' is not a valid name: start with a letter or '_', then letters, "
        "digits, '_', '-' or '.'",
        "survey, row 5, column 'name': 'has space' is not a valid name: start with a letter or '_', then letters, "
        "digits, '_', '-' or '.'",
        "survey, row 6, column 'name': '__invalid__' is not a valid name: start with a letter or '_', then letters, "
        "digits, '_', '-' or '.'",
        "survey, row 7, column 'label': 'no_label' has no label or hint",
        "survey, row 9, column 'label': 'n' has no label or hint",
    ]  # a repeat without a label only gets a warning, as in pyxform


def test_expression_errors_name_the_column(xlsform):
    path = xlsform([
        {"type": "integer", "name": "a", "label": "A", "constraint": "foo(.)"},
        {"type": "integer", "name": "b", "label": "B", "relevant": "${a} == 1"},
        {"type": "calculate", "name": "c", "calculation": "${a} + ${missing}"},
        {"type": "text", "name": "d", "label": "D", "required": "${a} >", "read_only": "__import__('os')"},
        {"type": "date", "name": "e", "label": "E", "default": "date(${nowhere})"},
        {"type": "select_one yn", "name": "f", "label": "F", "choice_filter": "colour = ${a}"},
        {"type": "note", "name": "g", "label": "See ${ghost}", "hint": "Hint ${phantom}"},
        {"type": "integer", "name": "h", "label": "H", "constraint": ". > 0",
         "constraint_message": "Above ${spectre}"},
    ], YN)
    assert problems_of(path) == [
        "survey, row 2, column 'constraint': unknown function 'foo()'",
        "survey, row 3, column 'relevant': use '=' to compare, not '=='",
        "survey, row 4, column 'calculation': refers to ${missing}, which is not a question of this form",
        "survey, row 5, column 'required': the expression ends too early",
        "survey, row 5, column 'read_only': unknown function '__import__()'",
        "survey, row 6, column 'default': refers to ${nowhere}, which is not a question of this form",
        "survey, row 8, column 'label': refers to ${ghost}, which is not a question of this form",
        "survey, row 8, column 'hint': refers to ${phantom}, which is not a question of this form",
        "survey, row 9, column 'constraint_message': refers to ${spectre}, which is not a question of this form",
    ]


def test_circular_calculations_and_relevance_are_reported(xlsform):
    path = xlsform([
        {"type": "calculate", "name": "a", "calculation": "${b} + 1"},
        {"type": "calculate", "name": "b", "calculation": "${a} + 1"},
        {"type": "calculate", "name": "self_ref", "calculation": "${self_ref} * 2"},
        {"type": "begin group", "name": "g", "label": "G", "relevant": "${inside} = 1"},
        {"type": "integer", "name": "inside", "label": "Inside"},
        {"type": "end group"},
    ])
    assert problems_of(path) == [
        "survey, row 2, column 'calculation': circular reference: ${a} -> ${b} -> ${a}",
        "survey, row 4, column 'calculation': circular reference: ${self_ref} -> ${self_ref}",
        "survey, row 5, column 'relevant': circular reference: ${g} -> ${inside} -> ${g}",
    ]


def test_default_errors(xlsform):
    path = xlsform([
        {"type": "integer", "name": "a", "label": "A", "default": "many"},
        {"type": "decimal", "name": "b", "label": "B", "default": "lots"},
        {"type": "date", "name": "c", "label": "C", "default": "31/02/2026"},
        {"type": "select_one yn", "name": "d", "label": "D", "default": "maybe"},
        {"type": "select_multiple yn", "name": "e", "label": "E", "default": "yes perhaps"},
    ], YN)
    assert problems_of(path) == [
        "survey, row 2, column 'default': the default must be a whole number",
        "survey, row 3, column 'default': the default must be a number",
        "survey, row 4, column 'default': the default must be a date written YYYY-MM-DD",
        "survey, row 5, column 'default': the default 'maybe' is not a choice of list 'yn'",
        "survey, row 6, column 'default': the default 'perhaps' is not a choice of list 'yn'",
    ]


def test_choices_sheet_errors(xlsform):
    path = xlsform([{"type": "select_one yn", "name": "a", "label": "A"},
                    {"type": "select_one bad list", "name": "b", "label": "B"}], [
        {"list_name": "yn", "name": "yes", "label": "Yes"},
        {"list_name": "yn", "name": "yes", "label": "Yes again"},
        {"list_name": "yn", "name": "no", "label": ""},
        {"list_name": "yn", "name": "", "label": "Nameless"},
        {"list_name": "", "name": "x", "label": "Listless"},
        {"list_name": "9lives", "name": "cat", "label": "Cat"},
    ])
    assert problems_of(path) == [
        "survey, row 3, column 'type': write 'select_one LIST_NAME' with the name of a choice list",
        "choices, row 5, column 'name': the choice name is missing",
        "choices, row 6, column 'list_name': the list name is missing",
    ]  # a choice without a label is shown by its name, a name twice stores one code (warnings); any list name
    # XLSForm takes is taken


def test_header_and_settings_errors(xlsform):
    path = xlsform([{"type": "text", "name": "a", "label": "A", "constriant": ". > 1", "type::fr": "texte",
                     "Label": "dup"}],
                   [{"list_name": "yn", "name": "yes", "label": "Yes"}],
                   {"form_id": "bad id!", "version": "v2"})
    assert problems_of(path) == ["survey, row 1, column 'Label': the same column as 'label'"]
    path = xlsform([{"type": "text", "name": "a", "label": "A", "constriant": ". > 1", "type::fr": "texte"}],
                   [{"list_name": "yn", "name": "yes", "label": "Yes"}],
                   {"form_id": "bad id!", "version": "v2"})
    imported = import_xlsform(path)
    assert (imported["form_id"], imported["version"]) == ("bad_id", None)
    assert imported["warnings"] == [
        "settings, row 2, column 'form_id': 'bad id!' is not a valid form identifier: it is read as 'bad_id'",
        "settings, row 2, column 'version': the version 'v2' is not a whole number: Field App numbers this form's "
        "versions itself (it is published as the next version)",
        "survey, row 1, column 'constriant': column 'constriant' is not used by Field App and is ignored (did you "
        "mean 'constraint'?)",
        "survey, row 1, column 'type::fr': column 'type' cannot be translated; it is ignored",
    ]


def test_missing_sheets_and_columns(xlsform, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "questions"
    wb.save(tmp_path / "no_survey.xlsx")
    assert problems_of(tmp_path / "no_survey.xlsx") == ["no_survey.xlsx: the workbook has no 'survey' sheet"]

    path = xlsform([{"kind": "text", "label": "A"}], [{"list": "x", "label": "X"}])
    assert problems_of(path) == [
        "survey, row 1: the survey sheet needs a 'type' column",
        "survey: the form has no questions",
        "choices, row 1: the choices sheet needs a 'list_name' column",
    ]


def test_files_that_are_not_workbooks(tmp_path):
    assert problems_of(tmp_path / "absent.xlsx") == [f"{tmp_path / 'absent.xlsx'}: no such file"]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a damaged .xls")
    [message] = problems_of(old)
    assert message.startswith("old.xls: not a readable .xls workbook")
    text = tmp_path / "notes.xlsx"
    text.write_text("type,name\ntext,a\n")
    assert problems_of(text) == ["notes.xlsx: not a spreadsheet workbook (an XLSForm is an .xlsx or .xls file)"]


def test_nothing_is_half_imported(xlsform):
    """One bad row among good ones: no definition at all, every problem listed."""
    rows = [{"type": "text", "name": f"q{i}", "label": f"Q{i}"} for i in range(50)]
    rows[20]["relevant"] = "${q1} ="
    rows[40]["constraint"] = "bogus(.)"
    path = xlsform(rows)
    problems = problems_of(path)
    assert [p.split(":")[0] for p in problems] == ["survey, row 22, column 'relevant'",
                                                   "survey, row 42, column 'constraint'"]


def test_oversized_workbooks_are_refused(xlsform, monkeypatch):
    from fieldapp.forms import workbook as module

    path = xlsform([{"type": "text", "name": f"q{i}", "label": "Q"} for i in range(30)])
    monkeypatch.setattr(module, "MAX_ROWS", 20)
    assert problems_of(path) == ["survey: more than 20 rows"]
    monkeypatch.setattr(module, "MAX_UNPACKED_BYTES", 1000)
    [message] = problems_of(path)
    assert message.startswith(f"{path.name}: the workbook is too large")
