"""GET /v1/metrics: Prometheus text an operator can scrape, for the scraper's token or an
administrator only (a correspondent learns nothing about traffic from it)."""
from __future__ import annotations

import re

from tests.server.conftest import practice


def _value(text: str, series: str) -> float:
    m = re.search(r"^" + re.escape(series).replace(r"PID", r'pid="\d+"') + r" (\S+)$", text, re.MULTILINE)
    assert m, f"{series} not in\n{text}"
    return float(m.group(1))


def test_requests_latency_ops_and_feed_size_are_reported(server):
    dev = server.device("correspondent", ("AFR",))
    row_ops = [dev.op("practice", fields=practice(title=f"P{i}")) for i in range(3)]
    dev.sync(*row_ops)
    dev.sync(row_ops[0])  # the same op again: a duplicate
    refused = dev.op("practice", fields=practice(country="FR"))  # outside the user's region
    dev.sync(refused)
    for _ in range(2):
        server.client.get("/v1/health")
    admin = server.login(server.user("administrator", ("*",)))
    r = server.client.get("/v1/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = r.text
    assert _value(text, 'fieldapp_requests_total{PID,method="GET",route="/v1/health",status="200"}') == 2
    assert _value(text, 'fieldapp_requests_total{PID,method="POST",route="/v1/sync",status="200"}') >= 4
    assert _value(text, 'fieldapp_request_seconds_count{PID,route="/v1/sync"}') >= 4
    assert _value(text, 'fieldapp_request_seconds_bucket{PID,route="/v1/sync",le="+Inf"}') >= 4
    assert _value(text, 'fieldapp_ops_total{PID,status="applied"}') == 3
    assert _value(text, 'fieldapp_ops_total{PID,status="duplicate"}') == 1
    assert _value(text, 'fieldapp_ops_total{PID,status="rejected"}') == 1
    assert _value(text, "fieldapp_feed_size") == server.storage.feed_position() > 0


def test_paths_a_client_invents_do_not_become_series(server):
    for i in range(5):
        server.client.get(f"/v1/no-such-thing-{i}")
    admin = server.login(server.user("administrator", ("*",)))
    text = server.client.get("/v1/metrics", headers={"Authorization": f"Bearer {admin}"}).text
    assert "no-such-thing" not in text
    assert _value(text, 'fieldapp_requests_total{PID,method="GET",route="unmatched",status="404"}') == 5


def test_only_administrators_and_the_scraper_token_read_metrics(server, backend, tmp_path):
    from fastapi.testclient import TestClient

    from sync.server.app import create_app
    from tests.server.conftest import fast_settings

    assert server.client.get("/v1/metrics").status_code == 401
    for role in ("correspondent", "reviewer", "viewer", "facilitator"):
        token = server.login(server.user(role, ("*",)))
        assert server.client.get("/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 403, role
    settings = fast_settings(backend.url, tmp_path / "b2", metrics_token="scrape-secret-123")
    with TestClient(create_app(settings, engine=backend.engine)) as client:
        assert client.get("/v1/metrics", headers={"Authorization": "Bearer scrape-secret-123"}).status_code == 200
        assert client.get("/v1/metrics", headers={"Authorization": "Bearer scrape-secret-12"}).status_code == 401
