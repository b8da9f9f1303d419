"""Sync service benchmark: 100 simulated clients against a real `fieldapp-server` process
on 127.0.0.1, on SQLite and on PostgreSQL.

Each client is a device already in sync (its cursor at the feed position before the run).
Phase "push": every client sends one POST /v1/sync carrying 10 field-level operations
(10 new practices); its reply already carries what the others wrote so far. Phase "pull":
every client syncs again, paging until `more` is false. Each must have received exactly
the 990 practices the others wrote (never its own) over the two phases.
Each request is what the desktop's sync engine sends (compact metadata, columnar pages,
Accept-Encoding "zstd, xz, gzip"); before 2026-12-01 the clients asked for row-wise pages in
gzip, a path no desktop takes. Clients run 20 at a time. Measured: wall time, operations
applied per second, requests per second, p50/p95/max latency per phase, errors (non-200 answers, rejected operations,
wrong pulls; target zero), and the CPU seconds of the server's processes and of this load
generator per phase: both share the machine's cores, so a generator that burns a core
starves the server it measures. Hence the generator stays light: request bodies are
encoded before the clock starts, each client keeps one connection alive, and a reply's
changes are parsed after the timed phases (only its `cursor` and `more` are read while
timed; every reply is still parsed whole and checked).

Writes bench/results/server.json. Usage: python bench/server.py [--clients 100]
[--edits 10] [--concurrency 20] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
[--skip-pg] [--pg-workers 2] [--baseline DIR] (PostgreSQL is also run with several server
processes, as behind a load balancer; uvicorn spreads the connections over them).
PostgreSQL gets a throw-away database, dropped at the end. `--baseline DIR`: a checkout of
the code to compare with (`git worktree add DIR main`); each run is repeated right after
with DIR's server under the very same load generator, written as "baseline" beside it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import re
import resource

import requests
import zstandard
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from children import stop, wait_ready  # noqa: E402 (bench/children.py)
from fieldapp.sync_client.transport import ACCEPT_ENCODING  # noqa: E402
from sync.server.accounts import Accounts  # noqa: E402
from sync.server.db import make_engine, migrate  # noqa: E402
from sync.server.settings import Settings  # noqa: E402
from sync.server.storage import Storage  # noqa: E402
from sync.wire import from_blocks  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "server.json"
PASSWORD = "benchmark password"
TIME_LIMIT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(latencies: list[float]) -> dict:
    return {"requests": len(latencies), "p50_ms": pct(latencies, 0.5), "p95_ms": pct(latencies, 0.95),
            "max_ms": round(max(latencies), 1) if latencies else 0.0,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0}


GENERATOR = ("light: bodies gzip-encoded before the timed phases, one kept-alive session per client, "
             "requests as the desktop sends them (compact, columnar, zstd), replies inflated while timed and "
             "their changes parsed after (cursor and more read from the reply's tail)")
TAIL = re.compile(rb'"cursor":"([^"]*)","more":(true|false)')


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process `pid` and its children alive now (uvicorn's
    workers), from /proc; 0 where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0.0))[1]
        todo += [c for c, (parent, _cpu) in stats.items() if parent == p]
    return total


def own_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


class Client:
    def __init__(self, base: str, token: str, cursor: str, edits: int):
        self.base, self.token, self.cursor, self.edits = base, token, cursor, edits
        self.device = f"bench{uuid.uuid4().hex[:10]}"
        # One kept-alive connection per client, as the desktop's transport keeps it; the
        # service keeps idle connections open longer (keep_alive_s) than a client waits
        # between its two phases, so a reset here is the service's fault, not the client's.
        self.session = requests.Session()
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0))
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept-Encoding": ACCEPT_ENCODING})
        self.unzstd = zstandard.ZstdDecompressor()  # one per client: not safe across threads
        self.created: list[str] = []
        self.received: list[str] = []
        self.replies: list[bytes] = []  # parsed after the timed phases (check())
        self.push_body = self._encode(self._push_body())
        self.errors: list[str] = []
        self.resets = 0  # connections reset or refused (counted in errors too)

    @staticmethod
    def _encode(body: dict) -> bytes:
        return gzip.compress(json.dumps(body).encode())

    def _post(self, raw: bytes) -> tuple[bytes | None, float]:
        t0 = time.perf_counter()
        try:
            r = self.session.post(f"{self.base}/v1/sync", data=raw, timeout=120,
                                  headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        except requests.RequestException as exc:  # a reset or refused connection is an error, never retried
            ms = (time.perf_counter() - t0) * 1000
            self.resets += isinstance(exc, requests.ConnectionError)
            self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            return None, ms
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            self.errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
            return None, ms
        raw = r.content  # requests inflates gzip itself, not zstd (the desktop's transport does)
        if r.headers.get("content-encoding") == "zstd":
            raw = self.unzstd.decompress(raw)
        self.replies.append(raw)
        return raw, ms

    def _push_body(self) -> dict:
        now = int(time.time() * 1000)
        ops = []
        for i in range(self.edits):
            rid = str(uuid.uuid4())
            self.created.append(rid)
            ops.append({"op_id": f"{self.device}:{i + 1}", "entity": "practice", "row_id": rid, "kind": "upsert",
                        "fields": {"title": f"Practice {i} of {self.device}", "family": "agroforestry",
                                   "country": "BF", "farmers": i},
                        "base": {}, "hlc": f"{now:013d}:{i:05d}:{self.device}"})
        return self._request(ops)

    def _request(self, ops: list[dict]) -> dict:
        """What the desktop's sync engine sends: compact metadata, columnar pages."""
        return {"device": self.device, "cursor": self.cursor, "ops": ops, "compact": True, "columnar": True}

    def _follow(self, reply: bytes) -> bool:
        """Take the reply's cursor; True when more pages wait. The top-level cursor and
        more come last but head and erasure_seq, after every change (reply_json.py)."""
        found = None
        for found in TAIL.finditer(reply, max(0, len(reply) - 4096)):
            pass
        if found is None:  # not the usual layout: read it all
            page = json.loads(reply)
            self.cursor = page["cursor"]
            return bool(page["more"])
        self.cursor = found.group(1).decode()
        return found.group(2) == b"true"

    def push(self) -> list[float]:
        reply, ms = self._post(self.push_body)
        if reply is not None:
            self._follow(reply)  # one round trip: the reply already carries what others wrote so far
        return [ms]

    def pull(self) -> list[float]:
        latencies, more = [], True
        while more:
            reply, ms = self._post(self._encode(self._request([])))
            latencies.append(ms)
            if reply is None:
                return latencies
            more = self._follow(reply)
        return latencies

    def check(self) -> None:
        """Parse every reply (untimed): each push's ops applied, the practices received."""
        for i, raw in enumerate(self.replies):
            page = json.loads(raw)
            bad = [r for r in page.get("results", []) if r["status"] != "applied"]
            if i == 0 and len(page.get("results", [])) != self.edits:
                self.errors.append(f"the push answered {len(page.get('results', []))} results for {self.edits} ops")
            if bad:
                self.errors.append(f"{len(bad)} ops not applied: {bad[0]}")
            changes = page["changes"] + list(from_blocks(page.get("blocks") or []))
            self.received += [c["id"] for c in changes if c["entity"] == "practice"]


