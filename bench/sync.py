"""Sync benchmark: our client and server side by side with PouchDB and pouchdb-server.

Both systems hold the same records (practice rows of the demo world, one JSON document
per record, organisation references left out so every record stands alone) and run the
same four cases, first on the plain loopback and then through a slow link (256 kbit/s
each way, 600 ms round trip):

  (a) initial_sync       the client starts empty, the records are on the server;
  (d) first_push         right after that pull, the client edits one record and syncs;
  (b) noop_sync          nothing changed anywhere;
  (c) edits_10_each_way  10 records edited on the client, 10 others on the server by
                         another client; one sync moves both ways.

(d) runs right after (a) because it only exists once per client: PouchDB's first push
has no checkpoint yet, so it compares every document it holds with the server.

Both systems go through bench/netem.py, a TCP proxy on 127.0.0.1 that counts HTTP
requests (parsed from the stream) and bytes both ways on the wire, headers included, and
shapes the link. Our client logs in once before the cases (not counted: a device logs in
once, not per sync; pouchdb-server runs without authentication) and opens a fresh
connection for every case (paying the handshake on the slow link); PouchDB is given a
keep-alive agent (node-fetch otherwise sends `connection: close` and opens a connection
per request). pouchdb-server gzips its answers; the initial sync runs on our side twice,
with our best codec (zstd) and with gzip only, so that both comparisons are in one run:
the codec's share of the byte ratio and the format's. Beside them: the bare records in
one stream compressed with each codec, the floor a sync of them can come near.

PouchDB runs as an app would: `db.replicate.from(remote)` for (a), `db.replicate.to(remote)`
for (d) (the push alone: the most favourable choice for PouchDB), `db.sync(remote)` for
(b) and (c), one-shot, with PouchDB's default batch_size 100 and batches_limit 10, on the
memory adapter. The remote is pouchdb-server in memory.

Writes bench/results/sync.json and prints a table. Needs node and the npm packages in
bench/pouch (`make bench` installs them); without them the PouchDB side is skipped and the
JSON says why. Usage: python bench/sync.py [--records 10000] [--seed 7] [--no-slow]
[--pouch-slow-budget 600] [--rounds 1]. With --rounds N both systems run N times, in turns
first (the load of a shared machine drifts); each system's round with the median initial
sync is reported, every round's times are in the JSON (fieldapp.rounds).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import importlib.util
import json
import lzma
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import requests

HERE = Path(__file__).resolve().parent
# The repository first: this file's own folder (on the path when run as a script) holds a
# `sync.py` that must not hide the `sync` package of the server.
sys.path.insert(0, str(HERE.parent))


def _load_netem():
    spec = importlib.util.spec_from_file_location("bench_netem", HERE / "netem.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_netem"] = module
    spec.loader.exec_module(module)
    return module


_netem = _load_netem()
Counters, Proxy = _netem.Counters, _netem.Proxy

from children import check_exit, stop  # noqa: E402 (bench/children.py)
from fieldapp import __version__  # noqa: E402
from fieldapp.core.demo import generate_rows  # noqa: E402
from fieldapp.core.reference import shipped_rows  # noqa: E402
from fieldapp.core.schema import entity  # noqa: E402
from fieldapp.core.store import Store  # noqa: E402
from fieldapp.sync_client.engine import SyncEngine  # noqa: E402
from fieldapp.sync_client.transport import ACCEPT_ENCODING, RetryPolicy, Transport  # noqa: E402
from sync.server.middleware import CompressResponses  # noqa: E402

RESULTS = HERE / "results" / "sync.json"
POUCH_DIR = HERE / "pouch"
SLOW = {"rate_bps": 256_000, "rtt_s": 0.6}
CASES = ("initial_sync", "first_push", "noop_sync", "edits_10_each_way")
OUR_CASES = CASES + ("initial_sync_gzip",)  # the initial sync again, our client accepting gzip only
LINKS = ("fast", "slow")
SYSTEMS = ("fieldapp", "pouchdb")
USER, PASSWORD = "bench", "bench-password-123"
POUCH_DEFAULTS = {"batch_size": 100, "batches_limit": 10, "adapter": "memory", "mode": {
    "initial_sync": "db.replicate.from(remote)", "first_push": "db.replicate.to(remote)",
    "noop_sync": "db.sync(remote)", "edits_10_each_way": "db.sync(remote)"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def records(count: int, seed: int) -> list[dict]:
    """`count` practice rows, each a self-contained record (no organisation reference)."""
    scale = count
    while True:
        rows = generate_rows(scale=scale, seed=seed)["practice"]
        if len(rows) >= count:
            break
        scale = int(scale * 1.2) + 10
    e = entity("practice")
    out = []
    for row in rows[:count]:
        record = {f.name: row.get(f.name) for f in e.fields}
        record["organisation_id"] = None
        out.append({"id": row["id"], **record})
    return out


def measured(proxy: Proxy, fn: Callable[[], Any]) -> tuple[dict, Any]:
    before, codecs = proxy.counters(), dict(proxy.encodings)
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    d: Counters = proxy.counters() - before
    used = {k: n - codecs.get(k, 0) for k, n in proxy.encodings.items() if n > codecs.get(k, 0)}
    return {"requests": d.requests, "bytes_up": d.bytes_up, "bytes_down": d.bytes_down,
            "connections": d.connections, "seconds": round(seconds, 3),
            # the Content-Encoding of the answers seen on the wire (small ones go plain)
            "codec": "+".join(sorted(used, key=lambda k: -used[k])) or "identity"}, out


# ---------------------------------------------------------------------- our system
class Ours:
    """Our server process (SQLite) seeded through its storage; clients in data folders."""

    def __init__(self, work: Path, rows: list[dict]):
        self.work = work
        self.db = f"sqlite:///{work / 'server.sqlite'}"
        self.blobs = work / "blobs"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rows = rows
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        from sync.server import db
        from sync.server.cli import main as server_cli
        from sync.server.storage import Storage

        args = ("--db", self.db, "--blobs", str(self.blobs))
        assert server_cli(["migrate", *args]) == 0
        regions = sorted(r["code"] for r in shipped_rows() if r["list_name"] == "region")
        assert server_cli(["create-user", USER, "--role", "correspondent", "--region", *regions,
                           "--password", PASSWORD, *args]) == 0
        engine = db.make_engine(self.db)
        storage = Storage(engine)
        storage.seed_reference()  # as `serve` does, so the feed holds them first
        storage.seed_rows("practice", self.rows)
        engine.dispose()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=open(self.work / "server.log", "wb"), cwd=HERE.parent)
        wait_http(self.url + "/v1/health")

    def stop(self) -> None:
        stop("our server", self.proc, self.work / "server.log")

    def client(self, name: str, url: str, accept: str = ACCEPT_ENCODING) -> tuple[Store, SyncEngine]:
        store = Store(self.work / name, author=USER)
        transport = Transport(url, policy=RetryPolicy(attempts=2, read_timeout=600, deadline=3600),
                              accept_encoding=accept)
        transport.login(USER, PASSWORD)
        return store, SyncEngine(store, transport)


def lower_bounds(rows: list[dict]) -> dict:
    """Bytes of the bare records (one JSON document each, as PouchDB holds them) in ONE
    stream, compressed with each codec as the service compresses a page: what no sync of
    these records in that codec can beat by much (issue 15, target 4)."""
    docs = json.dumps([{"_id": r["id"], **{k: v for k, v in r.items() if k != "id"}} for r in rows],
                      separators=(",", ":"), ensure_ascii=False).encode()
    return {"json_bytes": len(docs), "gzip": len(gzip.compress(docs, 6)),
            "zstd": len(CompressResponses.compress_big(docs, "zstd")),
            "xz": len(lzma.compress(docs, preset=CompressResponses.XZ_PRESET))}


def edit_ours(store: Store, ids: list[str], value: str) -> None:
    for row_id in ids:
        store.update("practice", row_id, {"title": f"{value} {row_id[:8]}"})


# ---------------------------------------------------------------------- PouchDB
class Pouch:
    """pouchdb-server in memory, and a node process running PouchDB (bench/pouch/driver.js)."""

    def __init__(self, work: Path):
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen | None = None
        self.driver: subprocess.Popen | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    @staticmethod
    def missing() -> str | None:
        """Why the PouchDB side cannot run here, or None."""
        if not shutil.which("node"):
            return "node is not installed: the PouchDB side was not run"
        for package in ("pouchdb", "pouchdb-adapter-memory", "pouchdb-server"):
            if not (POUCH_DIR / "node_modules" / package / "package.json").exists():
                return (f"the npm package {package} is not installed in bench/pouch "
                        "(run `npm ci` there, or `make bench`): the PouchDB side was not run")
        return None

    @staticmethod
    def versions() -> dict:
        def version(package: str) -> str:
            return json.loads((POUCH_DIR / "node_modules" / package / "package.json").read_text())["version"]
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        return {"node": node, **{p: version(p) for p in ("pouchdb", "pouchdb-adapter-memory", "pouchdb-server")}}

    def start(self) -> None:
        folder = self.work / "pouchdb-server"
        folder.mkdir()
        binary = POUCH_DIR / "node_modules" / "pouchdb-server" / "bin" / "pouchdb-server"
        self.server = subprocess.Popen(
            ["node", str(binary), "--in-memory", "--host", "127.0.0.1", "--port", str(self.port), "--no-stdout-logs"],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=open(self.work / "pouchdb-server.log", "wb"))
        wait_http(self.url + "/")
        self.driver = subprocess.Popen(
            ["node", str(POUCH_DIR / "driver.js")], cwd=POUCH_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(self.work / "pouch-driver.log", "wb"), text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.driver and self.driver.stdout
        for line in self.driver.stdout:
            self.lines.put(line)

    def create(self, name: str) -> None:
        reply = requests.put(f"{self.url}/{name}", timeout=30)
        if reply.status_code not in (201, 412):
            raise RuntimeError(f"cannot create {name}: {reply.status_code} {reply.text}")

    def call(self, cmd: str, timeout: float = 3600, **args: Any) -> dict:
        assert self.driver and self.driver.stdin
        self.driver.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.driver.stdin.flush()
        try:
            answer = json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            raise RuntimeError(f"PouchDB {cmd} did not finish within {timeout:.0f} s") from None
        if not answer.get("ok"):
            raise RuntimeError(f"PouchDB {cmd} failed: {answer.get('error')}")
        return answer

    def stop(self) -> None:
        if self.driver is not None:
            if self.driver.stdin:
                self.driver.stdin.close()  # the driver's way to end: it must then exit 0
            try:
                check_exit("the PouchDB driver", self.driver.wait(10), log=self.work / "pouch-driver.log")
            except subprocess.TimeoutExpired:
                stop("the PouchDB driver", self.driver)
        stop("pouchdb-server", self.server, self.work / "pouchdb-server.log")


def pouch_measured(proxy: Proxy, pouch: Pouch, cmd: str, **args: Any) -> tuple[dict, dict]:
    """Counters around one driver command; the time is node's own, around the replication."""
    figures, answer = measured(proxy, lambda: pouch.call(cmd, **args))
    figures["seconds"] = round(answer["seconds"], 3)
    return figures, answer


