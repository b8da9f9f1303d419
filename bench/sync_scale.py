"""Sync at scale: a correspondent's first full sync of the N-practice demo world.

For each point (10 000, 50 000, 100 000 practices: the whole demo world, organisations,
contacts, meetings and the rest around them) and each database (SQLite, PostgreSQL):

- the service is seeded with `fieldapp.core.demo.generate_rows`, as `fieldapp-server demo`
  does, and serves on 127.0.0.1; a correspondent of every region syncs into an empty data
  folder, in a child process of its own (its peak RSS is the client's alone);
- measured: wall seconds, requests, bytes both ways (the transport's counters: bodies
  and headers), the client's peak RSS, the synced database's size against the same world
  generated locally (`fieldapp.core.demo.generate`, the app's own demo path);
- the service's time for one page at the start of the feed and one at its end (the
  storage's `changes`, in this process, on the synced database): a feed query that
  re-reads the rest of the feed per page shows here as a growing ratio.

Targets (issue 15): at 100 000 practices <= 60 s, <= 30 requests, client peak RSS <=
300 MB, synced database <= 1.1x the local one, page time at the end within 2x of the
start. Writes bench/results/sync_scale.json (the points of each run replace those of
the same database and size). Usage:
  python bench/sync_scale.py [--points 10000,50000] [--databases sqlite,postgresql]
                             [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from children import stop, wait_ready  # noqa: E402 (bench/children.py)

RESULTS = HERE / "results" / "sync_scale.json"
USER, PASSWORD = "scale", "scale-password-123"
SEED = 1
TARGETS = {"seconds": 60, "requests": 30, "client_peak_rss_mb": 300, "db_ratio": 1.1, "page_time_ratio": 2.0}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- the client, in its own process
def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: on Linux a
    child starts with its parent's high-water mark (the benchmark's, which generated
    the demo world), and exec does not reset it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def client_main(url: str, folder: str) -> int:
    """Log in, sync once from empty, print the figures as one JSON line."""
    from fieldapp.core.store import Store
    from fieldapp.sync_client.engine import SyncEngine
    from fieldapp.sync_client.transport import RetryPolicy, Transport

    store = Store(folder, author=USER)
    transport = Transport(url, policy=RetryPolicy(attempts=2, read_timeout=600, deadline=3600))
    transport.login(USER, PASSWORD)
    before = (transport.traffic.requests, transport.traffic.bytes_up, transport.traffic.bytes_down)
    started = time.perf_counter()
    result = SyncEngine(store, transport).sync()
    seconds = time.perf_counter() - started
    t = transport.traffic
    counts = store.stats()
    store.close()
    print(json.dumps({"ok": result.ok, "error": result.error, "seconds": round(seconds, 2),
                      "requests": t.requests - before[0], "bytes_up": t.bytes_up - before[1],
                      "bytes_down": t.bytes_down - before[2], "received": result.received,
                      "client_peak_rss_mb": peak_rss_mb(),
                      "practices": counts.get("practice", 0)}))
    return 0


# ---------------------------------------------------------------------- the service
def seed(url: str, rows: dict[str, list[dict]], blobs: Path) -> None:
    from fieldapp.core.reference import shipped_rows
    from fieldapp.core.schema import ENTITIES
    from sync.server import db
    from sync.server.cli import main as server_cli
    from sync.server.storage import Storage

    args = ("--db", url, "--blobs", str(blobs))
    assert server_cli(["migrate", *args]) == 0
    regions = sorted(r["code"] for r in shipped_rows() if r["list_name"] == "region")
    assert server_cli(["create-user", USER, "--role", "correspondent", "--region", *regions,
                       "--password", PASSWORD, *args]) == 0
    engine = db.make_engine(url)
    storage = Storage(engine)
    storage.seed_reference()
    for e in ENTITIES:
        batch = rows.get(e.name) or []
        for i in range(0, len(batch), 20_000):
            storage.seed_rows(e.name, batch[i:i + 20_000], validated=True)
    engine.dispose()


def page_times(url: str, page: int = 10_000) -> dict:
    """The storage's seconds for a page at the start of the feed and for the last full
    page, for the same reader (best of three, each), read as a first sync reads it: the
    feed reader's caches emptied before each read (they keep the feed's last rows, so the
    end page would otherwise be timed from memory and the start page from the tables),
    with the collector set as a serving process sets it."""
    from fieldapp.core.reference import shipped_rows
    from sync.server import db
    from sync.server.cli import serving_process
    from sync.server.principal import Principal
    from sync.server.storage import Storage

    serving_process()
    engine = db.make_engine(url)
    storage = Storage(engine)
    regions = tuple(sorted(r["code"] for r in shipped_rows() if r["list_name"] == "region"))
    reader = Principal(999, USER, "correspondent", regions)
    head = storage.feed_position()

    def timed(cursor: int) -> float:
        best = None
        for _ in range(3):
            storage._rows.clear()
            storage._whole.clear()
            started = time.perf_counter()
            storage.changes(reader, "probe", cursor, page, compact=True, columnar=True)
            took = time.perf_counter() - started
            best = took if best is None else min(best, took)
        return round(best or 0.0, 3)

    start, end = timed(0), timed(max(0, head - page))
    engine.dispose()
    return {"rows_per_page": page, "feed_head": head, "start_s": start, "end_s": end,
            "end_over_start": round(end / max(start, 1e-9), 2)}


def local_size(rows_scale: int, folder: Path) -> int:
    from fieldapp.core import demo
    from fieldapp.core.store import Store

    with Store(folder) as store:
        demo.generate(store, scale=rows_scale, seed=SEED, submissions=False)
    return db_bytes(folder)


def db_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("fieldapp.sqlite*"))


def run_point(database: str, url: str, practices: int, work: Path, log) -> dict:
    from fieldapp.core.demo import generate_rows

    log(f"{database} {practices}: generating the demo world")
    rows = generate_rows(scale=practices, seed=SEED)
    records = sum(len(v) for v in rows.values())
    log(f"{database} {practices}: seeding the service with {records} records")
    seed(url, rows, work / "blobs")
    del rows
    port = free_port()
    log_path = work / f"server-{database}-{practices}.log"
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db", url, "--blobs",
                             str(work / "blobs"), "--port", str(port)], cwd=HERE.parent,
                            stdout=subprocess.DEVNULL, stderr=open(log_path, "wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/v1/health", proc, log_path)
        folder = work / f"client-{database}-{practices}"
        log(f"{database} {practices}: first full sync")
        out = subprocess.run([sys.executable, __file__, "--client", base, str(folder)], cwd=HERE.parent,
                             capture_output=True, text=True, timeout=3600)
        if out.returncode != 0:
            raise RuntimeError(f"the client failed: {out.stderr[-2000:]}")
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        stop(f"the {database} service", proc, log_path)
    log(f"{database} {practices}: {figures['seconds']} s, {figures['requests']} requests; page times")
    figures["page_time"] = page_times(url)
    figures["records"] = records
    figures["synced_db_bytes"] = db_bytes(folder)
    return figures


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--client":
        return client_main(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description="First full sync of the demo world at scale")
    parser.add_argument("--points", default="10000,50000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg", default=os.environ.get("FIELDAPP_BENCH_PG_URL",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    report = json.loads(args.output.read_text()) if args.output.exists() else {"points": []}
    points = [int(p) for p in args.points.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-scale-") as tmp:
        work = Path(tmp)
        local: dict[int, int] = {}
        for practices in points:
            log(f"local demo world of {practices} practices, for the size comparison")
            local[practices] = local_size(practices, work / f"local-{practices}")
        for database in args.databases.split(","):
            for practices in points:
                point_dir = work / f"{database}-{practices}"
                point_dir.mkdir()
                admin = None
                if database == "sqlite":
                    url = f"sqlite:///{point_dir / 'server.sqlite'}"
                else:
                    admin = create_engine(make_url(args.pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
                    name = f"fieldapp_scale_{secrets.token_hex(4)}"
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
                try:
                    figures = run_point(database, url, practices, point_dir, log)
                finally:
                    if admin is not None:
                        with admin.connect() as conn:
                            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                        admin.dispose()
                figures["local_db_bytes"] = local[practices]
                figures["db_ratio"] = round(figures["synced_db_bytes"] / max(1, local[practices]), 3)
                figures |= {"database": database, "practices": practices,
                            "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                if practices >= 100_000:
                    figures["targets"] = {
                        "seconds <= 60": figures["seconds"] <= TARGETS["seconds"],
                        "requests <= 30": figures["requests"] <= TARGETS["requests"],
                        "client peak RSS <= 300 MB": figures["client_peak_rss_mb"] <= TARGETS["client_peak_rss_mb"],
                        "synced db <= 1.1x local": figures["db_ratio"] <= TARGETS["db_ratio"],
                        "page time at the end <= 2x the start":
                            figures["page_time"]["end_over_start"] <= TARGETS["page_time_ratio"]}
                print(json.dumps(figures, indent=2), flush=True)
                report["points"] = [p for p in report["points"]
                                    if (p["database"], p["practices"]) != (database, practices)] + [figures]
                report["points"].sort(key=lambda p: (p["database"], p["practices"]))
                report |= {"machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                                       "cpus": os.cpu_count()}, "targets_at_100000": TARGETS}
                args.output.parent.mkdir(parents=True, exist_ok=True)
                args.output.write_text(json.dumps(report, indent=2) + "\n")
    log(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
