"""`fieldapp --self-test`: prove an installed (usually frozen) build works on this machine.

A bundle can build fine and still miss a data file, a translation catalog, a Qt plugin or
a migration script that only a run would notice. The self-test exercises each of them
the way the app does, in a temporary data folder (the user's own data is never touched),
prints one line per check and exits 0 when all pass, 1 otherwise.

With `--data-dir DIR` it also opens that existing data folder, which upgrades it to the
newest schema (with a backup first, as any start would) and checks it; this is how a
newer build is shown to keep and migrate the data of an older one.

Qt is imported only for the window check, so every other check runs on a machine or CI
job without PySide6.
"""
from __future__ import annotations

import argparse
import gettext
import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from fieldapp.i18n import DOMAIN, _

REQUIRED_LANGUAGES = ("fr", "es")  # the Initiative's working languages besides English
WINDOW_TIMEOUT_S = 60.0  # the first list fills in well under a second; this is a hang guard
SELF_TEST_TITLE = "Zaï pits self-test"


class CheckFailed(Exception):
    """A check found something wrong; the message says what, for a person."""


@dataclass
class Result:
    name: str
    ok: bool
    detail: str


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


# --------------------------------------------------------------------------- checks
def check_data_folder_location() -> str:
    """The user's data lives in the platform's user data folder, never beside the
    program: an upgrade replaces the program folder, and must not take the data with it."""
    from fieldapp.paths import default_data_dir

    data = Path(default_data_dir()).resolve()
    # from source, the program folder is the fieldapp package (a checkout may keep data in it)
    program = Path(sys.executable).resolve().parent if frozen() else Path(__file__).resolve().parent
    if data == program or program in data.parents:
        raise CheckFailed(_("the data folder {data} is inside the program folder {program}").format(data=data, program=program))
    return str(data)


def check_store(base: Path) -> str:
    """Open a new database (migrations run), create a record, read it back, find it."""
    from fieldapp.core import migrate
    from fieldapp.core.store import Store

    with Store(base / "store", author="self-test") as store:
        if migrate.current(store.engine) != migrate.head():
            raise CheckFailed(_("the new database is not at the newest schema revision"))
        families = store.catalog.codes("practice_family")
        if not families:
            raise CheckFailed(_("the reference list practice_family is empty"))
        row_id = store.insert("practice", {"title": SELF_TEST_TITLE, "family": families[0], "country": "BF"})
        store.update("practice", row_id, {"summary": "Planting pits that hold water and compost."})
        row = store.get("practice", row_id)
        if not row or row["title"] != SELF_TEST_TITLE or not row["summary"]:
            raise CheckFailed(_("the record written could not be read back"))
        hits = store.search("zai pit")
        if not any(h.row_id == row_id for h in hits):
            raise CheckFailed(_("search for 'zai pit' did not find the record just written"))
        if store.pending_count() < 1:
            raise CheckFailed(_("the edit was not queued for sync"))
        problems = store.check()
        if problems:
            raise CheckFailed("; ".join(problems))
        return _("schema {rev}, record written, found by search, {n} change(s) queued").format(
            rev=migrate.head(), n=store.pending_count())


def check_encryption(base: Path) -> str:
    """Encryption at rest works in this build: SQLCipher (with FTS5 and WAL) opens a new
    encrypted database, and AES-GCM seals and opens an attachment (sqlcipher3 and
    cryptography are bundled, their native libraries load)."""
    from fieldapp.core import attachments, encryption
    from fieldapp.core.store import DB_NAME, Store

    key = encryption.DatabaseKey.random()
    with Store(base / "encrypted", author="self-test", key=key) as store:
        families = store.catalog.codes("practice_family")
        row_id = store.insert("practice", {"title": SELF_TEST_TITLE, "family": families[0], "country": "BF"})
        if not any(h.row_id == row_id for h in store.search("zai pit")):
            raise CheckFailed(_("search in the encrypted database did not find the record just written"))
        with store.engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
            journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sample = base / "sealed.txt"
        sample.write_bytes(SELF_TEST_TITLE.encode("utf-8") * 100)
        sha, _size, _mime = attachments.store_file(store, sample)
        with attachments.open_blob(store, sha) as fh:
            if fh.read() != sample.read_bytes():
                raise CheckFailed(_("a sealed attachment did not read back"))
    if not encryption.is_encrypted(base / "encrypted" / DB_NAME) or journal != "wal":
        raise CheckFailed(_("the encrypted database is not encrypted, or not in WAL mode"))
    return _("SQLCipher {version}, WAL, search and a sealed attachment").format(version=version)


