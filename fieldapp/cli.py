"""`fieldapp`: the desktop window with no command, headless commands otherwise.

The headless commands (demo data, search, stats, export/import, checks, form checks) work
on a data folder with no display and never import Qt: the window is imported only when no
command is given, so a server, a CI job or a correspondent's script over SSH can use them.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from fieldapp import __version__, diagnostics
from fieldapp.i18n import _, ngettext
from fieldapp.paths import default_data_dir

DEFAULT_UI_DEMO_SCALE = 2000


class _VersionAction(argparse.Action):
    """--version prints diagnostics.version_text() as it is (argparse's own re-wraps it)."""

    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        print(diagnostics.version_text())
        parser.exit()


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS so a --data-dir given before or after the command name both count.
    parser.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help=_("data folder (default: {folder})").format(folder=default_data_dir()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description=_("Field App: practices, partners, meetings and project forms of the 4 per 1000 Initiative. "
                      "With no command, opens the window."),
    )
    parser.add_argument("--version", action=_VersionAction,
                        help="the app's version and the main libraries' (as Help > About shows them)")
    parser.add_argument("--self-test", action="store_true", help=_("check that this installation works, then exit"))
    _data_dir_option(parser)
    parser.add_argument("--demo-if-empty", action="store_true",
                        help=_("fill an empty data folder with demo data ({n} practices) when the window opens").format(n=DEFAULT_UI_DEMO_SCALE))
    parser.add_argument("--no-server", action="store_true", help=_("do not start the local demo sync service"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help=_("generate realistic demo data (French, English, Spanish)"))
    _data_dir_option(p)
    p.add_argument("--scale", type=int, default=DEFAULT_UI_DEMO_SCALE, help=_("about how many practices (default: %(default)s)"))
    p.add_argument("--seed", type=int, default=1, help=_("same seed, same data (default: %(default)s)"))

    p = sub.add_parser("search", help=_("full-text search across practices, organisations, contacts and meetings"))
    _data_dir_option(p)
    p.add_argument("query", nargs="+", help=_("words to find; accents optional, the last word may be a prefix"))
    p.add_argument("--limit", type=int, default=20, help=_("how many hits (default: %(default)s)"))
    p.add_argument("--entity", action="append", metavar="E", help=_("only this kind of record (repeatable)"))

    p = sub.add_parser("stats", help=_("number of records per kind"))
    _data_dir_option(p)

    formats = ("csv", "json", "xlsx", "geojson")
    p = sub.add_parser("export", help=_("write one kind of record as CSV, JSON, XLSX or GeoJSON"))
    _data_dir_option(p)
    p.add_argument("entity", metavar="ENTITY")
    p.add_argument("--format", choices=formats, default="csv")
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help=_("file to write (default: standard output; XLSX needs a file)"))

    p = sub.add_parser("import", help=_("read records from CSV, JSON, XLSX or GeoJSON; every row is checked first"))
    _data_dir_option(p)
    p.add_argument("entity", metavar="ENTITY", help=_("the kind of record (a workbook may hold several, one per sheet)"))
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--format", choices=formats, help=_("default: from the file name and content"))
    p.add_argument("--encoding", metavar="NAME",
                   help=_("the CSV file's encoding, e.g. cp1251 (default: detected, with a warning when unsure)"))
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help=_("put a column into a field (repeatable); COLUMN= leaves the column out"))
    p.add_argument("--skip-invalid", action="store_true", help=_("import the good rows and leave out the bad ones"))

    p = sub.add_parser("check", help=_("check the database (SQLite integrity and the store's own rules)"))
    _data_dir_option(p)

    p = sub.add_parser("sync", help=_("send local changes and receive others' (asks the password once)"))
    _data_dir_option(p)
    p.add_argument("--server", metavar="URL", help=_("the central service, e.g. https://sync.example.org (remembered)"))
    p.add_argument("--user", metavar="NAME", help=_("your user name on it (remembered)"))
    p.add_argument("--status", action="store_true", help=_("only say what waits to be sent, open conflicts and the last result"))
    p.add_argument("--all-attachments", action="store_true",
                   help=_("also download every attachment of your regions (before a trip with no network)"))
    p.add_argument("--insecure", action="store_true", help=_("allow plain http to a machine other than this one"))

    p = sub.add_parser("dashboard", help=_("the 4 per 1000 dashboard's figures (CSV, or JSON with --json)"))
    _data_dir_option(p)
    p.add_argument("--json", action="store_true", help=_("print the figures as one JSON document"))
    p.add_argument("--region", metavar="CODE", help=_("only this region (AFR, MENA, EUR, ...)"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("only records dated on or after this day"))
    p.add_argument("--until", dest="date_until", metavar="YYYY-MM-DD", help=_("only records dated on or before this day"))
    p.add_argument("--period", choices=("month", "quarter", "year"), default="year",
                   help=_("the step of the figures over time (default: %(default)s)"))

    p = sub.add_parser("form", help=_("project form templates"))
    _data_dir_option(p)
    form_sub = p.add_subparsers(dest="form_command", metavar="FORM_COMMAND", required=True)
    fc = form_sub.add_parser("check", help=_("check an XLSForm file and list its problems"))
    _data_dir_option(fc)
    fc.add_argument("file", type=Path, metavar="FILE.xlsx")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from fieldapp.selftest import main as self_test

        return self_test([a for a in (sys.argv[1:] if argv is None else argv) if a != "--self-test"])
    if args.command and extra:
        parser.error(_("unrecognised arguments: {args}").format(args=" ".join(extra)))
    data_dir = Path(getattr(args, "data_dir", None) or default_data_dir())
    out = sys.stdout
    if args.command is None:
        return _window(data_dir, args, extra)
    if args.command == "form":
        return _form_check(args.file, out)
    from fieldapp.core.encryption import PASSPHRASE_ENV, EncryptionError
    from fieldapp.core.store import Store  # after argument errors: --help stays instant

    try:
        with Store(data_dir) as store:
            return COMMANDS[args.command](store, args, out)
    except EncryptionError as exc:  # an encrypted folder without its key: say so, and how
        print(_("{problem} Set {env} to its passphrase, or run the command where its keyring is.").format(
            problem=exc, env=PASSPHRASE_ENV), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `fieldapp export practice | head`: the reader had enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter from complaining at exit
        return 0


# --------------------------------------------------------------------------- commands
def _demo(store, args, out: TextIO) -> int:
    from fieldapp.core import demo

    if args.scale < 1:
        print(_("--scale must be at least 1"), file=sys.stderr)
        return 2
    busy = {name: n for name, n in store.stats().items() if name != "reference" and n}
    if busy:
        print(_("The data folder {folder} already holds records ({counts}); demo data goes into an empty folder: "
                "choose another one with --data-dir.").format(folder=store.data_dir, counts=_counts_text(busy)), file=sys.stderr)
        return 1
    started = time.perf_counter()
    last = [0.0]

    def progress(entity_name: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 2:
            last[0] = now
            print(_("  {entity}: {done}/{total}").format(entity=entity_name, done=done, total=total), file=sys.stderr)

    counts = demo.generate(store, scale=args.scale, seed=args.seed, progress=progress)
    print(_("Demo data written to {folder} in {seconds:.1f} s:").format(folder=store.data_dir, seconds=time.perf_counter() - started), file=out)
    _table(out, [(_entity_label(name), n) for name, n in counts.items()])
    return 0


def _search(store, args, out: TextIO) -> int:
    from fieldapp.core.search import SEARCHED_NAMES

    wanted = args.entity or None
    unknown = sorted(set(wanted or ()) - set(SEARCHED_NAMES))
    if unknown:
        print(_("Cannot search {names}; searchable: {searchable}").format(names=", ".join(unknown), searchable=", ".join(SEARCHED_NAMES)), file=sys.stderr)
        return 2
    query = " ".join(args.query)
    hits = store.search(query, entities=wanted, limit=args.limit)
    if not hits:
        print(_("No match for {query}.").format(query=query), file=out)
        return 0
    width = len(str(len(hits)))
    for i, hit in enumerate(hits, start=1):
        print(f"{i:>{width}}. [{_entity_label(hit.entity, plural=False)}] {hit.title}", file=out)
        if hit.snippet:
            print(f"{'':>{width}}  {hit.snippet}", file=out)
    return 0


def _stats(store, args, out: TextIO) -> int:
    stats = store.stats()
    _table(out, [(_entity_label(name), n) for name, n in stats.items()] + [(_("Changes waiting to sync"), store.pending_count())])
    return 0


def _export(store, args, out: TextIO) -> int:
    from fieldapp.core import transfer

    if not _known_entity(args.entity):
        return 2
    if args.format not in transfer.formats_for(args.entity):
        print(_("{entity} records have no coordinates: GeoJSON is for organisations and practices").format(entity=args.entity), file=sys.stderr)
        return 2
    if args.format == "xlsx" and not args.output:
        print(_("XLSX is a binary file: give it a name with --output"), file=sys.stderr)
        return 2
    if args.output:
        if args.format == "xlsx":
            n = transfer.export(store, args.entity, args.format, args.output)
        else:
            with args.output.open("w", encoding="utf-8", newline="") as f:
                n = transfer.export(store, args.entity, args.format, f)
        print(_("{n} rows written to {file}").format(n=n, file=args.output), file=sys.stderr)
    else:
        transfer.export(store, args.entity, args.format, out)
    return 0


def _import(store, args, out: TextIO) -> int:
    from fieldapp.core import transfer

    if not _known_entity(args.entity):
        return 2
    from fieldapp.core import transfer_mapping

    try:
        mapping = transfer_mapping.parse_cli(args.map)
    except ValueError as exc:
        print(_("--map takes COLUMN=FIELD, not {value}").format(value=exc), file=sys.stderr)
        return 2
    try:
        source = transfer.read_source(args.file, args.entity, fmt=args.format, encoding=args.encoding)
        if source.detection is not None and source.detection.unsure:
            print(source.detection.warning, file=sys.stderr)
        mappings = {args.entity: mapping} if mapping else None
        plans = transfer.check_source(store, source, mappings=mappings)
        result = transfer.apply_checked(store, source, plans, skip_invalid=args.skip_invalid)
    except FileNotFoundError:
        print(_("No such file: {file}").format(file=args.file), file=sys.stderr)
        return 2
    except transfer.ImportFileError as exc:
        print(_("Cannot read {file}: {reason}").format(file=args.file, reason=exc), file=sys.stderr)
        return 1
    for problem in result.problems:
        print(str(problem), file=out)
    if result.problems and not result.written and not (args.skip_invalid and result.unchanged):
        print(_("Nothing imported: fix the rows above, or use --skip-invalid to import only the valid rows."), file=out)
        return 1
    print(_("{inserted} added, {updated} changed, {unchanged} unchanged, {skipped} left out.").format(
        inserted=result.inserted, updated=result.updated, unchanged=result.unchanged, skipped=result.skipped), file=out)
    return 0


def _check(store, args, out: TextIO) -> int:
    problems = store.check()
    if problems:
        for p in problems:
            print(p, file=out)
        print(ngettext("{n} problem found.", "{n} problems found.", len(problems)).format(n=len(problems)), file=out)
        return 1
    print(_("No problems found."), file=out)
    return 0


def _sync(store, args, out: TextIO) -> int:
    from fieldapp.sync_client.command import status_command, sync_command

    if args.status:
        return status_command(store, out)
    return sync_command(store, out, server=args.server, user=args.user, insecure=args.insecure,
                        all_attachments=args.all_attachments)


def _form_check(path: Path, out: TextIO) -> int:
    try:
        from fieldapp.forms.xlsform import check_command
    except ImportError as exc:
        print(_("Form checks are not available in this build ({reason}).").format(reason=exc), file=sys.stderr)
        return 2
    return int(check_command(path, out))


def _window(data_dir: Path, args, extra: list[str]) -> int:
    ui_argv = [sys.argv[0] if sys.argv and sys.argv[0] else "fieldapp", *extra]
    if args.no_server:
        ui_argv.append("--no-server")
    try:
        from fieldapp.ui.app import run
    except ImportError as exc:
        print(_("The desktop window is not available ({reason}). Headless commands work: see fieldapp --help.").format(reason=exc),
              file=sys.stderr)
        return 2
    return int(run(data_dir, demo_scale=DEFAULT_UI_DEMO_SCALE if args.demo_if_empty else None, argv=ui_argv))


def _dashboard(store, args, out: TextIO) -> int:
    import json

    from fieldapp.core import dashboard

    try:
        flt = dashboard.DashboardFilter(region=args.region, date_from=args.date_from, date_until=args.date_until,
                                        period=args.period)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.region and not store.catalog.has("region", args.region):
        print(_("unknown region {code!r}; known: {codes}").format(
            code=args.region, codes=", ".join(store.catalog.codes("region"))), file=sys.stderr)
        return 2
    figures = dashboard.compute(store, flt)
    if args.json:
        json.dump(figures, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(dashboard.to_csv(figures))
    return 0


COMMANDS = {"demo": _demo, "search": _search, "stats": _stats, "export": _export, "import": _import, "check": _check,
            "sync": _sync, "dashboard": _dashboard}


# --------------------------------------------------------------------------- helpers
def _entity_label(name: str, *, plural: bool = True) -> str:
    from fieldapp.core.schema import BY_NAME

    e = BY_NAME.get(name)
    return (_(e.plural) if plural else _(e.label)) if e else name


def _known_entity(name: str) -> bool:
    from fieldapp.core.schema import BY_NAME

    if name in BY_NAME:
        return True
    print(_("Unknown kind of record {name}; choose one of: {names}").format(name=name, names=", ".join(BY_NAME)), file=sys.stderr)
    return False


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{_entity_label(k)}: {v}" for k, v in counts.items())


def _table(out: TextIO, rows: list[tuple[str, int]]) -> None:
    """Two aligned columns: label, then the number right-aligned."""
    width = max((len(label) for label, _n in rows), default=0)
    digits = max((len(f"{n:,}") for _label, n in rows), default=1)
    for label, n in rows:
        print(f"{label:<{width}}  {n:>{digits},}", file=out)


if __name__ == "__main__":
    sys.exit(main())
