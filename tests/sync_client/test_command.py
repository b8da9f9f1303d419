"""Headless sync: password asked once, token kept privately, status in plain words."""
from __future__ import annotations

import io
import os
import stat

import pytest

from fieldapp.sync_client import credentials
from fieldapp.sync_client.command import is_safe_address, status_command, sync_command
from tests.sync_client.conftest import USERS



def test_password_asked_once_then_the_token_is_reused(server, store, memory_keyring):
    asked = []

    def ask():
        asked.append(1)
        return USERS["amina"][2]

    out = io.StringIO()
    store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    assert sync_command(store, out, server=server.url, user="amina", ask_password=ask) == 0
    assert "1 sent" in out.getvalue() or "Sync done" in out.getvalue()
    assert sync_command(store, io.StringIO(), server=None, user=None, ask_password=ask) == 0  # remembered
    assert len(asked) == 1 and store.pending_count() == 0
    token_file = store.data_dir / "sync-token.json"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert USERS["amina"][2] not in token_file.read_text()  # the password is never stored
    # The OS keyring holds the token, as on Windows and macOS; the file only says where.
    (token,) = memory_keyring.secrets.values()
    assert token and token not in token_file.read_text()
    assert credentials.load_token(store.data_dir) == (server.url, "amina", token)


def test_without_a_keyring_the_token_goes_to_a_private_file(server, store, monkeypatch, memory_keyring):
    monkeypatch.setenv("FIELDAPP_TOKEN_FILE", "1")  # a headless Linux box with no keyring backend
    assert sync_command(store, io.StringIO(), server=server.url, user="amina",
                        ask_password=lambda: USERS["amina"][2]) == 0
    token_file = store.data_dir / "sync-token.json"
    assert memory_keyring.secrets == {}
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert credentials.load_token(store.data_dir)[2] in token_file.read_text()
    assert USERS["amina"][2] not in token_file.read_text()
    assert sync_command(store, io.StringIO(), server=None, user=None, ask_password=lambda: "unused") == 0


def test_expired_token_asks_for_the_password_again(server, store):
    credentials.save_token(store.data_dir, server.url, "amina", "not-a-valid-token")
    store.set_meta("sync_server", server.url)
    store.set_meta("sync_user", "amina")
    asked = []
    code = sync_command(store, io.StringIO(), server=None, user=None,
                        ask_password=lambda: asked.append(1) or USERS["amina"][2])
    assert code == 0 and asked == [1]


def test_wrong_password_is_a_clear_error(server, store):
    out = io.StringIO()
    assert sync_command(store, out, server=server.url, user="amina", ask_password=lambda: "wrong") == 1
    assert "login refused" in out.getvalue()


def test_unreachable_server_keeps_changes_and_says_so(store):
    store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    out = io.StringIO()
    code = sync_command(store, out, server="http://127.0.0.1:9", user="amina", ask_password=lambda: "x")
    assert code == 1 and "error" in out.getvalue() and store.pending_count() == 1


def test_plain_http_refused_except_localhost():
    assert is_safe_address("http://127.0.0.1:8765") and is_safe_address("http://localhost:1")
    assert is_safe_address("https://sync.4p1000.org")
    assert not is_safe_address("http://sync.4p1000.org") and not is_safe_address("ftp://x")


def test_http_to_a_remote_host_needs_insisting(store):
    out = io.StringIO()
    assert sync_command(store, out, server="http://sync.example.org", user="amina", ask_password=lambda: "x") == 2
    assert "https" in out.getvalue()


def test_status_in_plain_words(server, store):
    out = io.StringIO()
    store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    status_command(store, out)
    text = out.getvalue()
    assert "Pending changes: 1" in text and "Last sync: never" in text
    sync_command(store, io.StringIO(), server=server.url, user="amina", ask_password=lambda: USERS["amina"][2])
    out = io.StringIO()
    status_command(store, out)
    assert "Pending changes: 0" in out.getvalue() and "ok" in out.getvalue()


def test_fieldapp_sync_from_the_command_line(server, tmp_path, monkeypatch, capsys):
    from fieldapp.cli import main

    data = tmp_path / "cli"
    assert main(["demo", "--data-dir", str(data), "--scale", "5"]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt="": USERS["bruno"][2])
    capsys.readouterr()
    assert main(["sync", "--data-dir", str(data), "--server", server.url, "--user", "bruno"]) == 0
    assert "Sync done" in capsys.readouterr().out
    assert main(["sync", "--status", "--data-dir", str(data)]) == 0
    text = capsys.readouterr().out
    assert "Pending changes: 0" in text and "Last sync:" in text and server.url in text
