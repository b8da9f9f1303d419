"""The item models: Qt's model contract (qtmodeltester), lazy paging, SQL sorting and
filtering driven from the real list page."""
from __future__ import annotations

from PySide6.QtCore import Qt

from fieldapp.core.store import Order
from fieldapp.ui.child_model import ChildTableModel
from fieldapp.ui.list_page import ListPage
import threading

from fieldapp.ui.record_model import FIRST_SCREEN, PAGE, PENDING_MARK, RecordTableModel
from fieldapp.ui.search_box import SearchResultsModel
from tests.ui.conftest import settle


def _bulk_practices(store, codes, n):
    rows = [{"title": f"Practice {i:05d}", "family": codes["practice_family"][i % 3], "country": ["FR", "IN", "BF"][i % 3],
             "review_status": "draft"} for i in range(n)]
    store.bulk_insert("practice", rows)


def test_record_model_passes_modeltester_and_pages_lazily(qtbot, qtmodeltester, bridge, store, codes):
    _bulk_practices(store, codes, 1200)
    model = RecordTableModel(bridge, "practice")
    model.activate()
    qtbot.waitUntil(lambda: model.is_loaded, timeout=15000)
    assert model.rowCount() == 1200
    assert len(model._cache) == PAGE  # only the first page came with the ids
    assert model.index(0, model.column_of("title")).data() == "Practice 00000"
    assert len(model._cache) == PAGE  # that page was prefetched: nothing more read
    assert model.index(1199, model.column_of("title")).data() == "Practice 01199"
    assert len(model._cache) == 2 * PAGE
    assert model.index(5, 0).data() == PENDING_MARK  # never synced: marked
    family = store.catalog.label("practice_family", codes["practice_family"][0])
    assert model.index(0, model.column_of("family")).data() == family  # label, not code
    qtmodeltester.check(model)


def test_big_list_shows_its_first_screen_then_grows(qtbot, qtmodeltester, bridge, store, codes, monkeypatch):
    _bulk_practices(store, codes, 1200)
    real_ids, gate = store.ids, threading.Event()

    def slow_full_list(*args, **kw):
        if kw.get("limit") is None:
            gate.wait(5)  # the whole id list takes long on a big database
        return real_ids(*args, **kw)

    monkeypatch.setattr(store, "ids", slow_full_list)
    model = RecordTableModel(bridge, "practice")
    model.activate()
    qtbot.waitUntil(lambda: model.rowCount() == FIRST_SCREEN, timeout=15000)
    assert model.partial and not model.is_loaded
    assert model.index(0, model.column_of("title")).data() == "Practice 00000"
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.rowsInserted, timeout=15000):
        gate.set()
    qtbot.waitUntil(lambda: model.is_loaded, timeout=15000)
    assert model.rowCount() == 1200 and not model.partial
    assert model.ids() == real_ids("practice")


def test_child_model_passes_modeltester_and_writes_cells(qtbot, qtmodeltester, bridge, store, sample):
    model = ChildTableModel(bridge, "contact")
    with qtbot.waitSignal(model.loaded, timeout=15000):
        model.set_parent_id(sample["organisation"])
    assert model.rowCount() == 1
    qtmodeltester.check(model)
    role = model.index(0, model.column_of("role"))
    assert model.setData(role, "Soil scientist")
    with qtbot.waitSignal(model.invalid, timeout=2000) as refused:
        assert not model.setData(model.index(0, model.column_of("email")), "not-an-email")
    assert "email" in refused.args[1].lower()
    settle(qtbot, bridge)
    row = store.get("contact", model.row_id(0))
    assert row["role"] == "Soil scientist"
    assert row["email"] is None