def run_backend(name: str, url: str, clients_n: int, edits: int, concurrency: int, workdir: Path,
                workers: int = 1, root: Path = ROOT) -> dict:
    settings = Settings(db_url=url, blob_dir=workdir / f"blobs-{name}")
    engine = make_engine(url)
    migrate(engine)
    storage = Storage(engine)
    storage.seed_reference()
    accounts = Accounts(engine, settings)
    if not any(u["name"] == "bench" for u in accounts.list_users()):
        accounts.create_user("bench", PASSWORD, "correspondent", ["AFR"])
    start_pos = storage.feed_position()
    engine.dispose()

    port = free_port()
    log_path = workdir / f"server-{name}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db", url, "--blobs",
                                 str(settings.blob_dir), "--port", str(port), "--workers", str(workers)],
                                cwd=root, stdout=log, stderr=log, env=os.environ | {"PYTHONPATH": str(root)})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/v1/health", proc, log_path, 30)
        token = requests.post(f"{base}/v1/login", json={"username": "bench", "password": PASSWORD}, timeout=30).json()["token"]
        clients = [Client(base, token, str(start_pos), edits) for _ in range(clients_n)]
        with ThreadPoolExecutor(concurrency) as pool:
            cpu0 = (process_cpu(proc.pid), own_cpu(), os.getloadavg()[0])
            t0 = time.perf_counter()
            push_lat = [ms for lat in pool.map(lambda c: c.push(), clients, timeout=TIME_LIMIT_S) for ms in lat]
            t_push = time.perf_counter() - t0
            cpu1 = (process_cpu(proc.pid), own_cpu())
            t1 = time.perf_counter()
            pull_lat = [ms for lat in pool.map(lambda c: c.pull(), clients, timeout=TIME_LIMIT_S) for ms in lat]
            t_pull = time.perf_counter() - t1
            cpu2 = (process_cpu(proc.pid), own_cpu(), os.getloadavg()[0])
        total = time.perf_counter() - t0
    finally:
        stop(f"the {name} server", proc, log_path)
    for c in clients:
        c.check()
    errors = [e for c in clients for e in c.errors]
    everyone = {rid for c in clients for rid in c.created}
    for c in clients:
        expected = everyone - set(c.created)
        if sorted(c.received) != sorted(expected):
            errors.append(f"{c.device}: pulled {len(c.received)} practices, expected {len(expected)} "
                          f"(missing {len(expected - set(c.received))}, own echoed {len(set(c.received) & set(c.created))})")
    ops = clients_n * edits
    requests_n = len(push_lat) + len(pull_lat)
    return {
        "database": name, "server_processes": workers, "clients": clients_n, "edits_per_client": edits, "concurrency": concurrency,
        "seconds": round(total, 2), "push_seconds": round(t_push, 2), "pull_seconds": round(t_pull, 2),
        "ops_per_second": round(ops / t_push, 1), "requests_per_second": round(requests_n / total, 1),
        "changes_delivered": sum(len(c.received) for c in clients),
        "push": summary(push_lat), "pull": summary(pull_lat), "all": summary(push_lat + pull_lat),
        "errors": len(errors), "connection_resets": sum(c.resets for c in clients), "error_samples": errors[:5],
        # CPU seconds per phase; "cores" = seconds / wall time (2 = both of a 2-core machine)
        "cpu": {phase: {"server_s": round(b[0] - a[0], 2), "load_generator_s": round(b[1] - a[1], 2),
                        "server_cores": round((b[0] - a[0]) / wall, 2),
                        "load_generator_cores": round((b[1] - a[1]) / wall, 2)}
                for phase, a, b, wall in (("push", cpu0, cpu1, t_push), ("pull", cpu1, cpu2, t_pull))},
        "load_average_1min": {"before": round(cpu0[2], 2), "after": round(cpu2[2], 2)},
    }


