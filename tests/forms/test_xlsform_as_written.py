"""XLSForm as the world writes it: each cause of a refusal found on real forms, in a small
workbook built here, converted by pyxform (the oracle) and imported by Field App."""
from __future__ import annotations

import datetime as dt
import shutil
import time
import warnings
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from pyxform.xls2xform import convert

from fieldapp.forms.checks import read_definition
from fieldapp.forms.form_state import FormState
from fieldapp.forms.errors import FormImportError
from fieldapp.forms.xlsform import import_xlsform

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "xlsforms" / "pyxform"
YN = [{"list_name": "yn", "name": "yes", "label": "Yes"}, {"list_name": "yn", "name": "no", "label": "No"}]


def pyxform_ok(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), warnings=[])
        return True
    except Exception:  # noqa: BLE001
        return False


def imported(path: Path) -> dict:
    assert pyxform_ok(path), "the oracle converts it"
    return import_xlsform(path)


def problems(path: Path) -> list[str]:
    with pytest.raises(FormImportError) as e:
        import_xlsform(path)
    return e.value.problems


def elements(result: dict) -> dict:
    return read_definition(result["definition"]).elements()


def test_xls_workbooks_are_read(tmp_path):
    """Cause 1: .xls (Excel 97-2003) forms, a quarter of real ones, were refused outright."""
    result = imported(CORPUS / "example_xls__text_and_integer.xls")
    twin = import_xlsform(CORPUS / "example_xls__text_and_integer.xlsx")
    assert result["definition"]["children"] == twin["definition"]["children"]
    renamed = shutil.copy(CORPUS / "example_xls__text_and_integer.xls", tmp_path / "renamed.xlsx")
    assert import_xlsform(renamed)["definition"]["children"] == twin["definition"]["children"]  # told by content


def test_legacy_select_spellings(xlsform):
    """Cause 2: 'select one from X', 'select all that apply from X' and their kin."""
    path = xlsform([
        {"type": "select one from yn", "name": "a", "label": "A"},
        {"type": "select all that apply from yn", "name": "b", "label": "B"},
        {"type": "select1 yn", "name": "c", "label": "C"},
        {"type": "select all that apply yn", "name": "d", "label": "D"},
        {"type": "add select one prompt using yn", "name": "e", "label": "E"},
    ], YN)
    els = elements(imported(path))
    assert [(els[n].type, els[n].choices) for n in "abcde"] == [
        ("select_one", "yn"), ("select_multiple", "yn"), ("select_one", "yn"), ("select_multiple", "yn"),
        ("select_one", "yn")]


def test_names_are_unique_among_siblings_only(xlsform):
    """Cause 3: the same name in two groups is XLSForm; a reference to it is ambiguous
    (pyxform refuses it too)."""
    rows = [{"type": "begin group", "name": "g1", "label": "G1"}, {"type": "text", "name": "x", "label": "X"},
            {"type": "end group"}, {"type": "begin group", "name": "g2", "label": "G2"},
            {"type": "text", "name": "x", "label": "X again"}, {"type": "end group"}]
    result = imported(xlsform(rows))
    assert {"x", "x_2"} <= set(elements(result))
    assert "survey, row 6, column 'name': the name 'x' is also used at row 3: Field App keeps this one as " \
           "'x_2'" in result["warnings"]
    ambiguous = xlsform(rows + [{"type": "text", "name": "y", "label": "Y", "relevant": "${x} = 'a'"}])
    assert not pyxform_ok(ambiguous)
    assert problems(ambiguous) == [
        "survey, row 8, column 'relevant': ${x} is ambiguous: the name 'x' is used more than once"]
    siblings = xlsform([{"type": "text", "name": "x", "label": "X"}, {"type": "text", "name": "x", "label": "X"}])
    assert not pyxform_ok(siblings)
    assert problems(siblings) == ["survey, row 3, column 'name': duplicate name 'x'"]


def test_trailing_formatted_rows_count_for_nothing(xlsform):
    """Cause 4: a million formatted empty rows below the form hid every other problem."""
    path = xlsform([{"type": "text", "name": "a", "label": "A"}])
    wb = openpyxl.load_workbook(path)
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in (60_000, 200_000):
        wb["survey"].cell(row=r, column=1).fill = fill
        wb["survey"].cell(row=r, column=2).value = " "
    wb.save(path)
    started = time.perf_counter()
    assert list(elements(imported(path))) == ["a"]
    assert time.perf_counter() - started < 20


