"""`fieldapp form check FILE.xlsx`: the outline of a good form, the problems of a bad one."""
from __future__ import annotations

import io

from fieldapp.forms.xlsform import check_command

YN = [{"list_name": "yn", "name": "yes", "label": "Yes"}, {"list_name": "yn", "name": "no", "label": "No"}]


def run(path) -> tuple[int, str]:
    out = io.StringIO()
    code = check_command(path, out)
    return code, out.getvalue()


def test_outline_of_a_good_form(xlsform):
    path = xlsform([
        {"type": "text", "name": "holder", "label": "Holder", "label::French (fr)": "Porteur", "required": "yes"},
        {"type": "begin group", "name": "site", "label": "Site", "relevant": "${holder} != ''"},
        {"type": "select_one yn", "name": "irrigated", "label": "Irrigated?"},
        {"type": "text", "name": "why", "label": "Why?", "required": "${irrigated} = 'no'"},
        {"type": "end group"},
        {"type": "begin repeat", "name": "plots", "label": "Plots"},
        {"type": "decimal", "name": "area", "label": "Area", "required": "yes"},
        {"type": "end repeat"},
        {"type": "calculate", "name": "total", "calculation": "sum(${area})"},
    ], YN, {"form_id": "survey_2026", "form_title": "Site survey", "version": 4}, name="site.xlsx")
    code, text = run(path)
    assert code == 0
    assert text.splitlines() == [
        "Form 'survey_2026', version 4: Site survey",
        "Languages: en, fr (default en)",
        "(* required, (*) required under a condition, ? shown under a condition)",
        "  text holder*: Holder",
        "  [group] site?: Site",
        "    select_one yn irrigated: Irrigated?",
        "    text why(*): Why?",
        "  [repeat] plots: Plots",
        "    decimal area*: Area",
        "  calculate total = sum(${area})",
        "Questions: 4 (3 required); groups: 1; repeats: 1; choice lists: 1",
    ]


def test_warnings_are_printed_and_do_not_fail(xlsform):
    path = xlsform([{"type": "text", "name": "a", "label": "A", "appearance": "spinner"}])
    code, text = run(path)
    assert code == 0
    assert text.splitlines()[-1] == ("warning: survey, row 2, column 'appearance': appearance 'spinner' is not used "
                                     "by Field App and is ignored")
    assert "version not set" in text.splitlines()[0]


def test_errors_are_listed_with_exit_code_1(xlsform):
    path = xlsform([
        {"type": "integer", "name": "a", "label": "A", "constraint": "foo(.)"},
        {"type": "text", "name": "a", "label": "Again"},
    ], name="broken.xlsx")
    code, text = run(path)
    assert code == 1
    assert text.splitlines() == [
        "broken.xlsx: 2 problem(s), nothing imported",
        "  - survey, row 2, column 'constraint': unknown function 'foo()'",
        "  - survey, row 3, column 'name': duplicate name 'a'",
    ]


def test_a_missing_file_is_an_error_not_a_crash(tmp_path):
    code, text = run(tmp_path / "nope.xlsx")
    assert code == 1 and "no such file" in text


def test_shipped_templates_check_clean():
    from fieldapp.paths import resources_dir

    for name in ("project_proposal.xlsx", "project_self_assessment.xlsx"):
        code, text = run(resources_dir() / "forms" / name)
        assert code == 0, text
        assert "Languages: en, fr, es, ar, zh, ru (default en)" in text
        assert "warning" not in text
