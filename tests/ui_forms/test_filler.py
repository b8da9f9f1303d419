"""The form filler driven like a person would, offscreen, on the shipped project proposal:
what the screen shows and what the database holds afterwards."""
from __future__ import annotations

from PySide6.QtCore import Qt

from fieldapp.forms.versions import publish_to_store, store_definitions, shipped_templates
from fieldapp.forms.xlsform import import_xlsform
from fieldapp.ui.question_inputs import AttachmentQuestion, GeopointQuestion, LineQuestion, RadioQuestion

from .conftest import PROPOSAL, answer, answers_in_db, fill, make_area, settle, start, template, visible_paths


def test_skip_logic_hides_the_question_and_clears_its_stored_answer(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    answer(f, "farmers", 12)
    assert "women_share" in visible_paths(f)  # relevant: ${farmers} > 0
    answer(f, "women_share", 40)
    settle(qtbot, bridge)
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("women_share") == 40, timeout=5000)

    answer(f, "farmers", 0)
    assert "women_share" not in visible_paths(f)  # gone from the page at once
    qtbot.waitUntil(lambda: "women_share" not in answers_in_db(store, sid), timeout=5000)
    assert answers_in_db(store, sid)["farmers"] == 0

    # a select_multiple choice shows a follow-up question, unticking it clears the answer
    answer(f, "practices", ["agroecology", "other"])
    answer(f, "practices_other", "Termite-assisted mulching")
    answer(f, "practices", ["agroecology"])
    assert "practices_other" not in visible_paths(f)
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("practices") == ["agroecology"], timeout=5000)
    assert "practices_other" not in answers_in_db(store, sid)