def test_curly_quotes_in_expressions_are_straightened(xlsform):
    """Cause 5: spreadsheets turn ' into ’ as people type; pyxform straightens them."""
    path = xlsform([{"type": "select_one yn", "name": "a", "label": "A"},
                    {"type": "text", "name": "b", "label": "‘B’ is kept", "relevant": "${a} = ‘yes’"},
                    {"type": "calculate", "name": "c", "calculation": "concat(“x”, ${a})"}], YN)
    result = imported(path)
    els = elements(result)
    assert els["b"].relevant == "${a} = 'yes'" and els["b"].label["en"] == "‘B’ is kept"
    state = FormState(result["definition"])
    state.set_answer("a", "yes")
    assert state.is_relevant("b") and state.value("c") == "xyes"


def test_kobo_versions_are_labels_not_numbers(xlsform):
    """Cause 6: every KoboToolbox form carries a version such as vTEmiygu2uLZpPHBYX8jKj."""
    path = xlsform([{"type": "text", "name": "a", "label": "A"}], None,
                   {"form_id": "kobo form", "version": "vTEmiygu2uLZpPHBYX8jKj"})
    result = imported(path)
    assert (result["form_id"], result["version"]) == ("kobo_form", None)
    assert any("'vTEmiygu2uLZpPHBYX8jKj' is not a whole number" in w for w in result["warnings"])


def test_single_colon_headers(xlsform):
    """Cause 7: label:English, hint:..., bind:constraint, bind:relevant, requiredMsg."""
    path = xlsform([{"type": "integer", "name": "a", "label:English": "Age", "label:French": "Âge",
                     "hint:English": "Years", "bind:constraint": ". > 0", "bind:relevant": "true()",
                     "bind:jr:constraintMsg": "Positive", "required": "yes", "requiredMsg": "Needed"}])
    a = elements(imported(path))["a"]
    assert (a.label, a.hint, a.constraint, a.relevant) == ({"en": "Age", "fr": "Âge"}, {"en": "Years"}, ". > 0",
                                                           "true()")
    assert (a.constraint_message, a.required_message, a.required) == ({"en": "Positive"}, {"en": "Needed"}, True)


def test_what_xlsform_allows_is_allowed(xlsform):
    """Cause 8: spaces in select_one choice names, repeats and choices without labels,
    duplicate choices where the settings allow them, notes-only forms, image::lang columns,
    form ids with spaces, list names with ':'."""
    path = xlsform([
        {"type": "select_one a:b", "name": "s", "label": "S", "image::English (en)": "s.png"},
        {"type": "begin repeat", "name": "r"}, {"type": "note", "name": "n", "label": "Note"},
        {"type": "end repeat"},
    ], [{"list_name": "a:b", "name": "with space", "label": "Spaced"}, {"list_name": "a:b", "name": "bare"},
        {"list_name": "a:b", "name": "bare", "label": "Again"}],
        {"form_id": "my form", "allow_choice_duplicates": "yes"})
    result = imported(path)
    defn = read_definition(result["definition"])
    assert result["form_id"] == "my_form"
    assert [c.name for c in defn.choices["a:b"]] == ["with space", "bare", "bare"]
    state = FormState(defn)
    state.set_answer("s", "with space")
    assert state.value("s") == "with space"
    notes_only = xlsform([{"type": "note", "label": "Read me"}])
    assert list(elements(imported(notes_only))) == ["generated_note_name_2"]
    multiple = xlsform([{"type": "select_multiple c", "name": "m", "label": "M"}],
                       [{"list_name": "c", "name": "a b", "label": "A"}])
    assert not pyxform_ok(multiple)  # the one place a space cannot be: pyxform refuses it too
    assert problems(multiple) == ["choices, row 2, column 'name': 'a b' has a space: choices of a select_multiple "
                                  "cannot"]


def test_the_same_name_twice_in_a_cascading_list(xlsform):
    """Cause 8: 'king' county in two states: the filter offers one at a time."""
    result = imported(CORPUS.parent / "xlsform-offline" / "external-itemsets.xlsx")
    state = FormState(result["definition"])
    kings = [c for c in state.definition.choices["counties"] if c.name == "king"]
    assert sorted(c.columns["state"] for c in kings) == ["texas", "washington"]
    state.set_answer("state", "washington")
    assert [code for code, _label in state.choices("county")].count("king") == 1


