"""Versions: each publication is a new version; drafts always open on their own version."""
from __future__ import annotations

import pytest

from fieldapp.forms.errors import VersionError
from fieldapp.forms.versions import (
    check_submission, choose_version, definition_row, latest_definition, new_submission, next_version,
    open_submission, publish_shipped, publish_to_store, shipped_templates, store_definitions,
)
from fieldapp.forms.xlsform import import_xlsform


def test_next_version_counts_per_form_id():
    rows = [{"form_id": "proposal", "version": 1}, {"form_id": "proposal", "version": 3},
            {"form_id": "assessment", "version": 9}]
    assert next_version("proposal", rows) == 4
    assert next_version("assessment", rows) == 10
    assert next_version("new_form", rows) == 1


def test_requested_version_must_be_above_the_published_ones():
    rows = [{"form_id": "proposal", "version": 3}]
    assert choose_version("proposal", None, rows) == 4
    assert choose_version("proposal", 2026, rows) == 2026
    with pytest.raises(VersionError, match="version 3 exists, publish 4 or more"):
        choose_version("proposal", 3, rows)


def _v1(xlsform):
    return import_xlsform(xlsform([
        {"type": "text", "name": "holder", "label": "Holder", "required": "yes"},
        {"type": "integer", "name": "farmers", "label": "Farmers", "constraint": ". <= 1000"},
    ], settings={"form_id": "proposal"}))


def _v2(xlsform):
    # Next year's call: 'farmers' is gone, a new required question, a stricter holder.
    return import_xlsform(xlsform([
        {"type": "text", "name": "holder", "label": "Holder", "required": "yes",
         "constraint": "string-length(.) >= 5", "constraint_message": "Five letters at least"},
        {"type": "decimal", "name": "budget", "label": "Budget", "required": "yes"},
    ], settings={"form_id": "proposal"}))


def test_old_drafts_open_and_validate_against_their_own_version(xlsform):
    rows: dict[str, dict] = {}
    rows["def-1"] = definition_row(_v1(xlsform), rows.values())
    draft = new_submission("def-1", rows["def-1"], "Draft made last year")
    state = open_submission(draft, rows)
    state.set_answer("holder", "Coop")
    state.set_answer("farmers", 120)
    draft["answers"] = state.to_answers()

    rows["def-2"] = definition_row(_v2(xlsform), rows.values())
    assert (rows["def-1"]["version"], rows["def-2"]["version"]) == (1, 2)
    assert latest_definition("proposal", rows.values())["version"] == 2

    # The old draft still opens on version 1: its answers are all there and it is complete,
    # although version 2 removed 'farmers', requires 'budget' and wants longer holder names.
    reopened = open_submission(draft, rows)
    assert reopened.definition.version == 1
    assert reopened.value("farmers") == 120 and reopened.value("holder") == "Coop"
    assert check_submission(draft, rows) == []

    # The same answers judged by version 2 would not pass: that is what must never happen to a draft.
    on_v2 = dict(draft, definition_id="def-2", form_version=2)
    assert [(p.path, p.code) for p in check_submission(on_v2, rows)] == [
        ("holder", "constraint"), ("budget", "required")]


def test_a_submission_records_its_form_and_version(xlsform):
    row = definition_row(_v1(xlsform), [])
    values = new_submission("def-1", row, "Coop proposal", project_id="p1")
    assert {k: values[k] for k in ("definition_id", "form_id", "form_version", "title", "status", "project_id")} == {
        "definition_id": "def-1", "form_id": "proposal", "form_version": 1, "title": "Coop proposal",
        "status": "draft", "project_id": "p1"}
    assert row["definition"]["version"] == 1


def test_opening_refuses_a_missing_or_mismatched_definition(xlsform):
    rows = {"def-1": definition_row(_v1(xlsform), [])}
    draft = new_submission("def-1", rows["def-1"], "x")
    with pytest.raises(VersionError, match="not available on this device"):
        open_submission(dict(draft, definition_id="def-9"), rows)
    with pytest.raises(VersionError, match="says proposal version 5 but its template is proposal version 1"):
        open_submission(dict(draft, form_version=5), rows)


def test_publishing_to_the_local_store_keeps_every_version(store, xlsform):
    first = publish_to_store(store, _v1(xlsform), published_at="2025-01-10T00:00:00Z")
    second = publish_to_store(store, _v2(xlsform), published_at="2026-01-10T00:00:00Z")
    rows = store_definitions(store, "proposal")
    assert sorted((r["version"], r["status"]) for r in rows.values()) == [(1, "published"), (2, "published")]
    assert rows[first]["definition"]["version"] == 1 and rows[second]["definition"]["version"] == 2

    draft_id = store.insert("form_submission", new_submission(first, rows[first], "Last year's draft"))
    state = open_submission(store.get("form_submission", draft_id), rows)
    state.set_answer("holder", "Coop")
    store.update("form_submission", draft_id, {"answers": state.to_answers()})

    saved = store.get("form_submission", draft_id)
    assert (saved["form_version"], saved["definition_id"]) == (1, first)
    assert saved["answers"]["holder"] == "Coop"
    assert check_submission(saved, store_definitions(store)) == []


def test_shipped_templates_are_published_once(store):
    assert [p.name for p in shipped_templates()] == ["project_proposal.xlsx", "project_self_assessment.xlsx"]
    made = publish_shipped(store)
    assert len(made) == 2 and publish_shipped(store) == []
    rows = store_definitions(store)
    assert sorted((r["form_id"], r["version"]) for r in rows.values()) == [
        ("project_proposal", 1), ("project_self_assessment", 1)]
    proposal = latest_definition("project_proposal", rows.values())
    draft = new_submission(proposal["id"], proposal, "Korhogo parks")
    assert open_submission(draft, rows).definition.title_in("es") == "Propuesta de proyecto"