def targets(runs: list[dict]) -> dict:
    """The targets, met or not, of one set of runs (empty without a PostgreSQL run)."""
    pg = [r for r in runs if r.get("database") == "postgresql" and "ops_per_second" in r]
    one = next((r for r in pg if r["server_processes"] == 1), None)
    two = next((r for r in pg if r["server_processes"] > 1), None)
    if not one:
        return {}
    out = {
        "postgresql ops/s >= 500": {"value": one["ops_per_second"], "met": one["ops_per_second"] >= 500},
        "postgresql push p95 <= 500 ms": {"value": one["push"]["p95_ms"], "met": one["push"]["p95_ms"] <= 500},
        "0 errors (resets counted)": {"value": sum(r.get("errors", 0) for r in runs),
                                      "met": not any(r.get("errors") for r in runs)},
    }
    if two:
        ratio = round(two["ops_per_second"] / max(one["ops_per_second"], 1e-9), 2)
        out[f"{two['server_processes']} processes / 1 >= 1.6"] = {"value": ratio, "met": ratio >= 1.6}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--edits", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--pg", default=os.environ.get("FIELDAPP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--skip-pg", action="store_true")
    p.add_argument("--pg-workers", type=int, default=2,
                   help="also run PostgreSQL with this many server processes (0: skip that run)")
    p.add_argument("--baseline", type=Path, help="a checkout whose server runs each benchmark again, for comparison")
    args = p.parse_args()
    results: dict = {"benchmark": "sync service: clients each pushing edits then pulling the others'",
                     "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "machine": {"python": platform.python_version(), "platform": platform.platform(),
                                 "cpus": os.cpu_count()},
                     "load_generator": GENERATOR,
                     "target": {"errors": 0, "postgresql_ops_per_second": 500, "postgresql_push_p95_ms": 500,
                                "two_processes_over_one": 1.6}, "runs": []}
    if args.baseline:
        commit = subprocess.run(["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        results["baseline"] = {"root": str(args.baseline), "commit": commit, "runs": []}

    def run(name: str, url: str, workers: int = 1) -> None:
        """This tree's server, then (with --baseline) the baseline's, back to back."""
        results["runs"].append(run_backend(name, url, args.clients, args.edits, args.concurrency, work, workers))
        print(json.dumps(results["runs"][-1], indent=2))
        if args.baseline:
            results["baseline"]["runs"].append(run_backend(name, url, args.clients, args.edits, args.concurrency, work,
                                                           workers, root=args.baseline.resolve()))
            print(json.dumps(results["baseline"]["runs"][-1], indent=2))

    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-") as tmp:
        work = Path(tmp)
        run("sqlite", f"sqlite:///{work / 'server.sqlite'}")
        if not args.skip_pg:
            admin_url = make_url(args.pg).set(database="postgres")
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            dbname = f"fieldapp_bench_{secrets.token_hex(4)}"
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{dbname}"')
            except Exception as exc:  # noqa: BLE001 - reported in the results
                results["runs"].append({"database": "postgresql", "skipped": f"unreachable: {exc}"})
            else:
                try:
                    url = make_url(args.pg).set(database=dbname).render_as_string(hide_password=False)
                    run("postgresql", url)
                    if args.pg_workers > 1:  # the same database again, several processes
                        run("postgresql", url, args.pg_workers)
                finally:
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                    admin.dispose()
    if targets(results["runs"]):
        results["targets"] = targets(results["runs"])
    if args.baseline and targets(results["baseline"]["runs"]):
        results["baseline"]["targets"] = targets(results["baseline"]["runs"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 1 if any(r.get("errors") for r in results["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