def check_existing_data(data_dir: Path) -> str:
    """Open an existing data folder as a start of the app would: upgrade, keep, check."""
    from fieldapp.core import migrate
    from fieldapp.core.store import DB_NAME, Store

    db = data_dir / DB_NAME
    if not db.exists():
        raise CheckFailed(_("no database in {folder}").format(folder=data_dir))
    before = _revision_of(db)
    counts_before = _row_counts(db)
    with Store(data_dir) as store:
        after = migrate.current(store.engine)
        if after != migrate.head():
            raise CheckFailed(_("the database is at revision {rev}, not the newest {head}").format(rev=after, head=migrate.head()))
        counts_after = store.stats()
        lost = {k: (n, counts_after.get(k, 0)) for k, n in counts_before.items() if counts_after.get(k, 0) < n}
        if lost:
            raise CheckFailed(_("records were lost in the upgrade: {lost}").format(lost=lost))
        problems = store.check()
        if problems:
            raise CheckFailed("; ".join(problems))
        backup = store.backup_taken
        pending = store.pending_count()
    if before != after and backup is None:
        raise CheckFailed(_("the upgrade from {before} took no backup").format(before=before))
    return _("revision {before} -> {after}, records kept ({counts}), {pending} unsynced change(s) kept, backup: {backup}").format(
        before=before or "-", after=after, counts=", ".join(f"{k} {n}" for k, n in counts_before.items() if n),
        pending=pending, backup=backup or _("none needed"))


def _revision_of(db: Path) -> str | None:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _row_counts(db: Path) -> dict[str, int]:
    """Live rows per entity table, read before the store touches the file."""
    import sqlite3

    from fieldapp.core.schema import ENTITIES

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {e.name: con.execute(f'SELECT count(*) FROM "{e.name}" WHERE NOT deleted').fetchone()[0]
                for e in ENTITIES if e.name in names}
    finally:
        con.close()


def shipped_languages() -> list[str]:
    """Languages with a catalog in the translations folder (English is the source): the
    compiled .mo in a build, the .po in a source checkout (fieldapp.i18n compiles it)."""
    from fieldapp.paths import translations_dir

    base = translations_dir()
    if not base.is_dir():
        return []
    return sorted({p.parent.parent.name for ext in ("mo", "po") for p in base.glob(f"*/LC_MESSAGES/{DOMAIN}.{ext}")})


def _catalog_messages(lang: str) -> dict[str, str]:
    """msgid -> translation of `lang`'s catalog, read directly from the file (not through
    fieldapp.i18n, which is what the check exercises)."""
    from fieldapp.paths import translations_dir

    folder = translations_dir() / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            raw = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in raw.items() if isinstance(k, str) and k and isinstance(v, str)}
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and isinstance(m.string, str) and not m.fuzzy}


