"""The import window as a person uses it: preview, encoding warning and choice, the
column-mapping step, every problem in a table with nothing written, then the import."""
from __future__ import annotations

import pytest

from fieldapp.ui.import_wizard import ImportWizard


def _cells(view):
    return [[view.item(r, c).text() if view.item(r, c) else "" for c in range(view.columnCount())] for r in range(view.rowCount())]


@pytest.fixture
def wizard(qtbot, bridge):
    w = ImportWizard(bridge, "organisation")
    qtbot.addWidget(w)
    w.show()
    return w


def _open(qtbot, wizard, path):
    wizard.open_file(path)
    qtbot.waitUntil(lambda: not wizard.is_busy() and (wizard.source is not None or "cannot" in wizard.file_status.text()), timeout=10000)


def _check(qtbot, wizard):
    wizard.next()
    if wizard.pages.currentIndex() == wizard.CHECK:
        qtbot.waitUntil(lambda: not wizard.is_busy() and bool(wizard.plans), timeout=10000)


def test_a_bad_file_is_refused_with_every_problem_shown_and_nothing_written(qtbot, wizard, store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    path = tmp_path / "bad.csv"
    path.write_text(f"name;country;org_type;email\nINERA;BF;{org_type};contact@inera.bf\n"
                    f";BF;{org_type};\nCIRAD;Atlantis;{org_type};not-an-email\n", encoding="utf-8")
    before = store.count("organisation")
    _open(qtbot, wizard, path)
    assert _cells(wizard.preview)[0] == ["INERA", "BF", org_type, "contact@inera.bf"]
    _check(qtbot, wizard)
    problems = _cells(wizard.problems_table)
    assert [(line, field) for _sheet, line, field, _reason in problems] == [("3", "name"), ("4", "country"), ("4", "email")]
    assert all(reason for *_rest, reason in problems)
    assert not wizard.import_button.isEnabled()
    wizard.import_button.click()
    assert store.count("organisation") == before and store.outbox() == []

    wizard.skip_invalid.setChecked(True)  # the person chooses to leave the bad rows out
    assert wizard.import_button.isEnabled()
    with qtbot.waitSignal(wizard.imported, timeout=10000) as blocker:
        wizard.import_button.click()
    assert (blocker.args[0].inserted, blocker.args[0].skipped) == (1, 2)
    assert store.count("organisation") == before + 1
    assert "1 added" in wizard.summary.text()


def test_a_file_that_is_not_a_table_is_refused_before_any_step(qtbot, wizard, store, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"PK\x03\x04 this is no workbook")
    _open(qtbot, wizard, path)
    assert "cannot be imported" in wizard.file_status.text()
    assert not wizard.next_button.isEnabled()
    assert store.count("organisation") == 0


def test_an_unsure_encoding_warns_and_another_can_be_chosen(qtbot, wizard, store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    path = tmp_path / "short.csv"
    path.write_bytes(f"name;country;org_type\nCafé;FR;{org_type}\n".encode("cp1252"))
    _open(qtbot, wizard, path)
    assert wizard.encoding_warning.isVisible() and "encoding" in wizard.encoding_warning.text()
    wizard.encoding_box.setCurrentIndex(wizard.encoding_box.findData("cp1251"))
    wizard.reread()
    qtbot.waitUntil(lambda: wizard.source is not None, timeout=10000)
    assert _cells(wizard.preview)[0][0] == "Cafй"  # what the wrong choice shows: the person sees it
    wizard.encoding_box.setCurrentIndex(wizard.encoding_box.findData("cp1252"))
    wizard.reread()
    qtbot.waitUntil(lambda: wizard.source is not None, timeout=10000)
    assert _cells(wizard.preview)[0][0] == "Café" and not wizard.encoding_warning.isVisible()


def test_columns_that_match_no_field_are_mapped_then_imported(qtbot, wizard, store, tmp_path):
    org_type = store.catalog.codes("org_type")[0]
    path = tmp_path / "partners.csv"
    path.write_text(f"Nom;Pays;org_type;Remarque\nINERA;BF;{org_type};appelé lundi\n", encoding="utf-8")
    _open(qtbot, wizard, path)
    wizard.next()
    assert wizard.pages.currentIndex() == wizard.MAPPING
    assert _cells(wizard.mapping_table)[0][:2] == ["Nom", "INERA"]
    wizard.set_mapping("Nom", "name")
    wizard.set_mapping("Pays", "country")
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.is_busy() and bool(wizard.plans), timeout=10000)
    assert _cells(wizard.problems_table) == []
    with qtbot.waitSignal(wizard.imported, timeout=10000):
        wizard.import_button.click()
    row = store.records("organisation")[0]
    assert (row["name"], row["country"], row["notes"]) == ("INERA", "BF", None)


def test_a_workbook_names_each_problem_s_sheet_and_a_long_file_shows_progress(qtbot, wizard, store, tmp_path):
    from openpyxl import Workbook

    org_type = store.catalog.codes("org_type")[0]
    wb = Workbook()
    orgs = wb.active
    orgs.title = "organisation"
    orgs.append(["name", "country", "org_type"])
    for i in range(2500):
        orgs.append([f"Coopérative {i}", "SN", org_type])
    contacts = wb.create_sheet("contact")
    contacts.append(["full_name", "gender"])
    contacts.append(["Awa Diop", "unknown"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    steps = []
    _open(qtbot, wizard, path)
    assert "sheets: organisation" in wizard.file_status.text()
    wizard.progress.valueChanged.connect(steps.append)
    _check(qtbot, wizard)
    assert [row[:3] for row in _cells(wizard.problems_table)] == [["contact", "2", "gender"]]
    assert not wizard.problems_table.isColumnHidden(0)
    assert len(steps) > 3 and wizard.progress.value() == wizard.progress.maximum()
    assert not wizard.import_button.isEnabled() and store.count("organisation") == 0
