"""Documents from the window: File menu and list context menus, exports of the current
filter, practice sheets and meeting minutes as PDFs (page count, Arabic and Chinese text
read back), the carbon calculator filling a practice, files dropped on attachments."""
from __future__ import annotations

import csv
import json
import unicodedata

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from fieldapp.i18n import set_language


def pdf_text(path) -> str:
    """Text of a PDF as a reader would copy it: Arabic presentation forms folded back to
    letters (NFKC), direction marks and isolates left out."""
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\t\n")
    return " ".join(text.split())


def contains(text: str, words: str) -> bool:
    """`words` in the extracted text, in reading order or (right-to-left lines, which
    pypdf gives in visual order) reversed; spaces do not matter."""
    flat, wanted = text.replace(" ", ""), unicodedata.normalize("NFKC", words).replace(" ", "")
    return wanted in flat or wanted[::-1] in flat


def pages(path) -> int:
    return len(PdfReader(str(path)).pages)


def _open(qtbot, window, entity_name, row_id):
    window.open_record(entity_name, row_id)
    qtbot.waitUntil(lambda: window.pages[entity_name].editor.row_id == row_id, timeout=10000)


@pytest.fixture
def documents(window):
    return window.documents


def _wait_written(qtbot, documents, action):
    written, failed = [], []
    documents.done.connect(written.append)
    documents.failed.connect(failed.append)
    action()
    qtbot.waitUntil(lambda: bool(written or failed), timeout=30000)
    assert failed == []
    return written[0]


def test_file_menu_offers_every_document_action(window):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text().replace("&", "") for a in file_menu.actions() if a.text()]
    for wanted in ("Import…", "Export this list…", "Export everything as a workbook…", "Practice sheet (PDF)…",
                   "Print practice sheet…", "Practice sheets of this list (PDF)…", "Meeting minutes (PDF)…", "Carbon calculator…"):
        assert wanted in texts


def test_context_menu_exports_the_current_filter_only(qtbot, window, documents, sample, tmp_path, codes):
    page = window.page_for("practice")
    page.set_filter("country", "BF")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    menu = documents.context_menu(page)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert "Export this list (1 record)…" in texts and "Practice sheet (PDF)…" in texts
    path = tmp_path / "bf.csv"
    _wait_written(qtbot, documents, lambda: documents.export_list(page, path))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [r["title"] for r in rows] == ["Agroforestry with shea trees"]

    book = tmp_path / "everything.xlsx"
    _wait_written(qtbot, documents, lambda: documents.export_workbook(book))
    wb = load_workbook(book)
    assert wb["practice"].max_row == 4 and wb["organisation"].max_row == 2

    geo = tmp_path / "orgs.geojson"
    _wait_written(qtbot, documents, lambda: documents.export_records("organisation", [sample["organisation"]], geo))
    assert json.loads(geo.read_text())["features"][0]["id"] == sample["organisation"]


def test_import_from_the_menu_opens_the_wizard_for_the_list_on_screen(qtbot, window, documents):
    window.page_for("organisation")
    wizard = documents.open_import()
    assert wizard.isVisible() and wizard.entity_name == "organisation"
    wizard.close()  # deletes itself on close


def test_practice_sheet_pdf_in_english(qtbot, window, documents, store, sample, tmp_path):
    pid = sample["practices"][0]
    store.update("practice", pid, {"summary": "Residues left on the field.", "soc_impact": 2, "yield_impact": -1,
                                   "latitude": 17.5, "longitude": 78.3, "establishment_cost": 40, "currency": "USD"})
    _open(qtbot, window, "practice", pid)
    path = tmp_path / "sheet.pdf"
    _wait_written(qtbot, documents, lambda: documents.save_current_sheet(path))
    assert 1 <= pages(path) <= 2
    text = pdf_text(path)
    for words in ("Mulching with crop residues", "Residues left on the field.", "Impact on soil organic carbon", "Location", "Costs"):
        assert words in text


def test_batch_of_the_list_is_one_pdf_with_a_sheet_per_practice(qtbot, window, documents, tmp_path):
    path = tmp_path / "all.pdf"
    _wait_written(qtbot, documents, lambda: documents.save_list_sheets(path))
    text = pdf_text(path)
    assert pages(path) >= 3
    for title in ("Mulching with crop residues", "Agroforestry with shea trees", "No-till maize"):
        assert title in text


@pytest.mark.parametrize("lang, title, summary", [
    ("ar", "الزراعة الحافظة في سهول سايس", "يحافظ المزارعون على غطاء دائم للتربة"),
    ("zh", "黄土高原的保护性耕作", "农民保持土壤覆盖，减少耕作"),
])
def test_sheet_in_arabic_and_chinese_reads_back(qtbot, window, documents, store, codes, tmp_path, lang, title, summary):
    set_language(lang)
    try:
        pid = store.insert("practice", {"title": title, "summary": summary, "family": codes["practice_family"][0],
                                        "country": "MA" if lang == "ar" else "CN", "language": lang, "soc_impact": 3})
        path = tmp_path / f"sheet-{lang}.pdf"
        _wait_written(qtbot, documents, lambda: documents.save_sheets([pid], path))
        text = pdf_text(path)
        assert pages(path) == 1
        assert contains(text, title) and contains(text, summary)
        assert contains(text, {"ar": "الملخص", "zh": "摘要"}[lang])  # the interface's label, translated
    finally:
        set_language("en")