def check_languages() -> str:
    """Every shipped catalog loads through fieldapp.i18n and translates; French and
    Spanish, the working languages, must be there and translate what people read first
    (words that differ from English in both: 'Practices', 'Meetings', 'Projects')."""
    from fieldapp import i18n
    from fieldapp.core.schema import entity
    from fieldapp.paths import translations_dir

    langs = shipped_languages()
    missing = [lang for lang in REQUIRED_LANGUAGES if lang not in langs]
    if missing:
        raise CheckFailed(_("no catalog for {langs} in {folder}").format(langs=", ".join(missing), folder=translations_dir()))
    probes = [entity("practice").plural, entity("meeting").plural, entity("project").plural]
    previous = i18n.language()
    summary: list[tuple[str, int, str]] = []
    problem: tuple[str, str, str] | None = None  # (kind, lang, detail): worded after English is back
    try:
        for lang in langs:
            translated = {k: v for k, v in _catalog_messages(lang).items() if v and v != k}
            if not translated and lang in REQUIRED_LANGUAGES:
                problem = ("empty", lang, "")
                break
            if i18n.set_language(lang) != lang:
                problem = ("inactive", lang, "")
                break
            if any(i18n._(msgid) != text for msgid, text in list(translated.items())[:1]):
                problem = ("unused", lang, "")
                break
            same = [p for p in probes if i18n._(p) == p] if lang in REQUIRED_LANGUAGES else []
            if same:
                problem = ("untranslated", lang, ", ".join(same))
                break
            summary.append((lang, len(translated), i18n._(probes[0])))
    finally:
        i18n.set_language(previous)
    if problem:
        kind, lang, detail = problem
        raise CheckFailed({
            "empty": _("the {lang} catalog translates nothing"),
            "inactive": _("language {lang} could not be activated"),
            "unused": _("language {lang} is active but _() does not use its catalog"),
            "untranslated": _("{lang}: not translated: {texts}"),
        }[kind].format(lang=lang, texts=detail))
    return ", ".join(_("{lang} ({n} messages, {sample})").format(lang=lang, n=n, sample=sample) if n
                     else _("{lang} (loads, nothing translated yet)").format(lang=lang) for lang, n, sample in summary)


def check_locale_data() -> str:
    """Dates, numbers and country names in each shipped language (Babel and pycountry
    data are bundled separately from the app's own catalogs)."""
    import datetime as dt

    from babel.dates import format_date
    from babel.numbers import format_decimal

    from fieldapp.core.reference import Catalog, shipped_rows

    catalog = Catalog.from_rows(shipped_rows())
    out = []
    for lang in ["en", *shipped_languages()]:
        number = format_decimal(1234.5, locale=lang)
        format_date(dt.date(2026, 3, 14), format="long", locale=lang)
        out.append(f"{lang} {number}")
    for lang, expected in (("fr", "Sénégal"), ("es", "Senegal"), ("en", "Senegal")):
        label = catalog.label("country", "SN", lang)
        if label != expected:
            raise CheckFailed(_("country names in {lang} are missing (SN reads {label!r})").format(lang=lang, label=label))
    return ", ".join(out)


def check_resources() -> str:
    """Reference lists, form templates and the icon are in the bundle and load."""
    from fieldapp.core.reference import shipped_rows
    from fieldapp.paths import resources_dir

    base = resources_dir()
    rows = shipped_rows()
    lists = {r["list_name"] for r in rows}
    if len(rows) < 100 or "country" not in lists:
        raise CheckFailed(_("reference lists incomplete: {n} entries in {lists} lists").format(n=len(rows), lists=len(lists)))
    icons = [base / "icons" / name for name in ("fieldapp.svg", "fieldapp-256.png")]
    absent = [str(p) for p in icons if not p.is_file() or p.stat().st_size == 0]
    if absent:
        raise CheckFailed(_("icon missing: {files}").format(files=", ".join(absent)))
    forms = sorted((base / "forms").glob("*.xlsx"))
    imported = []
    if forms:
        from fieldapp.forms.xlsform import FormImportError, import_xlsform

        for path in forms:
            try:
                result = import_xlsform(path)
            except FormImportError as exc:
                raise CheckFailed(_("form template {file} does not import: {problems}").format(
                    file=path.name, problems="; ".join(exc.problems))) from exc
            if not result.get("definition"):
                raise CheckFailed(_("form template {file} has no questions").format(file=path.name))
            imported.append(path.stem)
    return _("{n} reference entries in {lists} lists, icon, form templates: {forms}").format(
        n=len(rows), lists=len(lists), forms=", ".join(imported) or _("none shipped"))


