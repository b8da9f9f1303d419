"""XLSX and GeoJSON round trips, the column-mapping step, and multi-sheet workbooks:
what goes out comes back the same, and a bad file changes nothing."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from fieldapp import cli
from fieldapp.core import transfer, transfer_mapping
from fieldapp.core.schema import ENTITIES, entity
from fieldapp.core.transfer import import_file
from tests.core.test_transfer import _fields, full_store  # noqa: F401 - the fixture

REPEAT_ANSWERS = {
    "budget": 1200.5, "note": "=SUM(A1:A3) is text, not a formula",
    "partners": [{"partner_name": "INERA", "share": 40, "missing": None}, {"partner_name": "CIRAD", "share": 60, "tags": ["a", "b"]}],
    "sites": [{"site": "Yatenga", "visits": [{"visit_date": "2023-05-02"}]}],
    "empty_repeat": [],
}


def test_xlsx_every_entity_round_trips_in_one_workbook(full_store, make_store, tmp_path):
    sub = full_store.records("form_submission")[0]
    full_store.update("form_submission", sub["id"], {"answers": REPEAT_ANSWERS})
    path = tmp_path / "all.xlsx"
    counts = transfer.export_xlsx(full_store, [e.name for e in ENTITIES], path)
    assert counts == {e.name: full_store.stats()[e.name] for e in ENTITIES}

    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["reference", "organisation", "contact"]
    assert {"partners", "sites"} <= set(wb.sheetnames)  # a form's repeats as sheets
    assert [c.value for c in wb["partners"][1]][:3] == ["submission_id", "repeat", "instance"]
    assert wb["partners"].max_row == 3
    note_cell = next(c for row in wb["form_submission"].iter_rows() for c in row if isinstance(c.value, str) and "budget" in c.value)
    assert "partners" not in note_cell.value  # left the answers cell for its own sheet

    target = make_store("target-xlsx")
    result = import_file(target, "practice", path)  # the entity named only matters for a one-sheet book
    assert result.problems == []
    for e in ENTITIES:
        assert _fields(target, e.name) == _fields(full_store, e.name), e.name
    assert target.get("form_submission", sub["id"])["answers"] == REPEAT_ANSWERS
    assert target.check() == []


def test_xlsx_cells_have_types_and_text_is_never_a_formula(full_store, tmp_path):
    pid = full_store.ids("practice")[0]
    full_store.update("practice", pid, {"title": "=HYPERLINK(\"http://x\")", "area_ha": 12.5, "farmers": 40})
    path = tmp_path / "p.xlsx"
    transfer.export_path(full_store, "practice", "xlsx", path, ids=[pid])
    ws = load_workbook(path)["practice"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["title"].data_type == "s" and row["title"].value.startswith("=")
    assert row["area_ha"].value == 12.5 and row["farmers"].value == 40


def test_xlsx_sheet_of_contacts_may_point_to_organisations_of_the_same_book(store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    wb = Workbook()
    orgs = wb.active
    orgs.title = "Organisations"
    org_id = "0b3b1c1e-8d5c-4d57-9c8a-1f0a7c1d2e3f"
    orgs.append(["id", "name", "country", "org_type"])
    orgs.append([org_id, "ICRISAT", "IN", org_type])
    contacts = wb.create_sheet("Contacts")
    contacts.append(["full_name", "organisation_id", "gender"])
    contacts.append(["Asha Rao", org_id, "female"])
    contacts.append(["Ravi", org_id, "nobody knows"])  # a bad row: nothing of the book is written
    path = tmp_path / "book.xlsx"
    wb.save(path)

    result = import_file(store, "organisation", path)
    assert [(p.sheet, p.line, p.field) for p in result.problems] == [("Contacts", 3, "gender")]
    assert store.count("organisation") == 0 and store.count("contact") == 0

    result = import_file(store, "organisation", path, skip_invalid=True)
    assert (result.inserted, result.skipped) == (2, 1)
    assert store.records("contact")[0]["organisation_id"] == org_id


def test_xlsx_that_is_not_a_workbook_is_a_clear_error(store, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(transfer.ImportFileError, match="XLSX"):
        import_file(store, "practice", path)


@pytest.mark.parametrize("name", ["organisation", "practice"])
def test_geojson_follows_rfc_7946_and_round_trips(full_store, make_store, tmp_path, name):
    ids = full_store.ids(name)
    full_store.update(name, ids[0], {"latitude": None, "longitude": None})  # one without a place
    path = tmp_path / f"{name}.geojson"
    assert transfer.export_path(full_store, name, "geojson", path) == len(ids)
    doc = json.loads(path.read_text(encoding="utf-8"))

    # RFC 7946: a FeatureCollection (3.3) of Features (3.2) with Point geometries whose
    # positions are [longitude, latitude] in WGS 84 (3.1.1, 4), no "crs" (4), bbox (5).
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    located = [f for f in doc["features"] if f["geometry"] is not None]
    assert located and len(doc["features"]) == len(ids)
    rows = {r["id"]: r for r in full_store.records(name)}
    west, south, east, north = doc["bbox"]
    for feat in doc["features"]:
        assert feat["type"] == "Feature" and set(feat) == {"type", "id", "geometry", "properties"}
        assert "latitude" not in feat["properties"] and "longitude" not in feat["properties"]
        if feat["geometry"] is None:
            assert rows[feat["id"]]["latitude"] is None
            continue
        assert feat["geometry"]["type"] == "Point"
        lon, lat = feat["geometry"]["coordinates"]
        assert (lon, lat) == (rows[feat["id"]]["longitude"], rows[feat["id"]]["latitude"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert west <= lon <= east and south <= lat <= north

    target = make_store(f"geo-{name}")
    if name == "practice":  # practices point to organisations: bring those first
        import_file(target, "organisation", _export(full_store, "organisation", tmp_path))
    result = import_file(target, name, path)
    assert result.problems == []
    assert _fields(target, name) == _fields(full_store, name)


def _export(store, name, tmp_path):
    path = tmp_path / f"{name}-first.json"
    transfer.export_path(store, name, "json", path)
    return path


def test_geojson_refuses_what_is_not_a_point_and_writes_nothing(store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
         "properties": {"name": "INRAE", "country": "FR", "org_type": org_type}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
         "properties": {"name": "A field", "country": "FR", "org_type": org_type}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 48]},
         "properties": {"name": "Off the map", "country": "FR", "org_type": org_type}},
    ]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = import_file(store, "organisation", path)
    assert [(p.line, p.field) for p in result.problems] == [(2, "geometry"), (3, "longitude")]
    assert store.count("organisation") == 0
    with pytest.raises(ValueError, match="GeoJSON"):
        transfer.export(store, "meeting", "geojson", io.StringIO())


def test_mapping_step_suggests_and_a_mapping_imports_foreign_headers(store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    path = tmp_path / "partners.csv"
    path.write_text(f"Nom de l'organisation;Pays;Type;Remarque\nINERA;BF;{org_type};appelé lundi\n", encoding="utf-8")
    source = transfer.read_source(path, "organisation")
    table = source.tables[0]
    e = entity("organisation")
    suggestions = transfer_mapping.suggest(e, table.header, table.records)
    assert [s.field for s in suggestions] == [None, None, None, None]
    assert suggestions[0].samples == ("INERA",)
    assert transfer_mapping.needs_mapping(e, table.header, table.records)

    unmapped = import_file(store, "organisation", path)
    assert {p.field for p in unmapped.problems} >= {"Nom de l'organisation", "Pays"} and store.count("organisation") == 0

    mapping = {"Nom de l'organisation": "name", "Pays": "country", "Type": "org_type", "Remarque": None}
    result = import_file(store, "organisation", path, mapping=mapping)
    assert result.problems == [] and result.inserted == 1
    row = store.records("organisation")[0]
    assert (row["name"], row["country"], row["notes"]) == ("INERA", "BF", None)


def test_cli_imports_with_map_and_encoding_and_exports_xlsx(tmp_path, capsys):
    data = tmp_path / "data"
    assert cli.main(["demo", "--data-dir", str(data), "--scale", "20"]) == 0
    book = tmp_path / "orgs.xlsx"
    assert cli.main(["export", "organisation", "--format", "xlsx", "-o", str(book), "--data-dir", str(data)]) == 0
    assert load_workbook(book)["organisation"].max_row > 1
    assert cli.main(["export", "organisation", "--format", "xlsx", "--data-dir", str(data)]) == 2

    path = tmp_path / "ru.csv"
    from fieldapp.core.store import Store
    s = Store(data)
    org_type = s.catalog.codes("org_type")[0]
    before = s.count("organisation")
    s.close()
    path.write_bytes(f"Название;country;org_type\nКазанский университет;RU;{org_type}\n".encode("cp1251"))
    capsys.readouterr()
    assert cli.main(["import", "organisation", str(path), "--map", "Название=name", "--data-dir", str(data)]) == 0
    assert "1 added" in capsys.readouterr().out
    s = Store(data)
    assert s.count("organisation") == before + 1
    assert any(r["name"] == "Казанский университет" for r in s.records("organisation", {"country": "RU"}))
    s.close()


def test_xlsx_values_longer_than_an_excel_cell_come_back_whole(store, make_store, tmp_path):
    """Excel refuses cells past 32 767 characters; a shipped form definition is longer."""
    from fieldapp.forms import xlsform
    from fieldapp.paths import resources_dir

    definition = xlsform.import_xlsform(resources_dir() / "forms" / "project_proposal.xlsx")
    assert len(json.dumps(definition)) > 32767
    fid = store.insert("form_definition", {"form_id": "proposal", "version": 1, "title": "Proposal", "definition": definition})
    fam = store.catalog.codes("practice_family")[0]
    long_text = "Le zaï, pratique ancienne du Yatenga. " * 2500
    pid = store.insert("practice", {"title": "Zaï", "family": fam, "country": "BF", "description": long_text})
    path = tmp_path / "long.xlsx"
    transfer.export_xlsx(store, ["form_definition", "practice"], path)
    wb = load_workbook(path)
    assert all(len(str(c.value or "")) <= 32767 for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert "_continued" in wb.sheetnames
    target = make_store("long-target")
    assert import_file(target, "practice", path).problems == []
    assert target.get("form_definition", fid)["definition"] == definition
    assert target.get("practice", pid)["description"] == long_text
