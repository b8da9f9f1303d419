"""A submission filled and finalised in the window syncs like any record, and the review
state a reviewer sets on their own computer comes back to the author's filler."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fieldapp.forms.versions import shipped_templates
from tests.sync_client.conftest import Server

from .conftest import PROPOSAL, answers_in_db, fill, make_area, settle, start

USERS = {
    "amina": ("correspondent", ["AFR"], "amina-pass-123"),
    "rita": ("reviewer", ["AFR"], "rita-pass-1234"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("forms-server"))
    assert s.cli("migrate") == 0
    for name, (role, regions, password) in USERS.items():
        assert s.cli("create-user", name, "--role", role, "--region", *regions, "--password", password) == 0
    proposal = next(p for p in shipped_templates() if p.stem == "project_proposal")
    assert s.cli("publish-form", str(proposal)) == 0  # administrators publish; clients receive it
    s.start()
    yield s
    s.stop()


@pytest.fixture
def client(server, make_store):
    from fieldapp.sync_client.engine import SyncEngine
    from fieldapp.sync_client.transport import RetryPolicy, Transport

    def make(user: str):
        store = make_store(user, author=user)
        transport = Transport(server.url, policy=RetryPolicy(attempts=3, base_delay=0.05, deadline=30))
        transport.login(user, USERS[user][2])
        return store, SyncEngine(store, transport)

    return make


def test_finalised_submission_syncs_and_its_review_comes_back_to_the_author(qtbot, client):
    from fieldapp.ui.bridge import StoreBridge

    author_store, author_sync = client("amina")
    assert author_sync.sync().ok
    author_bridge = StoreBridge(author_store)
    author = make_area(qtbot, author_bridge, publish_templates=False)
    sid = start(qtbot, author, title="Zaï in the Yatenga", country="BF")
    f = author.filler
    fill(f, PROPOSAL)
    assert f.finalise() == []
    qtbot.waitUntil(lambda: author_store.get("form_submission", sid)["status"] == "final", timeout=5000)
    settle(qtbot, author_bridge)
    sent = author_sync.sync()
    assert sent.ok and sent.rejected == 0 and author_store.pending_count() == 0

    reviewer_store, reviewer_sync = client("rita")
    assert reviewer_sync.sync().ok
    copy = reviewer_store.get("form_submission", sid)
    assert copy["status"] == "final" and copy["answers"] == answers_in_db(author_store, sid)
    reviewer_bridge = StoreBridge(reviewer_store)
    reviewer = make_area(qtbot, reviewer_bridge, can_review=True, publish_templates=False)
    qtbot.waitUntil(lambda: sid in reviewer.panel.ids, timeout=10000)
    with qtbot.waitSignal(reviewer.filler.opened, timeout=10000):
        reviewer.open_submission(sid)
    box = reviewer.filler.review
    box.state.setCurrentIndex(box.state.findData("approved"))
    box.comment.setPlainText("Well argued; start with the Ouahigouya plots.")
    qtbot.mouseClick(box.save, Qt.MouseButton.LeftButton)
    settle(qtbot, reviewer_bridge)
    reviewed = reviewer_sync.sync()
    assert reviewed.ok and reviewed.rejected == 0

    assert "Approved" not in f.review.summary.text()
    assert author_sync.sync().ok
    qtbot.waitUntil(lambda: "Approved" in f.review.summary.text(), timeout=10000)
    assert "Well argued; start with the Ouahigouya plots." in f.review.summary.text()
    assert not f.review.editor.isVisible()
    row = author_store.get("form_submission", sid)
    assert (row["status"], row["review_state"]) == ("final", "approved")
    settle(qtbot, author_bridge)
    settle(qtbot, reviewer_bridge)