def check_sync_support() -> str:
    """What sync needs from the bundle: HTTP through requests (a request to a server
    started here on 127.0.0.1), TLS with the CA certificates, and the OS keyring module
    for this system (the token goes to a private file when no keyring service runs)."""
    import json
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import certifi
    import requests

    from fieldapp.sync_client import credentials

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = json.dumps({"ok": "réponse"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with requests.Session() as session:
            session.trust_env = False  # a proxy set for the outside world must not catch 127.0.0.1
            reply = session.get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=10)
        if reply.json() != {"ok": "réponse"}:
            raise CheckFailed(_("HTTP through requests returned {body!r}").format(body=reply.text))
    finally:
        server.shutdown()
        server.server_close()
    context = ssl.create_default_context(cafile=certifi.where())
    if len(context.get_ca_certs()) < 50:
        raise CheckFailed(_("the CA certificates for HTTPS are missing ({file})").format(file=certifi.where()))
    backend_module = {"win32": "keyring.backends.Windows", "darwin": "keyring.backends.macOS"}.get(sys.platform, "keyring.backends.SecretService")
    import importlib

    importlib.import_module(backend_module)
    where = _("OS keyring") if credentials._keyring() is not None else _("private file (no keyring service here)")
    return _("HTTP on 127.0.0.1, {n} CA certificates, token kept in: {where}").format(n=len(context.get_ca_certs()), where=where)


def check_window(base: Path) -> str:
    """Open the main window offscreen on a fresh database and wait until its first list
    is filled; Qt's own translations (qtbase) must be bundled for the shipped languages.
    The Qt part lives in fieldapp/ui/window_check.py: Qt stays under fieldapp/ui."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from fieldapp.ui.window_check import WindowCheckFailed, open_window
    except ImportError as exc:
        if frozen():
            raise CheckFailed(_("Qt is missing from this build: {reason}").format(reason=exc)) from exc
        return _("skipped: PySide6 is not installed")
    try:
        return open_window(base, required_languages=REQUIRED_LANGUAGES, timeout_s=WINDOW_TIMEOUT_S)
    except WindowCheckFailed as exc:
        raise CheckFailed(str(exc)) from None


# --------------------------------------------------------------------------- running
def run_checks(*, existing: Path | None = None, window: bool = True, out: TextIO | None = None) -> list[Result]:
    """Run every check in a temporary folder (removed afterwards); print a line for each."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="fieldapp-selftest-", ignore_cleanup_errors=True) as tmp:
        base = Path(tmp)
        checks: list[tuple[str, Callable[[], str]]] = [
            ("data folder", check_data_folder_location),
            ("resources", check_resources),
            ("database", lambda: check_store(base)),
            ("encryption", lambda: check_encryption(base)),
            ("languages", check_languages),
            ("locale data", check_locale_data),
            ("sync support", check_sync_support),
        ]
        if existing is not None:
            checks.append(("existing data", lambda: check_existing_data(Path(existing))))
        if window:
            checks.append(("window", lambda: check_window(base)))
        for name, fn in checks:
            try:
                results.append(Result(name, True, fn()))
            except CheckFailed as exc:
                results.append(Result(name, False, str(exc)))
            except Exception as exc:  # noqa: BLE001 - a self-test reports every failure, it never crashes
                where = traceback.extract_tb(exc.__traceback__)[-1]
                results.append(Result(name, False, f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"))
            if out is not None:
                r = results[-1]
                print(f"{'ok  ' if r.ok else 'FAIL'} {r.name}: {r.detail}", file=out, flush=True)
    return results


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fieldapp --self-test", description=_("Check that this installation of Field App works."))
    p.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help=_("also open this existing data folder: upgrade it to the newest schema (backup first) and check it"))
    p.add_argument("--no-window", action="store_true", help=_("skip the window check"))
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `fieldapp --self-test`: 0 when every check passes, 1 otherwise."""
    args, _unknown = build_parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    out = sys.stdout if sys.stdout is not None else open(os.devnull, "w")  # noqa: SIM115 - windowed builds have no stdout
    if hasattr(out, "reconfigure"):  # a console in a legacy code page shows '\u0627' rather than failing the check
        out.reconfigure(errors="backslashreplace")
    from fieldapp import __version__

    print(_("Field App {version} self-test ({kind}, Python {py})").format(
        version=__version__, kind=_("frozen build") if frozen() else _("from source"), py=sys.version.split()[0]), file=out)
    results = run_checks(existing=args.data_dir, window=not args.no_window, out=out)
    failed = [r for r in results if not r.ok]
    if failed:
        print(_("Self-test failed: {n} of {total} checks: {names}").format(
            n=len(failed), total=len(results), names=", ".join(r.name for r in failed)), file=out, flush=True)
        return 1
    print(_("Self-test passed: {n} checks.").format(n=len(results)), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