def estimate_slow(fast: dict) -> float:
    """Seconds a case measured on the fast link would take on the slow one if its requests
    ran one after another: a round trip each, plus the bytes at the line rate."""
    rate = SLOW["rate_bps"] / 8
    return fast["requests"] * SLOW["rtt_s"] + fast["bytes_down"] / rate + fast["bytes_up"] / rate


# ---------------------------------------------------------------------- the run
def run_ours(work: Path, rows: list[dict], links: tuple[str, ...], log: Callable[[str], None]) -> dict:
    ours = Ours(work / "fieldapp", rows)
    ours.work.mkdir()
    ids = [r["id"] for r in rows]
    out: dict[str, dict] = {case: {} for case in OUR_CASES}
    checks: dict[str, Any] = {}
    ours.start()
    proxy = Proxy("127.0.0.1", ours.port).start()
    try:
        other_store, other = ours.client("other", ours.url)  # the other client writes directly
        result = other.sync()
        assert result.ok and other_store.count("practice") == len(rows), result
        for n, link in enumerate(links):
            proxy.configure(None, 0.0)
            store, engine = ours.client(f"client-{link}", proxy.url)
            proxy.configure(SLOW["rate_bps"] if link == "slow" else None, SLOW["rtt_s"] / 2 if link == "slow" else 0.0)

            def sync() -> Any:
                engine.transport.session.close()  # a fresh connection per case, handshake included
                result = engine.sync()
                if not result.ok:
                    raise RuntimeError(f"our sync failed: {result.error}")
                return result

            log(f"fieldapp {link}: initial sync of {len(rows)} records")
            out["initial_sync"][link], result = measured(proxy, sync)
            assert store.count("practice") == len(rows), store.count("practice")
            checks[f"{link}_initial_received"] = result.received

            edit_ours(store, ids[n * 100:n * 100 + 1], f"first push {link}")
            log(f"fieldapp {link}: first push after the initial pull")
            out["first_push"][link], result = measured(proxy, sync)
            assert result.pushed == 1 and result.applied == 1, result

            log(f"fieldapp {link}: no-op sync")
            out["noop_sync"][link], result = measured(proxy, sync)
            assert result.pushed == 0 and result.received == 0, result

            theirs = ids[n * 100 + 10:n * 100 + 20]
            mine = ids[n * 100 + 20:n * 100 + 30]
            other.sync()
            edit_ours(other_store, theirs, f"server side {link}")
            assert other.sync().applied == 10
            edit_ours(store, mine, f"client side {link}")
            log(f"fieldapp {link}: 10 edits each way")
            out["edits_10_each_way"][link], result = measured(proxy, sync)
            assert result.pushed == 10 and result.applied == 10 and result.received == 10, result
            assert store.get("practice", theirs[0])["title"].startswith("server side")
            other.sync()
            assert other_store.get("practice", mine[0])["title"].startswith("client side")
            store.close()

            # The same initial sync with gzip only, the codec PouchDB gets: the format's
            # share of the byte ratio apart from the codec's.
            proxy.configure(None, 0.0)
            gz_store, gz_engine = ours.client(f"client-{link}-gzip", proxy.url, accept="gzip")
            proxy.configure(SLOW["rate_bps"] if link == "slow" else None, SLOW["rtt_s"] / 2 if link == "slow" else 0.0)
            log(f"fieldapp {link}: initial sync of {len(rows)} records, gzip only")
            gz_engine.transport.session.close()
            out["initial_sync_gzip"][link], result = measured(proxy, gz_engine.sync)
            assert result.ok and gz_store.count("practice") == len(rows), result
            gz_store.close()
        other_store.close()
    finally:
        proxy.stop()
        ours.stop()
    return {"figures": out, "checks": checks}