def test_meeting_minutes_pdf(qtbot, window, documents, store, sample, tmp_path):
    mid = sample["meeting"]
    for name, gender, age in (("Asha Rao", "female", "youth"), ("Ravi Kumar", "male", "adult"), ("Lena Berg", "female", "adult")):
        store.insert("meeting_participant", {"meeting_id": mid, "name": name, "gender": gender, "age_group": age})
    item = store.insert("agenda_item", {"meeting_id": mid, "position": 1, "title": "Regional roadmap",
                                        "discussion": "Soil sampling protocol shared by ICRISAT."})
    store.insert("decision", {"meeting_id": mid, "agenda_item_id": item, "text": "Adopt the common protocol", "outcome": "adopted"})
    store.insert("decision", {"meeting_id": mid, "text": "Host the next meeting in Dakar", "outcome": "postponed"})
    store.insert("action_item", {"meeting_id": mid, "text": "Circulate the protocol", "owner_name": "Asha Rao", "due_on": "2023-03-01"})
    _open(qtbot, window, "meeting", mid)
    path = tmp_path / "minutes.pdf"
    _wait_written(qtbot, documents, lambda: documents.save_current_minutes(path))
    text = pdf_text(path)
    assert pages(path) >= 1
    wanted = ("Hyderabad workshop", "3 participants", "women: 2", "youth (under 35): 1", "Regional roadmap",
              "Soil sampling protocol", "Adopt the common protocol", "Postponed", "Circulate the protocol", "Mar 1, 2023")
    for words in wanted:
        assert words in text, words

    from docx import Document  # the same minutes as a Word document
    docx_path = tmp_path / "minutes.docx"
    _wait_written(qtbot, documents, lambda: documents.save_current_minutes(docx_path))
    doc = Document(str(docx_path))
    words = " ".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    for w in wanted:
        assert w in words, w
    assert [c.text for c in doc.tables[-1].rows[1].cells] == ["Circulate the protocol", "Asha Rao", "Mar 1, 2023", "Open"]


def test_carbon_calculator_checks_the_worked_example_and_fills_the_practice(qtbot, window, documents, store, sample):
    pid = sample["practices"][0]
    _open(qtbot, window, "practice", pid)
    calc = documents.open_calculator()
    calc.soc.setValue(1.5)
    calc.bulk_density.setValue(1.3)
    calc.depth.setValue(30)
    assert calc.stock_label.text() == "58.5 t C/ha"
    assert calc.target_label.text() == "0.234 t C/ha per year"
    assert not calc.fill_button.isEnabled()  # no measured change yet
    calc.unit.setCurrentIndex(calc.unit.findData("g/kg"))
    calc.soc.setValue(15)
    assert calc.stock_label.text() == "58.5 t C/ha"
    calc.use_later.setChecked(True)
    calc.later_soc.setValue(16)
    calc.years.setValue(5)
    assert calc.change_label.text().startswith("0.78 t C/ha per year")
    with qtbot.waitSignal(calc.filled, timeout=10000):
        calc.fill_button.click()
    assert store.get("practice", pid)["soc_change"] == pytest.approx(0.78)
    calc.bulk_density.setValue(0)
    assert "Bulk density" in calc.error_label.text() and not calc.fill_button.isEnabled()
    calc.close()


def test_files_dropped_on_attachments_are_attached(qtbot, window, store, sample, tmp_path):
    pid = sample["practices"][0]
    _open(qtbot, window, "practice", pid)
    panel = window.practice_attachments
    qtbot.waitUntil(lambda: panel.owner_id == pid, timeout=10000)
    photo = tmp_path / "zai.txt"
    photo.write_text("field notes", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    target = panel.list.viewport()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(10, 10), *args)  # a drag enters the panel, then the file is let go
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(10, 10), *args))
    qtbot.waitUntil(lambda: len(panel.rows()) == 1, timeout=10000)
    assert panel.rows()[0]["file_name"] == "zai.txt"
    assert store.children("practice_media", pid)[0]["file_name"] == "zai.txt"


def test_printing_lays_the_sheet_out_on_a_printer(qtbot, window, store, sample, tmp_path):
    """The Print entry paints the same layout on the printer the dialog returns (here a
    printer writing to a file, as "Print to file" does)."""
    from PySide6.QtPrintSupport import QPrinter

    from fieldapp.core import practice_sheet
    from fieldapp.ui import documents_pdf

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    path = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(path))
    count = documents_pdf.paint([documents_pdf.sheet_document(practice_sheet.build(store, sample["practices"][1]))], printer)
    assert count == pages(path) == 1
    assert "Agroforestry with shea trees" in pdf_text(path)


def test_sheet_shows_the_practice_photos(qtbot, window, documents, store, sample, tmp_path):
    from PySide6.QtGui import QColor, QImage

    from fieldapp.core import attachments, practice_sheet

    pid = sample["practices"][2]
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#6d4c41"))
    photo = tmp_path / "no-till.png"
    image.save(str(photo))
    attachments.add_file(store, "practice", pid, photo, caption="Direct seeding into residues")
    sheet = practice_sheet.build(store, pid)
    assert [p.caption for p in sheet.photos] == ["Direct seeding into residues"]
    path = tmp_path / "photo-sheet.pdf"
    _wait_written(qtbot, documents, lambda: documents.save_sheets([pid], path))
    reader = PdfReader(str(path))
    assert sum(len(page.images) for page in reader.pages) >= 1
    assert "Direct seeding into residues" in pdf_text(path)
