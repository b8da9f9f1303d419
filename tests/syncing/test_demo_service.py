"""`make run`'s local demo service: seeded once, logs the app in by itself, stops with it."""
from fieldapp.syncing import demo_service
from fieldapp.syncing.engine import SyncEngine
from fieldapp.syncing.transport import Transport


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
