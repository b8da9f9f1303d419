"""What practice sheets and minutes say, read without a window: sections, impacts on the
-3..+3 scale, the map inset only with coordinates, attendance by gender and youth, and
the Word minutes marked right-to-left in Arabic."""
from __future__ import annotations

import pytest
from docx import Document

from fieldapp.core import meeting_minutes, practice_sheet
from fieldapp.core.document_html import NEGATIVE, POSITIVE, impact_scale
from fieldapp.core.minutes_docx import minutes_docx
from fieldapp.i18n import set_language


def test_impact_scale_fills_from_zero_to_the_score():
    assert impact_scale("SOC", 2).count(POSITIVE) == 2 and NEGATIVE not in impact_scale("SOC", 2)
    assert impact_scale("Yield", -3).count(NEGATIVE) == 3 and POSITIVE not in impact_scale("Yield", -3)
    assert impact_scale("None", None) == ""


def test_sheet_sections_and_map_only_with_coordinates(store):
    fam = store.catalog.codes("practice_family")[0]
    pid = store.insert("practice", {"title": "Zaï au Yatenga", "summary": "Poquets de compost.", "family": fam, "country": "BF",
                                    "language": "fr", "soc_impact": 2, "farmers": 1200, "links": ["https://www.wocat.net"]})
    sheet = practice_sheet.build(store, pid)
    assert sheet.location is None and practice_sheet.MAP_SCHEME not in sheet.html
    for words in ("Zaï au Yatenga", "Poquets de compost.", "Impact on soil organic carbon", "Adoption", "https://www.wocat.net"):
        assert words in sheet.html
    store.update("practice", pid, {"latitude": 13.6, "longitude": -2.4})
    sheet = practice_sheet.build(store, pid)
    assert sheet.location == (13.6, -2.4) and practice_sheet.map_source(pid) in sheet.html
    with pytest.raises(KeyError):
        practice_sheet.build(store, "00000000-0000-0000-0000-000000000000")


def test_minutes_count_women_and_youth(store):
    mid = store.insert("meeting", {"title": "Abidjan workshop", "starts_on": "2023-05-10", "country": "CI"})
    for gender, age in (("female", "youth"), ("female", "adult"), ("male", "youth"), ("undisclosed", "adult")):
        store.insert("meeting_participant", {"meeting_id": mid, "name": f"{gender} {age}", "gender": gender, "age_group": age})
    m = meeting_minutes.read(store, mid)
    assert (m.attendance.total, m.attendance.women, m.attendance.men, m.attendance.youth) == (4, 2, 1, 2)
    assert "women: 2 (50%)" in m.attendance.sentence()


def test_arabic_minutes_docx_is_right_to_left(store, tmp_path):
    set_language("ar")
    try:
        mid = store.insert("meeting", {"title": "اجتماع الرباط", "starts_on": "2023-06-01", "country": "MA"})
        store.insert("decision", {"meeting_id": mid, "text": "اعتماد خطة العمل", "outcome": "adopted"})
        path = tmp_path / "minutes.docx"
        minutes_docx(store, mid, path)
    finally:
        set_language("en")
    doc = Document(str(path))
    assert doc.paragraphs[0].text == "اجتماع الرباط"
    assert doc.paragraphs[0]._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None
    assert doc.tables[0].rows[1].cells[0].text == "اعتماد خطة العمل"