def test_unsupported_features_are_named_once_without_noise(xlsform):
    """Cause 9/11: a feature the engine cannot run is named once per form, with no second
    'has no label' error; metadata rows import."""
    path = xlsform([
        {"type": "osm building_tags", "name": "b1", "label": "B1"},
        {"type": "osm building_tags", "name": "b2", "label": "B2"},
        {"type": "deviceid", "name": "dev"}, {"type": "rank yn", "name": "r", "label": "R"},
    ], YN)
    assert pyxform_ok(path)
    assert problems(path) == [
        "survey, row 2, column 'type': OpenStreetMap questions ('osm') are not supported by Field App",
        "survey, row 5, column 'type': ranking questions ('rank') are not supported by Field App",
    ]


def test_choices_and_lookups_from_the_form_data_files(xlsform, tmp_path):
    """select_one_from_file, select_one_external, instance('...')/root/item[...] lookups and
    pulldata() read the data files sent with the form (beside the workbook); the rows travel
    in the definition. Without the file the form still imports and says which file to bring."""
    rows = [
        {"type": "select_one_from_file villages.csv", "name": "v", "label": "Village"},
        {"type": "calculate", "name": "pop", "calculation": "instance('villages')/root/item[name=${v}]/population"},
        {"type": "calculate", "name": "dist", "calculation": "pulldata('villages', 'district', 'name', ${v})"},
        {"type": "select_one_from_file sites.geojson", "name": "s", "label": "Site"},
        {"type": "calculate", "name": "where", "calculation": "instance('sites')/root/item[name=${s}]/geometry"},
        {"type": "select_one_from_file crops.xml", "name": "c", "label": "Crop"},
    ]
    path = xlsform(rows)
    missing = imported(path)
    assert any("the data file 'villages.csv' is not beside the workbook" in w for w in missing["warnings"])
    (tmp_path / "villages.csv").write_text("name,label,population,district\nkol,Kolda,120,South\nzig,Ziguinchor,90,"
                                           "West\n", encoding="utf-8")
    (tmp_path / "sites.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "id": '
                                            '"s1", "properties": {"title": "Plot 1"}, "geometry": {"type": "Point", '
                                            '"coordinates": [-16.2, 12.9]}}]}', encoding="utf-8")
    (tmp_path / "crops.xml").write_text("<root><item><name>rice</name><label>Rice</label></item></root>")
    result = import_xlsform(path)
    assert not [w for w in result["warnings"] if "data file" in w]
    state = FormState(result["definition"])
    assert state.choices("v") == [("kol", "Kolda"), ("zig", "Ziguinchor")]
    assert state.choices("c") == [("rice", "Rice")]
    state.set_answer("v", "zig")
    state.set_answer("s", "s1")
    assert (state.value("pop"), state.value("dist"), state.value("where")) == ("90", "West", "12.9 -16.2 0 0")
    external = FormState(imported(CORPUS / "example_xls__choice_name_as_type.xls")["definition"])
    external.set_answer("zone", "zone")
    assert external.choices("atype") == [("a", "Type A")]  # select_one_external: the external_choices sheet
    broken = xlsform([{"type": "calculate", "name": "x", "calculation": "instance('nowhere')/root/item[a=1]/b"}])
    assert problems(broken) == ["survey, row 2, column 'calculation': instance('nowhere') is neither a choice list "
                                "nor a data file of this form"]


def test_last_saved_values_and_repeat_counts(xlsform):
    """${last-saved#name} reads the last submission saved on this device; repeat_count
    fixes how many entries a repeat has."""
    path = xlsform([
        {"type": "text", "name": "village", "label": "Village", "default": "${last-saved#village}"},
        {"type": "note", "name": "before", "label": "Last time: ${last-saved#village}"},
        {"type": "integer", "name": "n", "label": "How many plots?"},
        {"type": "begin repeat", "name": "plots", "label": "Plot", "repeat_count": "${n}"},
        {"type": "decimal", "name": "area", "label": "Area", "default": "1.5"}, {"type": "end repeat"},
    ])
    result = imported(path)
    first = FormState(result["definition"])
    assert first.value("village") is None  # nothing saved yet, as in ODK
    state = FormState(result["definition"], last_saved={"village": "Kolda"})
    assert state.value("village") == "Kolda" and state.label("before") == "Last time: Kolda"
    state.set_answer("n", 3)
    assert state.repeat_count("plots") == 3 and state.value("plots[3]/area") == 1.5
    state.set_answer("n", 1)
    assert state.repeat_count("plots") == 1
    with pytest.raises(Exception, match="sets how many entries"):
        state.add_repeat("plots")


