"""Headless sync: `fieldapp sync --server URL --user NAME` and `fieldapp sync --status`.

The password is asked once; the token it buys is kept (keyring or a private file) so
later syncs, from the CLI or the window, need no password until it expires.
"""
from __future__ import annotations

import getpass
from typing import Callable, TextIO
from urllib.parse import urlparse

from fieldapp.core.formatting import format_decimal
from fieldapp.core.store import Store
from fieldapp.i18n import _, ngettext
from fieldapp.sync_client import blobs, credentials
from fieldapp.sync_client.engine import SyncEngine, SyncResult, status
from fieldapp.sync_client.refusals import Refusal
from fieldapp.sync_client.transport import AuthRequired, ServerRefused, Transport, TransportError


def is_safe_address(url: str) -> bool:
    """Plain http only to this machine: a password or token must never cross a network
    in clear. https anywhere."""
    parts = urlparse(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")


def login(store: Store, server: str, user: str, ask_password: Callable[[], str]) -> Transport:
    transport = Transport(server)
    answer = transport.login(user, ask_password())
    credentials.save_token(store.data_dir, server, user, transport.token or "")
    store.set_meta("sync_server", server)
    store.set_meta("sync_user", user)
    store.set_meta("sync_role", (answer.get("user") or {}).get("role"))  # reviewers see review controls
    return transport


def transport_for(store: Store, server: str | None = None, user: str | None = None) -> Transport | None:
    """A transport with the saved token for this data folder, if there is one."""
    saved = credentials.load_token(store.data_dir)
    if saved is None:
        return None
    s_server, s_user, token = saved
    if (server and server.rstrip("/") != s_server.rstrip("/")) or (user and user != s_user):
        return None
    return Transport(s_server, token=token)


def describe(result: SyncResult) -> str:
    """One plain sentence for people (status bar, CLI)."""
    if result.cancelled:
        return _("Sync cancelled; it will resume where it stopped.")
    if not result.ok:
        if result.error_kind in ("not_service", "disk_full"):
            return result.error or ""  # already a whole sentence saying what to do and that nothing is lost
        return _("Sync failed: {reason}. Your changes are kept and will be sent next time.").format(reason=result.error)
    n = format_decimal
    parts = [_("Sync done: {sent} sent, {received} received").format(sent=n(result.pushed), received=n(result.received))]
    if result.conflicts:
        parts.append(ngettext("{n} conflict to settle", "{n} conflicts to settle", result.conflicts).format(n=n(result.conflicts)))
    if result.rejected:
        parts.append(ngettext("{n} change refused by the server needs attention",
                              "{n} changes refused by the server need attention", result.rejected).format(n=n(result.rejected)))
    if result.waiting:
        parts.append(ngettext("{n} change waits for a record the server does not have yet (sent again at every sync)",
                              "{n} changes wait for a record the server does not have yet (sent again at every sync)",
                              result.waiting).format(n=n(result.waiting)))
    return ", ".join(parts) + "."


def sync_command(store: Store, out: TextIO, *, server: str | None, user: str | None, insecure: bool = False,
                 all_attachments: bool = False, ask_password: Callable[[], str] | None = None) -> int:
    ask_password = ask_password or (lambda: getpass.getpass(_("Password for {user}: ").format(user=user)))
    server = server or store.meta("sync_server")
    user = user or store.meta("sync_user")
    if not server or not user:
        print(_("error: give --server URL and --user NAME for the first sync"), file=out)
        return 2
    if not is_safe_address(server) and not insecure:
        print(_("error: {url} is not https; passwords would cross the network in clear (add --insecure to insist)").format(url=server), file=out)
        return 2
    try:
        transport = transport_for(store, server, user) or login(store, server, user, ask_password)
        try:
            result = SyncEngine(store, transport).sync()
        except AuthRequired:  # the saved token expired or was revoked: ask once more
            transport = login(store, server, user, ask_password)
            result = SyncEngine(store, transport).sync()
        if result.ok and all_attachments:
            got = blobs.download_all(store, transport)
            print(ngettext("{n} attachment downloaded", "{n} attachments downloaded", got).format(n=got), file=out)
    except AuthRequired as exc:
        print(_("error: login refused: {reason}").format(reason=exc.message), file=out)
        return 1
    except (TransportError, ServerRefused) as exc:
        print(_("error: {reason}").format(reason=getattr(exc, "message", str(exc))), file=out)
        return 1
    print(describe(result), file=out)
    for line in result.rejections:
        print("  " + line, file=out)
    return 0 if result.ok else 1


def status_command(store: Store, out: TextIO) -> int:
    st = status(store)
    print(_("Pending changes: {n}").format(n=st["pending"]), file=out)
    print(_("Waiting for a record the server does not have yet: {n}").format(n=st["waiting"]), file=out)
    print(_("Refused by the server, needing attention: {n}").format(n=st["rejected"]), file=out)
    print(_("Open conflicts: {n}").format(n=st["conflicts"]), file=out)
    server = store.meta("sync_server")
    print(_("Server: {url}").format(url=server or _("not configured")), file=out)
    last = st["last"]
    if last:
        when = last.get("finished_at") or last.get("started_at")
        state = _("ok") if last.get("ok") else _("failed ({reason})").format(reason=last.get("error"))
        print(_("Last sync: {when}, {state}").format(when=when, state=state), file=out)
    else:
        print(_("Last sync: never"), file=out)
    if st["last_sync"] and not (last or {}).get("ok"):
        print(_("Last successful sync: {when}").format(when=st["last_sync"]), file=out)
    for op in store.set_aside():
        refusal = Refusal.parse(op.get("error"))
        print(f"  {op['entity']} {op['row_id']}: {refusal.what()} {refusal.detail}", file=out)
    return 0


CLOCK_NOTICE_MS = 2 * 60 * 1000  # smaller differences are not worth a word


def clock_sentence(offset_ms: int, short: bool = False) -> str | None:
    """"Your computer's clock is 3 hours ahead": said when the server's time and this
    computer's differ by more than a couple of minutes (offset = server - computer);
    `short`: that sentence alone (the status bar), else with what it means."""
    if abs(offset_ms) < CLOCK_NOTICE_MS:
        return None
    import datetime as dt

    from babel.dates import format_timedelta

    from fieldapp.i18n import language
    try:
        span = format_timedelta(dt.timedelta(milliseconds=abs(offset_ms)), threshold=1, locale=language())
    except Exception:  # noqa: BLE001 - an unknown locale: English words
        span = format_timedelta(dt.timedelta(milliseconds=abs(offset_ms)), threshold=1, locale="en")
    if offset_ms < 0:
        text = _("Your computer's clock is {span} ahead of the server's.")
    else:
        text = _("Your computer's clock is {span} behind the server's.")
    if short:
        return text.format(span=span)
    return text.format(span=span) + " " + _(
        "Field App dates your records with the server's time, so nothing is refused; set the computer's date, "
        "time and time zone right for your other programs.")
