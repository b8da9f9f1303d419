"""Export and import: every entity round-trips through CSV and JSON; spreadsheet files as
people really save them import; a bad file is reported line by line and changes nothing."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fieldapp.core import demo, transfer
from fieldapp.core.schema import ENTITIES, entity
from fieldapp.core.transfer import ImportProblem, import_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transfer"


def _fields(store, name: str) -> dict[str, dict]:
    e = entity(name)
    return {r["id"]: {f.name: r[f.name] for f in e.fields} for r in store.records(name)}


def _snapshot(store) -> tuple[dict, list]:
    return store.stats(), store.outbox()


@pytest.fixture
def full_store(make_store):
    """A small demo world plus one row of each entity the demo leaves empty."""
    s = make_store("source")
    demo.generate(s, scale=60, seed=5)
    practice_id = s.ids("practice")[0]
    meeting_id = s.ids("meeting")[0]
    project_id = s.ids("project")[0]
    s.insert("practice_media", {"practice_id": practice_id, "sha256": "ab" * 32, "file_name": "zaï_Yatenga.jpg",
                                "mime_type": "image/jpeg", "size": 123456, "kind": "photo", "caption": "Poquets de zaï, juin 2022"})
    s.insert("meeting_media", {"meeting_id": meeting_id, "sha256": "cd" * 32, "file_name": "compte-rendu.pdf",
                               "mime_type": "application/pdf", "size": 98765, "kind": "document"})
    definition = s.insert("form_definition", {"form_id": "call_2024", "version": 2, "title": "Appel à projets 2024",
                                              "published_at": "2024-01-15T09:00:00Z",
                                              "definition": {"fields": [{"name": "area", "type": "decimal"}]}})
    s.insert("form_submission", {"definition_id": definition, "form_id": "call_2024", "form_version": 2,
                                 "title": "Auto-évaluation — zaï au Yatenga", "project_id": project_id,
                                 "answers": {"area": 12.5, "note": "ligne 1\nligne 2"}, "status": "final"})
    return s


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_entity_round_trips(full_store, make_store, tmp_path, fmt):
    target = make_store(f"target-{fmt}")
    for e in ENTITIES:
        path = tmp_path / f"{e.name}.{fmt}"
        with path.open("w", encoding="utf-8", newline="") as out:
            written = transfer.export(full_store, e.name, fmt, out)
        assert written == full_store.stats()[e.name]
        result = import_file(target, e.name, path)
        assert result.problems == [], (e.name, result.problems[:3])
        assert result.written + result.unchanged == written
        assert _fields(target, e.name) == _fields(full_store, e.name), e.name
    assert target.check() == []
    # imported rows are user edits: they wait in the outbox to sync
    assert target.pending_count() == sum(n for name, n in full_store.stats().items() if name != "reference")


def test_csv_header_is_id_plus_schema_fields_and_lists_use_pipes(full_store):
    out = io.StringIO()
    transfer.export_csv(full_store, "practice", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["id", *entity("practice").field_names]
    objectives = rows[0].index("objectives")
    assert any("|" in r[objectives] for r in rows[1:])


def test_excel_french_file_imports(store):
    """cp1252, `;` separators, CRLF, decimal commas, day-first dates, labels for codes."""
    result = import_file(store, "organisation", FIXTURES / "organisations_fr_excel.csv")
    assert result.problems == []
    assert result.inserted == 3
    rows = {r["name"]: r for r in store.records("organisation")}
    coop = rows["Coopérative agricole de Kaolack"]
    assert coop["latitude"] == pytest.approx(14.1652) and coop["longitude"] == pytest.approx(-16.0726)
    assert coop["joined_on"] == "2021-03-15"
    assert coop["org_type"] == "producer_org" and coop["country"] == "SN" and coop["region"] == "AFR"
    assert coop["notes"] == "Réseau de 1 200 producteurs d'arachide et de mil"
    assoc = rows["Association Sol Vivant — Thiès"]  # the dash only exists in cp1252, not latin-1
    assert assoc["college"] == "C4" and assoc["joined_on"] == "2019-07-01" and assoc["acronym"] is None
    ministry = rows["Ministère de l'Agriculture et de l'Équipement rural"]
    assert ministry["org_type"] == "state" and ministry["country"] == "SN"
    assert store.pending_ids("organisation") == set(rows[n]["id"] for n in rows)
    assert any(h.row_id == coop["id"] for h in store.search("cooperative kaolack"))


def test_malformed_file_reports_line_and_field_and_changes_nothing(store):
    before = _snapshot(store)
    result = import_file(store, "organisation", FIXTURES / "organisations_bad_excel.csv")
    assert result.written == 0
    found = {(p.line, p.field) for p in result.problems}
    assert (3, "joined_on") in found  # 31/02/2021
    assert (4, "org_type") in found  # "coopérative laitière" is no organisation type
    assert {(5, "country"), (5, "latitude"), (5, "email")} <= found
    assert not any(p.line == 2 for p in result.problems)  # the good row is not blamed
    assert all(p.message for p in result.problems)
    message = str(next(p for p in result.problems if p.field == "org_type"))
    assert message.startswith("line 4, field org_type:") and "coopérative laitière" in message
    assert _snapshot(store) == before


def test_skip_invalid_imports_the_good_rows_only(store):
    result = import_file(store, "organisation", FIXTURES / "organisations_bad_excel.csv", skip_invalid=True)
    assert result.inserted == 1 and result.skipped == 3
    assert {p.line for p in result.problems} == {3, 4, 5}
    assert [r["name"] for r in store.records("organisation")] == ["Coopérative agricole de Kaolack"]
    assert store.pending_count() == 1


def test_wrong_columns_are_named_on_line_one_and_change_nothing(store):
    before = _snapshot(store)
    result = import_file(store, "practice", FIXTURES / "practices_wrong_columns.csv", skip_invalid=True)
    assert ImportProblem(1, "titre_pratique", result.problems[0].message) in result.problems
    missing = {p.field for p in result.problems if p.line == 1 and p.field != "titre_pratique"}
    assert missing == {"title", "family"}
    assert all("titre_pratique" in p.message or "missing" in p.message for p in result.problems)
    assert _snapshot(store) == before


def test_bom_file_with_labels_instead_of_codes(store):
    result = import_file(store, "practice", FIXTURES / "practices_bom.csv")
    assert result.problems == [] and result.inserted == 2
    rows = {r["title"]: r for r in store.records("practice")}
    senegal = rows["Semis direct sous couvert végétal dans le bassin arachidier"]
    assert senegal["family"] == "reduced_tillage" and senegal["country"] == "SN" and senegal["region"] == "AFR"
    assert senegal["soc_change"] == pytest.approx(0.45) and senegal["area_ha"] == pytest.approx(1250.5)
    assert senegal["objectives"] == ["B2", "A3"] and senegal["soc_impact"] == 2
    guatemala = rows["Agroforestería con café en Huehuetenango"]
    assert guatemala["family"] == "agroforestry" and guatemala["country"] == "GT"
    assert guatemala["soc_change"] == pytest.approx(0.8) and guatemala["language"] == "es"
    assert guatemala["objectives"] == ["B2"]


def test_unknown_enum_value_and_bad_reference_in_json(store, tmp_path):
    org = store.insert("organisation", {"name": "ISRA", "org_type": "research", "country": "SN"})
    path = tmp_path / "practices.json"
    path.write_text(json.dumps([
        {"title": "Zaï au Yatenga", "family": "land_restoration", "country": "BF", "organisation_id": org},
        {"title": "Paillage", "family": "mulching", "country": "BF"},
        {"title": "Haies vives", "family": "agroforestry", "country": "BF",
         "organisation_id": "00000000-0000-4000-8000-000000000000", "soc_impact": 5},
    ], ensure_ascii=False), encoding="utf-8")
    before = _snapshot(store)
    result = import_file(store, "practice", path)
    found = {(p.line, p.field) for p in result.problems}
    assert found == {(2, "family"), (3, "organisation_id"), (3, "soc_impact")}
    assert _snapshot(store) == before


def test_rows_with_a_known_id_update_only_what_changed(store, tmp_path):
    demo.generate(store, scale=20, seed=2)
    out = io.StringIO()
    transfer.export_csv(store, "contact", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header = rows[0]
    rows[1][header.index("role")] = "Correspondante régionale"
    path = tmp_path / "contacts.csv"
    # written back the way French Excel does: `;` and cp1252
    with path.open("w", encoding="cp1252", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    result = import_file(store, "contact", path)
    assert result.problems == []
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, len(rows) - 2)
    assert store.get("contact", rows[1][0])["role"] == "Correspondante régionale"
    ops = store.outbox()
    assert len(ops) == 1 and ops[0]["row_id"] == rows[1][0] and set(ops[0]["fields"]) == {"role"}


def test_unreadable_file_is_a_clear_error(store, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(transfer.ImportFileError):
        import_file(store, "practice", path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(transfer.ImportFileError):
        import_file(store, "practice", empty)
