"""`make run`'s local demo service: seeded once, logs the app in by itself, stops with it."""
from fieldapp.sync_client import demo_service
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import Transport


def test_demo_service_serves_the_demo_data_to_a_new_client(tmp_path, store):
    service = demo_service.start(tmp_path / "demo-server", scale=60)
    try:
        t = Transport(service.url)
        t.login(service.user, service.password)
        result = SyncEngine(store, t, attachments=False).sync()
        assert result.ok and store.count("practice") >= 50 and store.count("organisation") >= 10
        assert store.count("meeting_participant") > 0
        again = demo_service.prepare(tmp_path / "demo-server", scale=60)  # seeded once only
        assert again[1] == service.password
    finally:
        service.stop()
    assert service.process.poll() is not None


def test_the_make_run_demo_pair_syncs_a_finalised_submission(tmp_path, make_store):
    """Before, the demo service held no form templates and refused every submission
    ("missing_ref: Form template: no such record")."""
    from fieldapp.forms.versions import latest_definition, new_submission, publish_shipped, store_definitions
    from fieldapp.forms.form_state import FormState

    service = demo_service.start(tmp_path / "demo-server", scale=20)
    try:
        laptop, office = make_store("laptop", author="demo"), make_store("office", author="demo")
        publish_shipped(laptop)  # what the window does on first use, before any sync
        t = Transport(service.url)
        t.login(service.user, service.password)
        assert SyncEngine(laptop, t, attachments=False).sync().ok
        definition = latest_definition("project_self_assessment", store_definitions(laptop).values())
        values = new_submission(definition["id"], definition, "Self-assessment, Yatenga")
        state = FormState(definition["definition"], values["answers"])
        for name, value in (("project_title", "Zai in the Yatenga"), ("holder_name", "Reseau Sahel"),
                            ("assessment_date", "2026-11-20")):
            state.set_answer(state.path_of(name), value)
        for q in state.visible_questions():
            if q.type == "select_one" and state.value(q.path) is None:
                state.set_answer(q.path, "3" if q.name.endswith("_score") else "yes")
        for q in state.visible_questions():
            if state.is_required(q.path) and state.value(q.path) in (None, ""):
                state.set_answer(q.path, "Documented in the plan")
        assert state.validate_all() == []
        sid = laptop.insert("form_submission", values | {"answers": state.to_answers(), "status": "final",
                                                         "country": "BF"})
        result = SyncEngine(laptop, t, attachments=False).sync()
        assert result.ok and result.rejected == 0, result.rejections
        assert laptop.pending_count() == 0  # nothing refused, nothing left behind

        t2 = Transport(service.url)
        t2.login(service.user, service.password)
        assert SyncEngine(office, t2, attachments=False).sync().ok
        arrived = office.get("form_submission", sid)
        assert arrived is not None and arrived["status"] == "final"
        assert arrived["answers"]["project_title"] == "Zai in the Yatenga"
        assert {d["form_id"] for d in store_definitions(office).values()} == {"project_proposal", "project_self_assessment"}
    finally:
        service.stop()


def test_a_demo_service_seeded_before_the_templates_gets_them_once(tmp_path, store):
    from fieldapp.forms.versions import store_definitions

    folder = tmp_path / "demo-server"
    demo_service.prepare(folder, scale=10)
    (folder / demo_service.FORMS_MARKER).unlink()  # as a folder seeded by an older version
    demo_service.prepare(folder, scale=10)  # publishes only what the service lacks: no version 2
    service = demo_service.start(folder, scale=10)
    try:
        t = Transport(service.url)
        t.login(service.user, service.password)
        assert SyncEngine(store, t, attachments=False).sync().ok
        versions = sorted((d["form_id"], d["version"]) for d in store_definitions(store).values())
        assert versions == [("project_proposal", 1), ("project_self_assessment", 1)]
    finally:
        service.stop()


def test_a_service_of_another_folder_on_the_port_is_not_taken_for_ours(tmp_path, monkeypatch, store):
    """Two apps starting at once both found port 8765 free; the one whose child lost the
    race was answered by the other's service and refused its login (401)."""
    other = demo_service.start(tmp_path / "other-folder", scale=20)
    try:
        taken, real_port = int(other.url.rsplit(":", 1)[1]), demo_service._port
        monkeypatch.setattr(demo_service, "_port", lambda preferred=True: taken if preferred else real_port(False))
        ours = demo_service.start(tmp_path / "our-folder", scale=20)
        try:
            assert ours.url != other.url
            t = Transport(ours.url)
            t.login(ours.user, ours.password)
            assert SyncEngine(store, t, attachments=False).sync().ok
        finally:
            ours.stop()
    finally:
        other.stop()
