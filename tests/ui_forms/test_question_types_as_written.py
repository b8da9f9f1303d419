"""Question types ODK forms carry, drawn by the filler's inputs: audio and video are
attachments like photos; time, datetime, geotrace and geoshape are typed, the field saying
how, and the engine checks and keeps what is typed."""
from __future__ import annotations

from fieldapp.forms.form_state import FormState
from fieldapp.ui.question_inputs import AttachmentQuestion, LineQuestion, make_question_input

DEFINITION = {
    "form_id": "odk_types", "title": {"en": "ODK types"}, "default_language": "en", "languages": ["en"],
    "children": [{"kind": "question", "name": t, "type": t, "label": {"en": t.title()}}
                 for t in ("audio", "video", "time", "datetime", "geotrace", "geoshape")],
    "choices": {},
}


def test_inputs_for_odk_question_types(qtbot):
    state = FormState(DEFINITION)
    inputs = {item.name: make_question_input(item) for item in state.items() if item.kind == "question"}
    for widget in inputs.values():
        qtbot.addWidget(widget)
    assert isinstance(inputs["audio"], AttachmentQuestion) and isinstance(inputs["video"], AttachmentQuestion)
    assert inputs["audio"].attach.text() == "Attach a file…"
    time_input = inputs["time"]
    assert isinstance(time_input, LineQuestion) and time_input.edit.placeholderText() == "HH:MM"
    assert inputs["geoshape"].edit.placeholderText().startswith("latitude longitude;")
    qtbot.keyClicks(time_input.edit, "9:05")
    state.set_answer("time", time_input.value())
    assert state.value("time") == "09:05"
    state.set_answer("datetime", "2025-03-04 25:00")  # kept as typed, reported until corrected
    assert [p.code for p in state.check("datetime")] == ["type"]