def test_search_results_model_passes_modeltester(qtmodeltester, store, sample):
    model = SearchResultsModel()
    model.set_hits("mulch", store.search("mulch"))
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_header_click_sorts_in_sql(qtbot, bridge, store, codes):
    _bulk_practices(store, codes, 50)
    page = ListPage(bridge, "practice")
    qtbot.addWidget(page)
    page.show()  # a list queries once it is on screen
    qtbot.waitUntil(lambda: page.model.rowCount() == 50, timeout=15000)
    col = page.model.column_of("title")
    header = page.view.horizontalHeader()
    x = header.sectionViewportPosition(col) + 5
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    assert page.model.order == Order("title", True)
    assert page.model.ids() == store.ids("practice", order=Order("title", True))
    assert page.model.index(0, col).data() == "Practice 00049"


def test_filters_query_sql(qtbot, window, store, codes):
    page = window.pages["practice"]
    family = codes["practice_family"][1]
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("family", family)
    assert page.model.rowCount() == 2
    assert set(page.model.ids()) == set(store.ids("practice", {"family": family}))
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("country", "FR")
    assert [store.get("practice", i)["title"] for i in page.model.ids()] == ["No-till maize"]
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("family", None)
        page.set_filter("country", None)
    assert page.model.rowCount() == 3
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("review_status", "published")
    assert page.model.rowCount() == 0


def test_text_filter_and_meeting_date_range(qtbot, window, store):
    page = window.pages["practice"]
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        qtbot.keyClicks(page.text_filter, "shea")
    assert [store.get("practice", i)["title"] for i in page.model.ids()] == ["Agroforestry with shea trees"]
    store.insert("meeting", {"title": "Abidjan forest soils", "starts_on": "2023-05-15", "country": "CI"})
    meetings = window.pages["meeting"]
    window.page_for("meeting").model.refresh()
    qtbot.waitUntil(lambda: meetings.model.rowCount() == 2, timeout=15000)
    with qtbot.waitSignal(meetings.model.loaded, timeout=15000):
        meetings.set_filter("starts_on__gte", "2023-03-01")
    assert [store.get("meeting", i)["title"] for i in meetings.model.ids()] == ["Abidjan forest soils"]
    with qtbot.waitSignal(meetings.model.loaded, timeout=15000):
        meetings.set_filter("starts_on__gte", None)
        meetings.set_filter("starts_on__lte", "2023-03-01")
    assert [store.get("meeting", i)["title"] for i in meetings.model.ids()] == ["Hyderabad workshop"]


def test_organisation_filters(qtbot, window, store, codes):
    store.insert("organisation", {"name": "INRAE", "org_type": codes["org_type"][1], "country": "FR", "college": codes["college"][0]})
    page = window.pages["organisation"]
    window.page_for("organisation").model.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=15000)
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("region", "EUR")
    assert [store.get("organisation", i)["name"] for i in page.model.ids()] == ["INRAE"]
    with qtbot.waitSignal(page.model.loaded, timeout=15000):
        page.set_filter("region", None)
        page.set_filter("org_type", codes["org_type"][0])
    assert [store.get("organisation", i)["name"] for i in page.model.ids()] == ["ICRISAT"]


def test_a_failing_list_query_is_retried(qtbot, bridge, store, codes, monkeypatch):
    _bulk_practices(store, codes, 5)
    real_ids, calls = store.ids, []

    def busy_once(*args, **kw):
        calls.append(kw.get("limit"))
        if len(calls) <= 2:
            raise RuntimeError("database is locked")
        return real_ids(*args, **kw)

    monkeypatch.setattr(store, "ids", busy_once)
    model = RecordTableModel(bridge, "practice")
    model.activate()
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=15000)
    assert len(calls) >= 3


def test_columns_without_a_useful_order_do_not_sort(qtbot, bridge, store, codes):
    _bulk_practices(store, codes, 5)
    page = ListPage(bridge, "practice")
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 5, timeout=15000)
    before = page.model.ids()
    page.view.sortByColumn(page.model.column_of("organisation_id"), Qt.SortOrder.DescendingOrder)
    assert page.model.order == Order("title") and page.model.ids() == before
    assert page.view.horizontalHeader().sortIndicatorSection() == page.model.column_of("title")