def run_pouch(work: Path, rows: list[dict], links: tuple[str, ...], budget: float, log: Callable[[str], None]) -> dict:
    pouch = Pouch(work / "pouchdb")
    pouch.work.mkdir()
    ids = [r["id"] for r in rows]
    out: dict[str, dict] = {case: {} for case in CASES}
    notes: list[str] = []
    docs_file = pouch.work / "docs.json"
    docs_file.write_text(json.dumps([{"_id": r["id"], **{k: v for k, v in r.items() if k != "id"}} for r in rows]))
    pouch.start()
    proxy = Proxy("127.0.0.1", pouch.port).start()
    try:
        pouch.create("bench")
        direct, remote = f"{pouch.url}/bench", f"{proxy.url}/bench"
        assert pouch.call("seed", remote=direct, file=str(docs_file))["count"] == len(rows)
        for n, link in enumerate(links):
            proxy.configure(None, 0.0)
            name = f"client-{link}"
            slow = link == "slow"
            initial_on = remote
            if slow:
                fast = out["initial_sync"].get("fast")
                estimate = estimate_slow(fast) if fast else None
                if estimate and estimate > budget:
                    # Too long for the slow link: measure the initial pull on fewer records
                    # (a second remote database), scale linearly, and prepare the client for
                    # the other cases with a pull on the fast link (not measured).
                    part = max(500, int(len(rows) * budget / estimate / 500) * 500)
                    part = min(part, len(rows))
                    small = pouch.work / "docs-small.json"
                    small.write_text(json.dumps(json.loads(docs_file.read_text())[:part]))
                    pouch.create("bench_small")
                    pouch.call("seed", remote=f"{pouch.url}/bench_small", file=str(small))
                    initial_on = f"{proxy.url}/bench_small"
                    notes.append(
                        f"slow initial_sync: measured on {part} records (the fast run predicts about "
                        f"{estimate:.0f} s for {len(rows)}, beyond the {budget:.0f} s budget); "
                        f"'scaled_to_all' multiplies by {len(rows)}/{part}")
            proxy.configure(SLOW["rate_bps"] if slow else None, SLOW["rtt_s"] / 2 if slow else 0.0)
            log(f"pouchdb {link}: initial pull ({'all' if initial_on == remote else 'part of the'} records)")
            figures, answer = pouch_measured(proxy, pouch, "pull", name=name if initial_on == remote else name + "-part",
                                             remote=initial_on)
            if initial_on != remote:
                part = answer["docs_written"]
                figures["records"] = part
                figures["scaled_to_all"] = {k: round(figures[k] * len(rows) / part, 3 if k == "seconds" else None)
                                            for k in ("requests", "bytes_up", "bytes_down", "seconds")}
                proxy.configure(None, 0.0)
                pouch.call("pull", name=name, remote=remote)  # the client the other cases use
                proxy.configure(SLOW["rate_bps"], SLOW["rtt_s"] / 2)
            else:
                assert answer["docs_written"] == len(rows), answer
            out["initial_sync"][link] = figures
            assert pouch.call("info", name=name)["doc_count"] == len(rows)

            pouch.call("edit_local", name=name, ids=ids[n * 100:n * 100 + 1], field="title", value=f"first push {link}")
            log(f"pouchdb {link}: first push after the initial pull")
            out["first_push"][link], answer = pouch_measured(proxy, pouch, "push", name=name, remote=remote)
            assert answer["docs_written"] == 1, answer

            log(f"pouchdb {link}: no-op sync")
            out["noop_sync"][link], answer = pouch_measured(proxy, pouch, "sync", name=name, remote=remote)
            assert answer["push"]["docs_written"] == 0 and answer["pull"]["docs_written"] == 0, answer

            theirs = ids[n * 100 + 10:n * 100 + 20]
            mine = ids[n * 100 + 20:n * 100 + 30]
            pouch.call("edit_remote", remote=direct, ids=theirs, field="title", value=f"server side {link}")
            pouch.call("edit_local", name=name, ids=mine, field="title", value=f"client side {link}")
            log(f"pouchdb {link}: 10 edits each way")
            out["edits_10_each_way"][link], answer = pouch_measured(proxy, pouch, "sync", name=name, remote=remote)
            assert answer["push"]["docs_written"] == 10 and answer["pull"]["docs_written"] == 10, answer
            assert pouch.call("get", name=name, id=theirs[0])["doc"]["title"].startswith("server side")
        requests_seen = list(proxy.request_log)
    finally:
        proxy.stop()
        pouch.stop()
    return {"figures": out, "notes": notes, "request_sample": _request_kinds(requests_seen)}


