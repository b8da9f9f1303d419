"""A hotel or office Wi-Fi login page in the way (issue 21 item 4): a stand-in captive
portal on 127.0.0.1 answers every request with its own page. The sync says so in plain
words, applies nothing, loses nothing, and goes through once the portal is gone."""
from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from fieldapp.core.store import Store
from fieldapp.sync_client.command import describe
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import NotTheService, RetryPolicy, Transport
from tests.local_http import LocalHTTP
from tests.sync_client.conftest import USERS

LOGIN_PAGE = b"<html><body><h1>Welcome to Hotel Wi-Fi</h1><form>Room number <input></form></body></html>"


class Portal(LocalHTTP):
    """Answers like a captive portal: `page` (200 text/html), `redirect` (302 to the
    portal's host) or `proxy` (502 with an HTML error page)."""

    def __init__(self, mode: str):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                portal.hits += 1
                if portal.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://login.hotel-wifi.example/portal?orig=" + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = (502, b"<html><body>502 Bad Gateway</body></html>") if portal.mode == "proxy" else (200, LOGIN_PAGE)
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args) -> None:  # quiet
                pass

        self.mode, self.hits = mode, 0
        super().__init__(Handler)


@pytest.mark.parametrize("mode", ["page", "redirect", "proxy"])
def test_a_captive_portal_is_named_and_nothing_is_lost(server, tmp_path, mode):
    portal = Portal(mode)
    store = Store(tmp_path / "client", author="amina")
    try:
        real = Transport(server.url)
        real.login("amina", USERS["amina"][2])
        assert SyncEngine(store, real, attachments=False).sync().ok
        pids = [store.insert("practice", {"title": f"Zaï {i}", "family": "land_restoration", "country": "BF"}) for i in range(3)]
        before = store.outbox()
        cursor = store.meta("sync_cursor")
        behind = Transport(portal.url, token=real.token, policy=RetryPolicy(attempts=2, base_delay=0.01, deadline=10))
        result = SyncEngine(store, behind, attachments=False).sync()
        assert not result.ok and result.error_kind == "not_service" and portal.hits >= 1
        if mode == "proxy":
            assert "proxy answered instead of the server (HTTP 502)" in result.error
        else:
            assert result.error.startswith("A network login page is in the way: open a browser, sign in, then sync again.")
        assert "login page" in describe(result) and "Traceback" not in describe(result)
        # everything still pending, nothing applied, the cursor where it was
        assert [op["op_id"] for op in store.outbox()] == [op["op_id"] for op in before]
        assert store.pending_count() == 3 and store.rejected() == [] and store.meta("sync_cursor") == cursor
        assert store.check() == []
        with pytest.raises(NotTheService):
            behind.health()
        # signed in to the Wi-Fi: the link changed, the same client goes through
        behind.base_url = server.url
        after = SyncEngine(store, behind, attachments=False).sync()
        assert after.ok and after.applied == 3 and store.unsynced_count() == 0
        assert all(store.get("practice", pid)["field_versions"] for pid in pids)
    finally:
        store.close()
        portal.stop()


def test_logging_in_behind_a_portal_says_so_instead_of_a_json_error(tmp_path):
    portal = Portal("page")
    try:
        with pytest.raises(NotTheService) as caught:
            Transport(portal.url).login("amina", "whatever")
        assert "open a browser, sign in" in caught.value.args[0] and caught.value.status == 200
    finally:
        portal.stop()
