"""The two shipped templates: imported by the same importer, in three languages, and their
logic (4 per 1000 arithmetic, budget totals, STC criteria scoring) does what it says."""
from __future__ import annotations

import importlib.util

import pytest

from fieldapp.core import carbon
from fieldapp.forms.checks import read_definition
from fieldapp.forms.definition import Question
from fieldapp.forms.form_state import FormState
from fieldapp.forms.xlsform import import_xlsform
from fieldapp.paths import resources_dir
from tests.forms.helpers import clock

FORMS = resources_dir() / "forms"
TEMPLATES = ("project_proposal.xlsx", "project_self_assessment.xlsx")


@pytest.fixture(scope="module")
def proposal_definition():
    return read_definition(import_xlsform(FORMS / "project_proposal.xlsx")["definition"])


@pytest.fixture(scope="module")
def assessment_definition():
    return read_definition(import_xlsform(FORMS / "project_self_assessment.xlsx")["definition"])


UN_LANGUAGES = ["en", "fr", "es", "ar", "zh", "ru"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_import_in_the_six_un_languages(name):
    result = import_xlsform(FORMS / name)
    assert result["warnings"] == []
    defn = read_definition(result["definition"])
    assert defn.languages == UN_LANGUAGES
    assert set(defn.title) == set(UN_LANGUAGES)
    for el, _parents in defn.walk():
        if el.label:
            assert set(el.label) == set(UN_LANGUAGES), el.name
            assert all(el.label[lang].strip() for lang in UN_LANGUAGES), el.name
        if isinstance(el, Question):
            for text in (el.hint, el.constraint_message, el.required_message):
                assert not text or set(text) == set(UN_LANGUAGES), el.name
    for items in defn.choices.values():
        for choice in items:
            assert set(choice.label) == set(UN_LANGUAGES), choice.name


def test_arabic_chinese_and_russian_labels_keep_the_placeholders_and_the_reference_wording(store):
    import re

    defn = read_definition(import_xlsform(FORMS / "project_proposal.xlsx")["definition"])
    for el, _parents in defn.walk():
        for text in (el.label, getattr(el, "hint", None)):
            if text:
                wanted = sorted(re.findall(r"\$\{\w+\}", text["en"]))
                for lang in ("ar", "zh", "ru"):
                    assert sorted(re.findall(r"\$\{\w+\}", text[lang])) == wanted, (el.name, lang)
    burkina = next(c for c in defn.choices["country"] if c.name == "BF")
    for lang in ("ar", "zh", "ru"):  # the same words as the app's own country list
        assert burkina.label[lang] == store.catalog.label("country", "BF", lang)


def _build_script():
    spec = importlib.util.spec_from_file_location("build_templates", FORMS / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_workbooks_match_their_build_script(tmp_path):
    for built in _build_script().build(tmp_path):
        assert import_xlsform(built)["definition"] == import_xlsform(FORMS / built.name)["definition"], built.name


def test_rebuilt_workbooks_do_not_depend_on_the_installed_babel_data(tmp_path, monkeypatch):
    """Babel 2.19 renamed territories (TF, HM, SH) and a fresh install's rebuild stopped
    matching the committed workbooks: the script must read only committed data."""
    import babel

    monkeypatch.setattr(babel.Locale, "territories", property(lambda self: {"FR": "Renamed by a newer CLDR"}))
    for built in _build_script().build(tmp_path):
        assert import_xlsform(built)["definition"] == import_xlsform(FORMS / built.name)["definition"], built.name


def test_template_choice_codes_are_the_reference_codes(proposal_definition, store):
    for list_name in ("region", "country", "org_type", "land_use"):
        for choice in proposal_definition.choices[list_name]:
            assert store.catalog.has(list_name, choice.name), (list_name, choice.name)
    families = [c.name for c in proposal_definition.choices["practice_family"] if c.name != "other"]
    assert all(store.catalog.has("practice_family", code) for code in families)


# ----------------------------------------------------------------------------- proposal
def fill_proposal(state: FormState) -> None:
    answers = {
        "holder_name": "Coopérative de Korhogo", "holder_type": "producer_org", "contact_name": "Awa Koné",
        "contact_email": "awa@example.org", "project_title": "Agroforestry parks in the north",
        "region": "AFR", "country": "CI", "summary": "Cashew and shea parks with cover crops.",
        "start_date": "2026-09-01", "duration_months": 36, "land_use": "CL", "area_ha": "250",
        "farmers": 400, "women_share": 45, "practices": ["agroforestry", "cover_crops"],
        "soc_percent": "1,5", "bulk_density": 1.3, "depth_cm": 30, "coarse_fraction": 0, "expected_rate": 0.3,
        "budget_staff": 60000, "budget_equipment": 25000, "budget_training": 10000, "budget_monitoring": 5000,
        "cofunding": 20000, "workplan": {"name": "workplan.pdf", "sha256": "b" * 64}, "declaration": "yes",
    }
    for path, value in answers.items():
        state.set_answer(path, value)


def test_proposal_carbon_block_follows_the_4_per_1000_arithmetic(proposal_definition):
    state = FormState(proposal_definition, language="fr")
    fill_proposal(state)
    stock = carbon.soc_stock(1.5, 1.3, 30)
    assert state.value("soc_stock") == pytest.approx(stock) == pytest.approx(58.5)
    assert state.value("target_rate") == pytest.approx(carbon.four_per_1000_target(stock))
    assert state.value("meets_target") == "yes"
    total_c = 0.3 * 250 * 3
    assert state.value("total_c") == pytest.approx(total_c)
    assert state.value("total_co2") == pytest.approx(carbon.c_to_co2(total_c))
    assert state.label("carbon_summary") == (
        "Stock initial : 58,5 t C/ha. Objectif 4 pour 1000 : 0,234 t C/ha/an. Attendu sur la durée du projet : "
        "225 t C, soit 825 t CO2.")
    state.set_answer("coarse_fraction", 0.2)
    assert state.value("soc_stock") == pytest.approx(carbon.soc_stock(1.5, 1.3, 30, 0.2), abs=1e-3)
    state.set_answer("expected_rate", 0.1)
    assert state.value("meets_target") == "no" and state.is_relevant("below_target")


def test_proposal_budget_totals_and_cofunding_rule(proposal_definition):
    state = FormState(proposal_definition)
    fill_proposal(state)
    assert state.value("budget_other") == 0  # default
    assert state.value("budget_total") == 100000 and state.value("requested") == 80000
    assert state.label("budget_summary") == "Total budget: 100,000 Euro. Requested: 80,000 Euro."
    state.set_answer("cofunding", 150000)
    [problem] = [p for p in state.validate_all() if p.name == "cofunding"]
    assert problem.message == "Between 0 and the total budget (100,000)"


def test_proposal_complete_then_skip_logic_and_repeat(proposal_definition):
    state = FormState(proposal_definition, now=clock)
    fill_proposal(state)
    assert state.validate_all() == []
    assert state.value("call_year") == 2026 and state.value("currency") == "EUR"

    # Countries follow the region; choosing 'other' practices asks which ones.
    assert ("SN", "Senegal") in state.choices("country") and ("FR", "France") not in state.choices("country")
    state.set_answer("practices", ["agroforestry", "other"])
    assert [p.path for p in state.validate_all()] == ["practices_other"]
    state.set_answer("practices", ["agroforestry"])
    assert not state.is_relevant("practices_other")

    for name, contribution in (("INP-HB", 5000), ("Cirad", 12000)):
        path = state.add_repeat("partners")
        state.set_answer(f"{path}/partner_name", name)
        state.set_answer(f"{path}/partner_type", "research")
        state.set_answer(f"{path}/partner_contribution", contribution)
    assert state.value("partner_count") == 2 and state.value("partner_contributions") == 17000
    state.remove_repeat("partners[1]")
    assert state.value("partner_count") == 1 and state.value("partner_contributions") == 12000

    state.set_answer("declaration", "no")
    assert [(p.path, p.message) for p in state.validate_all()] == [
        ("declaration", "The proposal can only be submitted with this declaration")]
    state.set_answer("contact_email", "awa-at-example")
    assert state.check("contact_email", "es")[0].message == "Escriba una dirección como nombre@ejemplo.org"


# ----------------------------------------------------------------------------- self-assessment
SAFEGUARDS = ("human_rights", "land_tenure", "poverty")
DIRECT = ("soil_conservation", "soc_stock")
OTHERS = ("food_security", "adaptation", "biodiversity", "gender_inclusion", "participation")


def score_all(state: FormState, value: str) -> None:
    for name in SAFEGUARDS + DIRECT + OTHERS:
        state.set_answer(f"{name}_score", value)


def test_assessment_order_is_safeguards_then_direct_then_others(assessment_definition):
    groups = [el.name for el in assessment_definition.children if el.kind == "group"]
    assert groups == ["about", "safeguards", "direct", "others", "result"]
    safeguards = [c.name for c in assessment_definition.children[1].children if c.name.endswith("_score")]
    assert safeguards == [f"{n}_score" for n in SAFEGUARDS]


def test_low_scores_need_a_justification(assessment_definition):
    state = FormState(assessment_definition, now=clock)
    state.set_answer("project_title", "Parks")
    state.set_answer("holder_name", "Coop")
    assert state.value("assessment_date") == "2026-03-15"
    score_all(state, "3")
    state.set_answer("land_tenure_score", "1")
    state.set_answer("tenure_documented", "yes")
    state.set_answer("soc_measured", "no")
    problems = [(p.path, p.message) for p in state.validate_all("fr")]
    assert problems == [("land_tenure_justification", "Expliquez cette note basse")]
    state.set_answer("land_tenure_justification", "Customary rights are being mapped with the village.")
    assert state.validate_all() == []
    # 'Not applicable' needs no justification.
    state.set_answer("biodiversity_score", "na")
    assert state.validate_all() == []


def test_overall_score_weights_the_three_families(assessment_definition):
    state = FormState(assessment_definition)
    assert state.value("overall_score") is None and state.value("overall_level") is None
    score_all(state, "4")
    assert state.value("overall_score") == 100 and state.value("overall_level") == "strong"
    state.set_answer("food_security_score", "na")
    state.set_answer("adaptation_score", "2")  # others: (2 + 4 + 4 + 4) / 4 = 3.5
    expected = round((4 * 0.3 + 4 * 0.4 + 3.5 * 0.3) * 25)
    assert state.value("overall_score") == expected
    for name in DIRECT:
        state.set_answer(f"{name}_score", "1")  # direct 1: (1.2 + 0.4 + 1.05) * 25 = 66.25
    assert state.value("overall_score") == 66 and state.value("overall_level") == "moderate"
    assert state.is_relevant("improvements")


def test_a_safeguard_at_zero_makes_the_project_ineligible(assessment_definition):
    state = FormState(assessment_definition)
    score_all(state, "3")
    state.set_answer("soc_measured", "yes")
    state.set_answer("soc_method", "Sampling 0-30 cm on a grid, dry combustion")
    state.set_answer("poverty_score", "0")
    assert state.is_relevant("safeguard_failed")
    assert not state.is_relevant("direct") and not state.is_relevant("others")
    assert state.value("soc_method") is None and state.value("food_security_score") is None
    assert state.value("overall_score") == 0 and state.value("overall_level") == "weak"
    assert state.is_relevant("weak_note")


def test_tenure_follow_up_questions(assessment_definition):
    state = FormState(assessment_definition)
    assert not state.is_relevant("tenure_documented")
    state.set_answer("land_tenure_score", "2")
    assert state.is_relevant("tenure_documented") and not state.is_relevant("tenure_plan")
    state.set_answer("tenure_documented", "no")
    assert state.is_relevant("tenure_plan") and state.is_required("tenure_plan")
    state.set_answer("land_tenure_score", "4")
    assert not state.is_relevant("tenure_plan") and state.value("tenure_documented") is None