def _request_kinds(lines: list[str]) -> dict[str, int]:
    """What PouchDB asked for, by method and endpoint (ids and query strings folded)."""
    kinds: dict[str, int] = {}
    for line in lines:
        method, _, rest = line.partition(" ")
        path = rest.rsplit(" ", 1)[0].split("?")[0]
        parts = path.strip("/").split("/")
        key = "/" + "/".join(p if p.startswith("_") or i == 0 else "{id}" for i, p in enumerate(parts))
        kinds[f"{method} {key}"] = kinds.get(f"{method} {key}", 0) + 1
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


# ---------------------------------------------------------------------- report
def total_bytes(f: dict) -> int:
    return f["bytes_up"] + f["bytes_down"]


def _target(case: str, link: str, target: str, value: float | None, met: bool | None) -> dict:
    return {"case": case, "link": link, "target": target, "value": value, "met": met}


def comparison(results: dict, links: tuple[str, ...], bounds: dict) -> tuple[dict, list[dict]]:
    """Ratios PouchDB / ours per case and link, and the targets of issue 15 (our best
    codec and gzip-only both against PouchDB with gzip, in the same run)."""
    ours, pouch = results["fieldapp"]["figures"], (results.get("pouchdb") or {}).get("figures")
    ratios: dict[str, dict] = {}
    targets: list[dict] = []
    for case in OUR_CASES:
        for link in links:
            mine = ours[case][link]
            if case in ("noop_sync", "edits_10_each_way"):
                targets.append(_target(case, link, "requests == 1", mine["requests"], mine["requests"] == 1))
            if case == "initial_sync":
                targets.append(_target(case, link, "requests <= 20", mine["requests"], mine["requests"] <= 20))
            theirs_case = "initial_sync" if case == "initial_sync_gzip" else case
            if not pouch or link not in pouch[theirs_case]:
                targets.append(_target(case, link, "pouchdb measured", None, None))  # PouchDB did not run
                continue
            theirs = pouch[theirs_case][link]
            ref = theirs.get("scaled_to_all", theirs)
            r = {
                "bytes": round(total_bytes(ref) / max(1, total_bytes(mine)), 2),
                "bytes_up": round(ref["bytes_up"] / max(1, mine["bytes_up"]), 2),
                "bytes_down": round(ref["bytes_down"] / max(1, mine["bytes_down"]), 2),
                "requests": round(ref["requests"] / max(1, mine["requests"]), 2),
                "seconds": round(ref["seconds"] / max(1e-9, mine["seconds"]), 2),
            }
            ratios.setdefault(case, {})[link] = r
            ours_over = round(mine["seconds"] / max(1e-9, ref["seconds"]), 3)
            if case == "initial_sync":
                targets.append(_target(case, link, "pouchdb bytes / ours (best codec) >= 4", r["bytes"], r["bytes"] >= 4))
                limit = 0.5 if link == "fast" else 0.3
                targets.append(_target(case, link, f"our seconds / pouchdb's <= {limit}", ours_over, ours_over <= limit))
            elif case == "initial_sync_gzip":
                targets.append(_target(case, link, "pouchdb bytes / ours (both gzip) >= 2", r["bytes"], r["bytes"] >= 2))
            else:
                targets.append(_target(case, link, "pouchdb bytes / ours >= 3", r["bytes"], r["bytes"] >= 3))
    for case, codec in (("initial_sync", "zstd"), ("initial_sync_gzip", "gzip")):
        down = ours[case][links[0]]["bytes_down"]
        value = round(down / bounds[codec], 3)
        targets.append(_target(case, links[0], f"bytes down / bare records in one {codec} stream <= 1.2", value,
                               value <= 1.2))
    return ratios, targets


