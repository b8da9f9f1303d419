"""`fieldapp-server`: run, migrate and administer the central service.

    fieldapp-server serve [--db URL] [--host 127.0.0.1] [--port 8765] [--workers N] [--<setting> V ...]
    fieldapp-server migrate [--db URL]
    fieldapp-server create-user NAME --role ROLE --region CODE... [--password-stdin]
    fieldapp-server set-password NAME [--password-stdin]
    fieldapp-server disable-user NAME
    fieldapp-server list-users
    fieldapp-server demo [--scale N] [--seed S]
    fieldapp-server publish-form FILE.xlsx
    fieldapp-server backup DIR | restore DIR [--force]

The database defaults to a SQLite file in the user data folder; PostgreSQL with
`--db postgresql+psycopg://user@host/dbname` (or FIELDAPP_SERVER_DB). Every setting of
sync/server/settings.py is a flag of `serve` and a FIELDAPP_SERVER_<NAME> variable.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import getpass
import logging
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError
from sqlalchemy import select

from sync.server import db
from sync.server.accounts import AccountError, Accounts
from sync.server.principal import ROLES
from sync.server.settings import ENV_PREFIX, Settings
from sync.server.settings import fields as settings_fields
from sync.server.storage import Storage
from sync.server.tables import TABLES

PASSWORD_ENV = "FIELDAPP_SERVER_PASSWORD"
STORAGE_SETTINGS = ("db_url", "blob_dir")  # every command takes these; serve takes all
SHORT_FLAGS = {"db_url": ("--db",), "blob_dir": ("--blobs",)}
DEMO_USERS = (
    ("admin", "administrator", ["*"]),
    ("reviewer", "reviewer", ["*"]),
    ("correspondent", "correspondent", ["AFR", "MENA"]),
    ("facilitator", "facilitator", ["AFR"]),
    ("viewer", "viewer", ["*"]),
)


def _settings(args: argparse.Namespace) -> Settings:
    """Flags given on the command line, over FIELDAPP_SERVER_* variables, over defaults."""
    given = {name: getattr(args, name) for name in settings_fields() if getattr(args, name, None) is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"invalid setting: {problems}") from None


def _add_setting_flags(parser: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """One flag per declared setting (sync/server/settings.py), named after it."""
    declared = settings_fields()
    for name in names:
        info = declared[name]
        flags = [f"--{name.replace('_', '-')}", *SHORT_FLAGS.get(name, ())]
        env = f"{ENV_PREFIX}{name.upper()}"
        help_text = f"{info.description} (or {env}; default {info.default if info.default_factory is None else 'see above'})"
        if info.annotation is bool:
            parser.add_argument(*flags, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(*flags, dest=name, default=None, metavar=name.upper(), help=help_text)


def _ready_engine(settings: Settings, *, migrate_sqlite: bool = True):
    engine = db.make_engine(settings.db_url)
    if not db.is_current(engine):
        if settings.is_sqlite and migrate_sqlite:
            db.migrate(engine)
        else:
            raise SystemExit(f"the database is at revision {db.current(engine) or 'none'}, the server needs "
                             f"{db.head()}: run `fieldapp-server migrate --db ...` first")
    return engine


def _password(args: argparse.Namespace) -> str:
    """From --password-stdin (one line), --password (visible in the process list: avoid),
    FIELDAPP_SERVER_PASSWORD, or asked twice at a terminal."""
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise SystemExit("no password on standard input")
        return password
    if args.password:
        return args.password
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise SystemExit(f"no password: pass --password-stdin with it on standard input, or set {PASSWORD_ENV}")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("the two passwords differ")
    return first


# The collector's thresholds while serving: a first-sync page holds some hundred thousand
# containers (its rows' changes) until it is sent, and with Python's defaults (700, 10,
# 10) each page set off collections that walked them again and again: a quarter of the
# service's CPU for a 100 000-practice first sync. Collections 70 times rarer keep the
# cycles' memory bounded (the row caches are bounded too) for that cost gone.
SERVING_GC = (50_000, 20, 20)


def serving_process() -> None:
    """What a process that serves sets first (one worker or each of several)."""
    gc.set_threshold(*SERVING_GC)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server import logs
    from sync.server.app import create_app

    settings = _settings(args)
    engine = _ready_engine(settings, migrate_sqlite=True)
    Storage(engine).seed_reference()
    engine.dispose()
    logs.configure(getattr(logging, settings.log_level.upper()))
    # Behind a load balancer, trust its X-Forwarded-For (login throttling counts per address).
    proxy = ({"proxy_headers": True, "forwarded_allow_ips": settings.trust_proxy} if settings.trust_proxy
             else {"proxy_headers": False})
    common: dict[str, Any] = dict(host=settings.host, port=settings.port, log_config=None, access_log=False,
                  timeout_keep_alive=settings.keep_alive_s, log_level=settings.log_level, **proxy)
    if settings.workers > 1:
        os.environ.update(settings.to_environment())  # every worker resolves the same settings
        uvicorn.run("sync.server.cli:app_from_env", factory=True, workers=settings.workers, **common)
    else:
        serving_process()
        uvicorn.run(create_app(settings), **common)
    return 0


def app_from_env():  # used by uvicorn --factory with several worker processes
    from sync.server import logs
    from sync.server.app import create_app

    serving_process()
    settings = Settings()
    logs.configure(getattr(logging, settings.log_level.upper()))
    return create_app(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = db.make_engine(settings.db_url)
    before, after = db.migrate(engine)
    seeded = Storage(engine).seed_reference()
    print(f"database at {after} (was {before or 'empty'}); {seeded} reference entries added")
    return 0


def _accounts(args: argparse.Namespace) -> Accounts:
    settings = _settings(args)
    return Accounts(_ready_engine(settings), settings)


def cmd_create_user(args: argparse.Namespace) -> int:
    regions = [r for chunk in args.region for r in chunk.replace(",", " ").split()]
    try:
        user = _accounts(args).create_user(args.name, _password(args), args.role, regions)
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"created {user.name} ({user.role}, regions: {', '.join(user.regions) or 'all'})")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    try:
        _accounts(args).set_password(args.name, _password(args))
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"password of {args.name} changed; their sessions are closed")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    try:
        _accounts(args).disable_user(args.name)
    except AccountError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"{args.name} disabled; their tokens are revoked")
    return 0


def cmd_set_regions(args: argparse.Namespace) -> int:
    from sync.server.scope_changes import set_regions

    regions = [r for chunk in args.region for r in chunk.replace(",", " ").split()]
    try:
        clean = set_regions(_ready_engine(_settings(args)), args.name, regions)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.name} now reads and writes {', '.join(clean)}; their devices follow at their next sync")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from sync.server.retention import compact

    try:
        done = compact(_ready_engine(_settings(args)), retention_days=args.retention_days, horizon_days=args.horizon_days)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"op log: {done['ops_dropped']} entries dropped; {done['removals_purged']} removals purged "
          f"(through feed position {done['purged_through']})")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    for u in _accounts(args).list_users():
        state = "disabled" if u["disabled"] else "active"
        print(f"{u['name']:20} {u['role']:14} {state:9} {','.join(u['regions']) or '-'}")
    return 0


def _demo_rows(scale: int, seed: int) -> Iterable[tuple[str, list[dict]]]:
    """Rows from fieldapp.core.demo when it exists, else a few records of each kind."""
    try:
        from fieldapp.core.demo import generate_rows  # written by another part of the project
    except ImportError:
        generate_rows = None  # type: ignore[assignment]
    if generate_rows is not None:
        produced: Any = generate_rows(scale=scale, seed=seed)
        if isinstance(produced, dict):
            yield from ((name, list(rows)) for name, rows in produced.items())
            return
        grouped: dict[str, list[dict]] = {}
        for name, row in produced:
            grouped.setdefault(name, []).append(row)
        yield from grouped.items()
        return
    org = str(uuid.uuid4())
    meeting = str(uuid.uuid4())
    yield "organisation", [{"id": org, "name": "Association des Agriculteurs du Sahel", "membership": "member",
                            "org_type": None, "country": "SN"}]
    yield "practice", [{"title": "Zaï pits with compost", "family": None, "country": "BF", "organisation_id": org,
                        "summary": "Planting pits filled with compost to capture runoff."},
                       {"title": "Mulching with crop residues", "family": None, "country": "KE"}]
    yield "meeting", [{"id": meeting, "title": "Regional meeting, Dakar", "meeting_type": "regional_meeting",
                       "starts_on": dt.date.today().isoformat(), "country": "SN"}]
    yield "meeting_participant", [{"meeting_id": meeting, "name": "Awa Diop", "gender": "female"}]


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _ready_engine(settings, migrate_sqlite=True)
    storage = Storage(engine)
    storage.seed_reference()
    catalog = storage.catalog
    total = 0
    from fieldapp.core.schema import BY_NAME, ENTITIES

    order = {e.name: i for i, e in enumerate(ENTITIES)}
    for name, rows in sorted(_demo_rows(args.scale, args.seed), key=lambda kv: order.get(kv[0], 99)):
        if name not in BY_NAME or name == "reference":
            continue
        e = BY_NAME[name]
        for row in rows:  # fill reference codes the fallback rows leave open
            for f in e.fields:
                if f.required and row.get(f.name) is None and f.ref_list:
                    row[f.name] = catalog.codes(f.ref_list)[0]
        total += storage.seed_rows(name, rows)
    accounts = Accounts(engine, settings)
    have = {u["name"] for u in accounts.list_users()}
    print(f"{total} demo records added")
    for name, role, regions in DEMO_USERS:
        if name in have:
            print(f"user {name} exists; password unchanged")
            continue
        password = secrets.token_urlsafe(9)
        accounts.create_user(name, password, role, regions)
        print(f"user {name:14} role {role:14} regions {','.join(regions):8} password {password}")
    print("the passwords are shown once; change them with `fieldapp-server set-password NAME`")
    return 0


def cmd_publish_form(args: argparse.Namespace) -> int:
    try:
        from fieldapp.forms.errors import FormImportError
        from fieldapp.forms.xlsform import import_xlsform
    except ImportError as exc:
        print(f"error: the XLSForm importer is not available ({exc})", file=sys.stderr)
        return 2
    try:
        form = import_xlsform(args.file)
    except FormImportError as exc:
        print(f"error: {args.file} cannot be published:", file=sys.stderr)
        for problem in getattr(exc, "problems", [str(exc)]):
            print(f"  - {problem}", file=sys.stderr)
        return 2
    from fieldapp.forms.errors import VersionError
    from fieldapp.forms.versions import definition_row

    settings = _settings(args)
    engine = _ready_engine(settings)
    storage = Storage(engine)
    t = TABLES["form_definition"]
    with engine.connect() as conn:
        existing = [dict(r) for r in conn.execute(select(t.c.form_id, t.c.version, t.c.deleted).where(
            t.c.form_id == form["form_id"])).mappings()]
    try:
        row = definition_row(form, existing)  # refuses a version already taken; id shared with bundled copies
        storage.seed_rows("form_definition", [row], author="administrator")
    except (VersionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    version = row["version"]
    print(f"published {form['form_id']} version {version}: {form['title']}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from sync.server.backup import BackupError, backup

    try:
        manifest = backup(_settings(args), Path(args.dest))
    except (BackupError, subprocess.CalledProcessError) as exc:
        print(f"error: {getattr(exc, 'stderr', None) or exc}", file=sys.stderr)
        return 2
    print(f"backup of the {manifest['database']} database (feed at {manifest['feed_position']}) and "
          f"{manifest['blob_files']} attachment files written to {args.dest}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sync.server.backup import BackupError, restore

    try:
        manifest = restore(_settings(args), Path(args.source), force=args.force)
    except (BackupError, subprocess.CalledProcessError) as exc:
        print(f"error: {getattr(exc, 'stderr', None) or exc}", file=sys.stderr)
        return 2
    print(f"restored the backup of {manifest['created']} (feed at {manifest['feed_position']}); "
          "clients ahead of it re-sync and re-send their changes by themselves")
    return 0


def _password_flags(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    sp.add_argument("--password", help=f"the password (visible to other local users: prefer --password-stdin or {PASSWORD_ENV}; "
                                       "asked at a terminal when none is given)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fieldapp-server", description="Field App central sync service")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        _add_setting_flags(sp, STORAGE_SETTINGS)
        sp.set_defaults(fn=fn)
        return sp

    sp = add("serve", cmd_serve, "run the HTTP service (every setting: flag or FIELDAPP_SERVER_<NAME>)")
    _add_setting_flags(sp, [n for n in settings_fields() if n not in STORAGE_SETTINGS])
    add("migrate", cmd_migrate, "create or upgrade the database tables")
    sp = add("create-user", cmd_create_user, "create an account")
    sp.add_argument("name")
    sp.add_argument("--role", required=True, choices=ROLES)
    sp.add_argument("--region", nargs="+", default=[], help="region codes the user may read and write (* for all)")
    _password_flags(sp)
    sp = add("set-password", cmd_set_password, "change a password (closes the user's sessions)")
    sp.add_argument("name")
    _password_flags(sp)
    sp = add("disable-user", cmd_disable_user, "disable an account and revoke its tokens")
    sp.add_argument("name")
    sp = add("set-regions", cmd_set_regions, "change the regions of an account (its devices follow at their next sync)")
    sp.add_argument("name")
    sp.add_argument("--region", nargs="+", required=True, help="region codes (* for all)")
    add("list-users", cmd_list_users, "list accounts")
    sp = add("compact", cmd_compact, "drop op-log entries past the retention and removals past the horizon (cron)")
    sp.add_argument("--retention-days", type=float, default=90.0, help="keep every op this long (default 90)")
    sp.add_argument("--horizon-days", type=float, default=365.0,
                    help="after this long, drop ops whatever their device did, and purge removals (default 365)")
    sp = add("demo", cmd_demo, "seed demo data and one user per role (passwords printed once)")
    sp.add_argument("--scale", type=int, default=200)
    sp.add_argument("--seed", type=int, default=4)
    sp = add("backup", cmd_backup, "copy the database and the attachment folder into a new folder (service may run)")
    sp.add_argument("dest")
    sp = add("restore", cmd_restore, "put a backup back in place (stop the service first)")
    sp.add_argument("source")
    sp.add_argument("--force", action="store_true", help="replace a database that holds data")
    sp = add("publish-form", cmd_publish_form, "publish an XLSForm as the next version of its form")
    sp.add_argument("file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