def test_typing_checks_live_and_a_constraint_blocks_finalise_with_its_message(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    fill(f, PROPOSAL)
    f.jump_to("contact_email")
    row = f.row_for("contact_email")
    assert isinstance(row.input, LineQuestion)
    row.input.edit.clear()
    qtbot.keyClicks(row.input.edit, "awa at sahel")  # typed, not set
    message = row.message.text()
    assert row.message.isVisible() and message  # beside the field, while typing
    assert f.state.value("contact_email") is not None or f.state.raw("contact_email") is not None

    assert f.finalise() != []
    texts = [f.problems.item(i).text() for i in range(f.problems.count())]
    assert texts == [f"Contact email: {message}"]
    assert f.problems.isVisible()
    settle(qtbot, bridge)
    assert store.get("form_submission", sid)["status"] == "draft"

    # clicking the problem goes to the page and puts the keyboard on the question
    answer(f, "declaration", "yes")
    f.go_to_page(0)
    f._problem_clicked(f.problems.item(0))
    assert f.page == f.state.page_of("contact_email")
    qtbot.waitUntil(lambda: area.focusWidget() is f.row_for("contact_email").input.edit, timeout=3000)

    row = f.row_for("contact_email")
    row.input.edit.selectAll()
    qtbot.keyClicks(row.input.edit, "awa@sahel-sols.org")
    assert not row.message.isVisible()
    assert f.finalise() == []
    qtbot.waitUntil(lambda: store.get("form_submission", sid)["status"] == "final", timeout=5000)
    assert answers_in_db(store, sid)["contact_email"] == "awa@sahel-sols.org"


def test_required_answers_listed_per_page_when_finalising_an_empty_draft(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    problems = f.finalise()
    assert {p.name for p in problems} >= {"holder_name", "contact_email", "declaration", "workplan"}
    assert f.problems.count() == len(problems)
    holder_page = f.state.page_of("holder_name")
    assert "to fix" in f.page_list.item(holder_page).text()
    f.jump_to("holder_name")
    row = f.row_for("holder_name")
    assert row.message.isVisible() and row.message.text()
    answer(f, "holder_name", "Réseau Sahel")
    assert not f.row_for("holder_name").message.isVisible()
    assert f.problems.count() == len(problems) - 1  # the list follows the answers
    settle(qtbot, bridge)
    assert store.get("form_submission", sid)["status"] == "draft"


def test_repeat_entries_added_and_removed_follow_in_the_database(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    f.confirm = lambda _text: True
    f.go_to_page(next(p.index for p in f.state.pages() if p.names == ["partners"]))
    add = f.rows[("repeat", "partners")]
    qtbot.mouseClick(add.add, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(f.rows[("repeat", "partners")].add, Qt.MouseButton.LeftButton)
    assert {"partners[1]/partner_name", "partners[2]/partner_name"} <= visible_paths(f)
    answer(f, "partners[1]/partner_name", "INERA")
    answer(f, "partners[1]/partner_contribution", 5000)
    answer(f, "partners[2]/partner_name", "CIRAD")
    qtbot.waitUntil(lambda: [p.get("partner_name") for p in answers_in_db(store, sid).get("partners", [])]
                    == ["INERA", "CIRAD"], timeout=5000)

    qtbot.mouseClick(f.rows[("instance", "partners[1]")].remove, Qt.MouseButton.LeftButton)
    assert "partners[2]/partner_name" not in visible_paths(f)
    assert f.row_for("partners[1]/partner_name").input.value() == "CIRAD"
    qtbot.waitUntil(lambda: [p.get("partner_name") for p in answers_in_db(store, sid).get("partners", [])]
                    == ["CIRAD"], timeout=5000)
    assert "partner_contribution" not in answers_in_db(store, sid)["partners"][0]


def test_typed_answers_survive_closing_before_the_autosave_and_reopen_from_the_database(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    f.jump_to("project_title")
    edit = f.row_for("project_title").input.edit
    assert edit.text() == "Zaï in the Yatenga"  # the new submission's title, carried into the form
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "Compost pits")
    answer(f, "region", "AFR")
    area.close()  # at once, well before the 300 ms autosave
    settle(qtbot, bridge)
    stored = answers_in_db(store, sid)
    assert stored["project_title"] == "Compost pits" and stored["region"] == "AFR"

    again = make_area(qtbot, bridge)
    qtbot.waitUntil(lambda: sid in again.panel.ids, timeout=10000)
    with qtbot.waitSignal(again.filler.opened, timeout=10000):
        again.open_submission(sid)
    g = again.filler
    g.jump_to("project_title")
    assert g.row_for("project_title").input.value() == "Compost pits"
    radio = g.row_for("region").input
    assert isinstance(radio, RadioQuestion) and radio.value() == "AFR"
    assert [b.text() for b in radio.group.buttons() if b.isChecked()] == ["Sub-Saharan Africa"]


def test_finalised_submission_is_read_only_until_reopened_as_draft(qtbot, store, bridge, tmp_path):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    fill(f, PROPOSAL)
    assert f.finalise() == []
    qtbot.waitUntil(lambda: store.get("form_submission", sid)["status"] == "final", timeout=5000)
    qtbot.waitUntil(lambda: f.reopen_button.isVisible(), timeout=5000)
    assert not f.finalise_button.isVisible()
    f.jump_to("project_title")
    assert f.row_for("project_title").input.edit.isReadOnly()
    qtbot.waitUntil(lambda: any(area.panel.tree.topLevelItem(i).text(3) == "Final"
                                for i in range(area.panel.tree.topLevelItemCount())), timeout=5000)

    qtbot.mouseClick(f.reopen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: store.get("form_submission", sid)["status"] == "draft", timeout=5000)
    qtbot.waitUntil(lambda: not f.row_for("project_title").input.edit.isReadOnly(), timeout=5000)
    assert answers_in_db(store, sid)["project_title"] == PROPOSAL["project_title"]


def test_calculations_update_the_notes_that_show_them(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    start(qtbot, area)
    f = area.filler
    fill(f, {"budget_staff": 1000, "budget_equipment": 500, "budget_training": 250, "budget_monitoring": 250})
    summary = f.row_for("budget_summary")
    assert summary is not None and "2,000" in summary.label.text()
    answer(f, "cofunding", 500)
    assert "1,500" in f.row_for("budget_summary").label.text()  # requested = total - co-funding


def test_attaching_a_file_copies_it_and_stores_its_hash(qtbot, store, bridge, tmp_path):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    plan = tmp_path / "workplan.pdf"
    plan.write_bytes(b"%PDF-1.4 " + b"x" * 5000)
    f.file_chooser = lambda _path: str(plan)
    f.jump_to("workplan")
    attach = f.row_for("workplan").input
    assert isinstance(attach, AttachmentQuestion)
    qtbot.mouseClick(attach.attach, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool((answers_in_db(store, sid).get("workplan") or {}).get("sha256")), timeout=10000)
    stored = answers_in_db(store, sid)["workplan"]
    assert stored["name"] == "workplan.pdf" and stored["size"] == plan.stat().st_size
    assert stored["mime"] == "application/pdf"
    assert (store.files_dir / stored["sha256"][:2] / stored["sha256"]).read_bytes() == plan.read_bytes()
    assert "workplan.pdf" in attach.name.text()


def test_location_taken_from_the_holder_organisation_or_typed_with_range_checks(qtbot, store, bridge, codes):
    org = store.insert("organisation", {"name": "INERA", "org_type": codes["org_type"][0], "country": "BF",
                                        "latitude": 12.37, "longitude": -1.53})
    project = store.insert("project", {"title": "Zaï", "country": "BF", "holder_id": org})
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area, project_id=project)
    assert store.get("form_submission", sid)["project_id"] == project
    f = area.filler
    f.jump_to("site_location")
    geo = f.row_for("site_location").input
    assert isinstance(geo, GeopointQuestion)
    assert geo.linked.isVisible() and "INERA" in geo.linked.text()
    qtbot.mouseClick(geo.linked, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("site_location") == {"lat": 12.37, "lon": -1.53},
                    timeout=5000)

    geo.lat.clear()
    qtbot.keyClicks(geo.lat, "95")
    message = f.row_for("site_location").message
    assert message.isVisible() and "-90" in message.text() and "90" in message.text()
    geo.lat.clear()
    qtbot.keyClicks(geo.lat, "12,5")  # a decimal comma is fine
    assert not message.isVisible()
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("site_location") == {"lat": 12.5, "lon": -1.53},
                    timeout=5000)


def test_review_set_by_a_reviewer_comes_back_to_the_author_with_its_comment(qtbot, store, bridge):
    from fieldapp.ui.bridge import StoreBridge

    author = make_area(qtbot, bridge)
    sid = start(qtbot, author)
    fill(author.filler, PROPOSAL)
    assert author.filler.finalise() == []
    qtbot.waitUntil(lambda: store.get("form_submission", sid)["status"] == "final", timeout=5000)
    assert not author.filler.review.editor.isVisible()  # authors cannot set it

    reviewer_bridge = StoreBridge(store)
    reviewer = make_area(qtbot, reviewer_bridge, can_review=True)
    qtbot.waitUntil(lambda: sid in reviewer.panel.ids, timeout=10000)
    with qtbot.waitSignal(reviewer.filler.opened, timeout=10000):
        reviewer.open_submission(sid)
    box = reviewer.filler.review
    assert box.editor.isVisible()
    box.state.setCurrentIndex(box.state.findData("has_issues"))
    box.comment.setPlainText("The co-funding letter is missing.")
    qtbot.mouseClick(box.save, Qt.MouseButton.LeftButton)
    settle(qtbot, reviewer_bridge)
    row = store.get("form_submission", sid)
    assert (row["review_state"], row["review_comment"]) == ("has_issues", "The co-funding letter is missing.")

    summary = author.filler.review.summary
    qtbot.waitUntil(lambda: "Has issues" in summary.text(), timeout=5000)
    assert "The co-funding letter is missing." in summary.text() and summary.isVisible()
    qtbot.waitUntil(lambda: any(author.panel.tree.topLevelItem(i).text(4) == "Has issues"
                                for i in range(author.panel.tree.topLevelItemCount())), timeout=5000)
    settle(qtbot, bridge)


def test_a_draft_on_an_older_version_opens_on_its_own_version(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    old = start(qtbot, area, title="Old call")
    answer(area.filler, "holder_name", "Réseau Sahel")
    area.filler.flush()
    settle(qtbot, bridge)

    # version 2: the holder's name question is renamed and a new required question added
    imported = import_xlsform(next(p for p in shipped_templates() if p.stem == "project_proposal"))
    group = next(el for el in imported["definition"]["children"] if el.get("name") == "holder")
    group["children"][0]["name"] = "holder_legal_name"
    publish_to_store(store, imported)
    assert sorted(r["version"] for r in store_definitions(store, "project_proposal").values()) == [1, 2]
    area.refresh()
    qtbot.waitUntil(lambda: max(t["version"] for t in area.templates() if t["form_id"] == "project_proposal") == 2,
                    timeout=10000)

    new = start(qtbot, area, title="New call")
    assert store.get("form_submission", new)["form_version"] == 2
    area.filler.jump_to("holder_legal_name")
    assert area.filler.row_for("holder_legal_name") is not None

    with qtbot.waitSignal(area.filler.opened, timeout=10000):
        area.open_submission(old)
    f = area.filler
    assert "version 1" in f.subtitle.text()
    f.jump_to("holder_name")
    assert f.row_for("holder_name").input.value() == "Réseau Sahel"
    assert f.row_for("holder_legal_name") is None


def test_submissions_list_shows_title_form_version_status(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    start(qtbot, area, title="Proposal A")
    start(qtbot, area, "project_self_assessment", title="Assessment B")
    tree = area.panel.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=10000)
    rows = {tree.topLevelItem(i).text(0): [tree.topLevelItem(i).text(c) for c in range(1, 5)]
            for i in range(2)}
    assert rows["Proposal A"] == ["Project proposal", "1", "Draft", ""]
    assert rows["Assessment B"][1:3] == ["1", "Draft"] and rows["Assessment B"][0]
    assert area.filler.title.text() == "Assessment B"


def test_the_forms_country_answer_places_the_submission_in_its_region(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    assert store.get("form_submission", sid)["country"] is None
    answer(area.filler, "region", "AFR")
    answer(area.filler, "country", "BF")
    qtbot.waitUntil(lambda: store.get("form_submission", sid)["country"] == "BF", timeout=5000)
    assert store.get("form_submission", sid)["region"] == "AFR"  # what sync scopes by


def test_new_submission_dialog_offers_the_latest_version_and_takes_the_projects_country(qtbot, store, bridge,
                                                                                      monkeypatch):
    from fieldapp.ui import form_area

    project = store.insert("project", {"title": "Zaï", "country": "BF"})
    area = make_area(qtbot, bridge)
    qtbot.waitUntil(lambda: len(area.templates()) == 2 and bool(area.projects), timeout=15000)

    def fill_and_accept(dialog) -> int:
        assert dialog.template.count() == 2
        dialog.template.setCurrentIndex(dialog.template.findData(template(area, "project_proposal")["id"]))
        dialog._accept()
        assert "required" in dialog.error.text().lower()  # no title yet: refused, says why
        dialog.title_edit.setText("Demi-lunes")
        dialog.project.set_code(project)
        dialog._project_picked()
        assert dialog.country.raw() == "BF"
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(form_area.NewSubmissionDialog, "exec", fill_and_accept)
    with qtbot.waitSignal(area.filler.opened, timeout=10000) as opened:
        qtbot.mouseClick(area.panel.new_button, Qt.MouseButton.LeftButton)
    row = store.get("form_submission", opened.args[0])
    assert (row["title"], row["form_id"], row["form_version"], row["project_id"], row["country"], row["status"]) == \
        ("Demi-lunes", "project_proposal", 1, project, "BF", "draft")
    assert row["answers"]["call_year"] == 2026  # the form's defaults are filled in


def test_labels_and_messages_follow_the_chosen_language(qtbot, store, bridge):
    from fieldapp import i18n

    i18n.set_language("fr")
    try:
        area = make_area(qtbot, bridge)
        start(qtbot, area)
        f = area.filler
        f.jump_to("holder_name")
        assert f.row_for("holder_name").label.text() == "Nom de l'organisation *"
        assert f.finalise_button.text() == "Finaliser"
        f.finalise()
        assert f.row_for("holder_name").message.text() not in ("", "An answer is required")
    finally:
        i18n.set_language("en")


def test_bundled_templates_carry_the_servers_id_and_are_never_uploaded(qtbot, store, bridge):
    from fieldapp.forms.versions import definition_id

    area = make_area(qtbot, bridge)  # publishes the bundled templates locally
    qtbot.waitUntil(lambda: len(area.templates()) == 2, timeout=15000)
    bundled = template(area, "project_proposal")
    # the id the server gives the same file when an administrator publishes it
    assert bundled["id"] == definition_id("project_proposal", bundled["version"])
    assert store.pending_ids("form_definition") == set()
    sid = start(qtbot, area)
    assert store.get("form_submission", sid)["definition_id"] == bundled["id"]