def table(results: dict, ratios: dict, links: tuple[str, ...]) -> str:
    head = f"{'case':19} {'link':5} {'system':9} {'requests':>8} {'bytes up':>11} {'bytes down':>12} {'seconds':>8}  {'x bytes':>7}"
    lines = [head, "-" * len(head)]
    for case in OUR_CASES:
        for link in links:
            for system in SYSTEMS:
                figures = (results.get(system) or {}).get("figures")
                if not figures or link not in figures.get(case, {}):
                    continue
                f = figures[case][link]
                mark = "*" if "scaled_to_all" in f else ""
                f = f.get("scaled_to_all", f)
                ratio = ratios.get(case, {}).get(link, {}).get("bytes") if system == "pouchdb" else None
                lines.append(f"{case:19} {link:5} {system + mark:9} {f['requests']:>8} {f['bytes_up']:>11,} "
                             f"{f['bytes_down']:>12,} {f['seconds']:>8.2f}  {(f'{ratio:.1f}x' if ratio else ''):>7}")
    return "\n".join(lines)


def _median_rounds(rounds: list[dict[str, Any]], link: str) -> dict[str, Any]:
    """Each system's round with the median initial-sync time on `link` (the first round
    when there is one), and every round's times beside it."""
    def seconds(done: dict, system: str) -> float | None:
        figures = (done.get(system) or {}).get("figures")
        return figures["initial_sync"][link]["seconds"] if figures else None

    out: dict[str, Any] = {}
    for system in SYSTEMS:
        ranked = sorted(rounds, key=lambda d: seconds(d, system) or 0.0)
        out[system] = dict(ranked[(len(ranked) - 1) // 2][system])
    out["fieldapp"]["checks"] = dict(out["fieldapp"].get("checks") or {}) | {"rounds": [
        {"order": "fieldapp first" if i % 2 == 0 else "pouchdb first", "load_average": d["load_average"],
         **{f"{system}_initial_sync_{link}_s": seconds(d, system) for system in SYSTEMS}}
        for i, d in enumerate(rounds)]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sync benchmark against PouchDB (writes bench/results/sync.json)")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-slow", action="store_true", help="skip the 256 kbit/s, 600 ms link")
    parser.add_argument("--pouch-slow-budget", type=float, default=600.0,
                        help="seconds allowed for PouchDB's slow initial sync before it is measured on fewer records")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run both systems this many times, in turns first; each system's median round is reported")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # a terminated run still stops its servers (the `finally` blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    links = ("fast",) if args.no_slow else LINKS
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    log(f"generating {args.records} practice records")
    rows = records(args.records, args.seed)
    raw = len(json.dumps(rows, default=str).encode())
    why_not = Pouch.missing()
    if why_not:
        print(f"PouchDB side skipped: {why_not}", flush=True)
    rounds: list[dict[str, Any]] = []
    for n in range(args.rounds):
        # Each round runs both systems, in turns first (the machine's load drifts: the
        # second to run was charged with it); the report keeps each system's median round.
        done: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="fieldapp-bench-sync-") as tmp:
            work = Path(tmp)
            for system in (SYSTEMS if n % 2 == 0 else SYSTEMS[::-1]):
                if system == "fieldapp":
                    done["fieldapp"] = run_ours(work, rows, links, log)
                elif why_not:
                    done["pouchdb"] = {"skipped": why_not}
                else:
                    done["pouchdb"] = run_pouch(work, rows, links, args.pouch_slow_budget, log)
                    done["pouchdb"]["versions"] = Pouch.versions()
                    done["pouchdb"]["settings"] = POUCH_DEFAULTS
        done["load_average"] = round(os.getloadavg()[0], 2)
        rounds.append(done)
    results = _median_rounds(rounds, links[0])
    bounds = lower_bounds(rows)
    ratios, targets = comparison(results, links, bounds)
    report = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "cpus": os.cpu_count(),
                    "fieldapp": __version__},
        "records": args.records, "record_json_bytes": raw, "seed": args.seed,
        "links": {"fast": "loopback through the counting proxy",
                  "slow": f"{SLOW['rate_bps'] // 1000} kbit/s each way, {SLOW['rtt_s'] * 1000:.0f} ms round trip "
                          "(300 ms each way, one round trip for each new connection's handshake)"},
        "measured": "HTTP requests parsed from the client-to-server stream; bytes of HTTP (lines, headers, "
                    "bodies) both ways at the proxy; not IP/TCP headers; our login (once per device) not counted",
        "cases": {case: {link: {s: (results.get(s) or {}).get("figures", {}).get(case, {}).get(link)
                                for s in SYSTEMS} for link in links} for case in OUR_CASES},
        "bare_records_one_stream_bytes": bounds,
        "codecs": {"fieldapp": f"zstd level {CompressResponses.ZSTD_LEVEL} (window 2^{CompressResponses.ZSTD_WINDOW_LOG}) "
                               "for pages over 32 KB, columnar pages; gzip 6 below",
                   "fieldapp gzip case": "gzip 6 (our client accepting gzip only), columnar pages",
                   "pouchdb": "gzip from pouchdb-server's compression(), request bodies plain; keep-alive agent"},
        "ratios_pouchdb_over_ours": ratios,
        "targets": targets,
        "all_targets_met": all(t["met"] is True for t in targets),
        "fieldapp": results["fieldapp"]["checks"],
        "pouchdb": {k: v for k, v in results["pouchdb"].items() if k != "figures"},
        "total_seconds": round(time.monotonic() - started, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(results, ratios, links))
    if any("scaled_to_all" in (f or {}) for f in (results.get("pouchdb") or {}).get("figures", {}).get("initial_sync", {}).values()):
        print("* measured on fewer records and scaled linearly (see notes in the JSON)")
    for t in targets:
        print(f"{'n/a ' if t['met'] is None else 'met ' if t['met'] else 'MISS'} {t['case']:19} {t['link']:5} {t['target']:27} {t['value']}")
    print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