def test_metadata_and_new_question_types(xlsform):
    """Cause 9: metadata, time/datetime, audio/video/barcode, geotrace/geoshape, or_other,
    acknowledge, range, hidden, begin loop: imported, and the engine runs them."""
    path = xlsform([
        {"type": t, "name": t.replace("-", "_")} for t in (
            "start", "end", "today", "deviceid", "imei", "username", "email", "phonenumber", "simserial",
            "subscriberid", "start-geopoint", "audit")
    ] + [
        {"type": "time", "name": "t", "label": "T"}, {"type": "datetime", "name": "dtm", "label": "DT"},
        {"type": "audio", "name": "au", "label": "Au"}, {"type": "video", "name": "vi", "label": "Vi"},
        {"type": "barcode", "name": "bc", "label": "Bc"}, {"type": "geotrace", "name": "gt", "label": "Gt"},
        {"type": "geoshape", "name": "gs", "label": "Gs"}, {"type": "select_one yn or_other", "name": "o", "label": "O"},
        {"type": "acknowledge", "name": "ack", "label": "Agree?"},
        {"type": "range", "name": "rg", "label": "Rg", "parameters": "start=1 end=5 step=1"},
        {"type": "hidden", "name": "h", "default": "kept"},
        {"type": "begin loop over yn", "name": "lp", "label": "Loop"},
        {"type": "integer", "name": "cnt", "label": "How many %(label)s?"}, {"type": "end loop"},
    ], YN)
    result = imported(path)
    els = elements(result)
    assert els["o_other"].relevant == "selected(${o}, 'other')"
    assert els["cnt_yes"].label == {"en": "How many Yes?"} and els["cnt_no"].label == {"en": "How many No?"}
    assert (els["rg"].type, els["rg"].constraint) == ("integer", ". >= 1 and . <= 5")
    clock = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.timezone.utc)
    state = FormState(result["definition"], now=lambda: clock,
                      metadata={"deviceid": "install-42", "username": "amina"})
    assert (state.value("deviceid"), state.value("imei"), state.value("username")) == ("install-42", "install-42",
                                                                                      "amina")  # imei: deviceid
    assert state.value("phonenumber") is None  # a desktop has no SIM
    for path_, given, stored in [("t", "9:05", "09:05"), ("dtm", "2025-03-04 09:30", "2025-03-04T09:30"),
                                 ("bc", "978-3", "978-3"), ("gt", "1 2;3 4", "1 2;3 4"),
                                 ("gs", "0 0;0 1;1 1", "0 0;0 1;1 1;0 0"), ("ack", "OK", "OK"),
                                 ("au", "voice.ogg", {"name": "voice.ogg"})]:
        state.set_answer(path_, given)
        assert state.value(path_) == stored
    state.set_answer("rg", 9)
    assert [p.code for p in state.check("rg")] == ["constraint"]
    assert state.value("h") == "kept"
    assert state.value("audit").splitlines()[0] == "event,node,time"
    assert "question,t,2025-03-04T09:30:00+00:00" in state.value("audit")
    assert not [i for i in state.items() if i.name in ("h", "deviceid", "audit")]  # never shown


def test_a_new_submission_reads_this_installation(xlsform, store):
    """deviceid is the installation's id, username the user signed in for sync, and
    ${last-saved#name} the answer saved last on this device for that form."""
    from fieldapp.forms.versions import device_context, new_submission, publish_to_store

    path = xlsform([{"type": "deviceid", "name": "device"}, {"type": "username", "name": "who"},
                    {"type": "text", "name": "village", "label": "Village", "default": "${last-saved#village}"}],
                   None, {"form_id": "visit"})
    definition_id = publish_to_store(store, imported(path))
    row = store.get("form_definition", definition_id)
    store.set_meta("sync_user", "amina")
    first = new_submission(definition_id, row, "First", **device_context(store, "visit"))
    assert first["answers"] == {"device": store.device_id, "who": "amina"}
    first["answers"]["village"] = "Kolda"
    store.insert("form_submission", first)
    second = new_submission(definition_id, row, "Second", **device_context(store, "visit"))
    assert second["answers"]["village"] == "Kolda"
