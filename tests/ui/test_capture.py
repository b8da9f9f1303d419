"""Meeting capture mode: a facilitator registers 20 people, three decisions, actions
and a practice without leaving the screen; counts follow live; the database holds it all."""
from __future__ import annotations

from PySide6.QtCore import Qt

from fieldapp.core.counts import attendance, meeting_attendance
from tests.ui.conftest import settle

PEOPLE = [(f"Participant {i:02d}", ("female", "male", "female", "other")[i % 4], "youth" if i % 3 == 0 else "adult")
          for i in range(19)]


def _open_capture(qtbot, window, meeting_id):
    window.open_record("meeting", meeting_id)
    qtbot.waitUntil(lambda: window.pages["meeting"].editor.row_id == meeting_id, timeout=15000)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    capture = window.capture
    qtbot.waitUntil(lambda: capture.meeting_id == meeting_id and capture.person_name.isEnabled(), timeout=15000)
    assert window.meetings_stack.currentWidget() is capture
    return capture


def test_capture_a_meeting_with_20_participants_and_3_decisions(qtbot, window, store, sample):
    mid = sample["meeting"]
    capture = _open_capture(qtbot, window, mid)
    # a known contact, found by completion
    qtbot.keyClicks(capture.person_name, "Asha")
    qtbot.waitUntil(lambda: capture.contacts.choices.rowCount() == 1, timeout=15000)
    capture.contacts.activated[type(capture.contacts.choices.index(0, 0))].emit(capture.contacts.completionModel().index(0, 0))
    assert capture.person_org.text() == "ICRISAT"
    assert capture.person_gender.raw() == "female"
    qtbot.keyClick(capture.person_org, Qt.Key.Key_Return)
    # nineteen new names typed in, gender and age group picked
    for name, gender, age in PEOPLE:
        capture.person_gender.set_code(gender)
        capture.person_age.set_code(age)
        qtbot.keyClicks(capture.person_name, name)
        qtbot.keyClick(capture.person_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: capture.attendance.total == 20, timeout=10000)
    # decisions with their outcomes
    capture.tabs.setCurrentIndex(1)
    for text, outcome in (("Create a regional network", "adopted"), ("Fund a soil lab", "postponed"),
                          ("Change the logo", "rejected")):
        capture.decision_outcome.set_code(outcome)
        qtbot.keyClicks(capture.decision_text, text)
        qtbot.keyClick(capture.decision_text, Qt.Key.Key_Return)
    # an action item with owner and due date
    qtbot.keyClicks(capture.action_text, "Send the minutes")
    qtbot.keyClicks(capture.action_owner, "Participant 03")
    capture.action_due.set_iso("2023-03-01")
    qtbot.keyClick(capture.action_text, Qt.Key.Key_Return)
    # an agenda item
    qtbot.keyClicks(capture.agenda.quick, "Opening")
    qtbot.keyClick(capture.agenda.quick, Qt.Key.Key_Return)
    settle(qtbot, window.bridge)

    people = store.children("meeting_participant", mid)
    assert len(people) == 20
    asha = next(p for p in people if p["name"] == "Asha Rao")
    assert asha["contact_id"] is not None and asha["organisation_name"] == "ICRISAT" and asha["gender"] == "female"
    expected = attendance([{"gender": g, "age_group": a} for _n, g, a in PEOPLE] + [{"gender": "female", "age_group": None}])
    counted = meeting_attendance(store, mid)
    assert counted == expected
    assert counted.women == 1 + sum(1 for _n, g, _a in PEOPLE if g == "female")
    assert counted.youth == sum(1 for _n, _g, a in PEOPLE if a == "youth")
    assert capture.attendance == counted
    assert f"{counted.total} participants · {counted.women} women" in capture.counts.text()
    decisions = {d["text"]: d["outcome"] for d in store.children("decision", mid)}
    assert decisions == {"Create a regional network": "adopted", "Fund a soil lab": "postponed", "Change the logo": "rejected"}
    [action] = store.children("action_item", mid)
    assert (action["text"], action["owner_name"], action["due_on"], action["status"]) == (
        "Send the minutes", "Participant 03", "2023-03-01", "open")
    assert [a["title"] for a in store.children("agenda_item", mid)] == ["Opening"]


def test_capture_a_practice_without_leaving_the_meeting(qtbot, window, store, sample, codes):
    mid = sample["meeting"]
    capture = _open_capture(qtbot, window, mid)
    capture.tabs.setCurrentIndex(3)
    capture.practice_add.click()  # nothing typed: told what is missing, nothing written
    qtbot.waitUntil(lambda: "required" in capture.practice_message.text(), timeout=15000)
    before = store.count("practice")
    assert list(capture.practice_inputs) == ["title", "family", "country", "summary"]  # required, then a summary
    qtbot.keyClicks(capture.practice_inputs["title"].widget, "Millet residue mulch")
    capture.practice_inputs["family"].show(codes["practice_family"][0])
    assert capture.practice_inputs["country"].raw() == "IN"  # the meeting's country
    capture.practice_add.click()
    qtbot.waitUntil(lambda: capture.captured.model.rowCount() == 1, timeout=15000)
    assert store.count("practice") == before + 1
    [link] = store.children("meeting_practice", mid)
    practice = store.get("practice", link["practice_id"])
    assert (practice["title"], practice["country"], practice["family"]) == ("Millet residue mulch", "IN", codes["practice_family"][0])


def test_participant_cells_edit_in_place_and_counts_follow(qtbot, window, store, sample):
    mid = sample["meeting"]
    capture = _open_capture(qtbot, window, mid)
    capture.register("Kofi Mensah", gender="male", age_group="youth")
    qtbot.waitUntil(lambda: capture.attendance.total == 1, timeout=15000)
    model = capture.participants.model
    assert model.setData(model.index(0, model.column_of("gender")), "female")
    qtbot.waitUntil(lambda: capture.attendance.women == 1, timeout=15000)
    assert store.children("meeting_participant", mid)[0]["gender"] == "female"
