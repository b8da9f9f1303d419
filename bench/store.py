"""Local store benchmark at demo scale (run by `make bench`).

Measures, on a fresh data folder filled by `fieldapp.core.demo.generate`:
- generation time and database size on disk;
- search latency (`Store.search`, 20 hits with snippets) over 50 varied queries in French,
  English and Spanish: accented and not, prefixes being typed, several words, names;
- single-record saves (`Store.update` and `Store.insert`), each its own committed
  transaction with outbox and search index, as the editor does on every field change.

Writes bench/results/store.json with the figures next to their targets and the machine
they were measured on. Usage: python bench/store.py [--scale 100000] [--seed 1]
[--data-dir DIR (kept)] [--repeat 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The project first: run as `python bench/x.py`, this folder leads sys.path and its sync.py
# would shadow the service package `sync` (which fieldapp.core.store imports: sync.wire).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fieldapp import __version__
from fieldapp.core import demo
from fieldapp.core.store import Store

RESULTS = Path(__file__).resolve().parent / "results" / "store.json"
TARGETS_MS = {"search_median": 30.0, "update_median": 5.0, "insert_median": 5.0}

# What people type: French, English and Spanish words, with and without accents, prefixes
# of a word still being typed, several words, place and person names, acronyms.
QUERIES = (
    # French
    "semis direct", "agroécologie", "agroecologique", "couvert végétal", "bassin arachidier",
    "régénération naturelle assistée", "regeneration naturelle", "zaï", "zai fume", "carbone organique du sol",
    "paillage", "karité", "demi-lunes", "coopérative agricole", "Ouédraogo", "Kaolack", "cacaoyer",
    # English
    "no-till", "cover crop", "soil organic carbon", "rotational grazing", "agroforestry", "compost",
    "Telangana", "ICRISAT", "pigeon pea", "farmer field schools", "terraces and grass strips", "biochar",
    "Hyderabad", "conservation agriculture", "water infiltration",
    # Spanish
    "siembra directa", "agroforestería con café", "agroforesteria cafe", "Huehuetenango", "materia orgánica",
    "pastoreo rotacional", "quinua", "González", "abono verde", "curvas de nivel", "Cooperativa agraria",
    # prefixes being typed, and very common words
    "agrofor", "régén", "Ouag", "semi", "mucu", "sol", "soil",
)
assert len(QUERIES) == 50, len(QUERIES)


def machine() -> dict:
    info = {
        "platform": platform.platform(), "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(), "fieldapp": __version__,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def db_size(store: Store) -> int:
    """Bytes on disk after a checkpoint (the WAL folded into the main file)."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in store.data_dir.glob("fieldapp.sqlite*"))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def time_search(store: Store, repeat: int) -> tuple[list[dict], list[float]]:
    """Each query once to warm the page cache, then `repeat` times; its median counts."""
    per_query = []
    for q in QUERIES:
        store.search(q, limit=20)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            hits = store.search(q, limit=20)
            times.append(time.perf_counter() - start)
        per_query.append({"query": q, "median_ms": ms(statistics.median(times)), "max_ms": ms(max(times)),
                          "hits": len(hits), "first": hits[0].title[:80] if hits else None})
    return per_query, [p["median_ms"] for p in per_query]


def time_saves(store: Store, n: int, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    ids = store.ids("practice", limit=20000)
    targets = rng.sample(ids, min(n, len(ids)))
    comments = ("Merci de préciser la densité apparente.", "Add the sampling depth.", "Agregue fotos de las parcelas.")
    updates = []
    for i, row_id in enumerate(targets):
        start = time.perf_counter()
        store.update("practice", row_id, {"review_comment": f"{comments[i % 3]} ({i})", "soc_impact": rng.randint(-1, 3)})
        updates.append(time.perf_counter() - start)
    fresh = demo.generate_rows(scale=n, seed=seed + 1000)["practice"]
    org = store.ids("organisation", limit=1)
    inserts = []
    for row in fresh[:n]:
        values = {k: v for k, v in row.items() if k != "id"} | {"organisation_id": org[0] if org else None}
        start = time.perf_counter()
        store.insert("practice", values)
        inserts.append(time.perf_counter() - start)
    return updates, inserts


def summary(values_ms: list[float]) -> dict:
    ordered = sorted(values_ms)
    return {"median_ms": round(statistics.median(ordered), 3), "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 3),
            "max_ms": round(ordered[-1], 3), "n": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    parser.add_argument("--saves", type=int, default=200, help="timed updates and inserts")
    parser.add_argument("--data-dir", type=Path, help="keep the generated store here (default: a temporary folder)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="free text stored with the results (e.g. machine load)")
    args = parser.parse_args(argv)

    info = machine()
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    if args.data_dir and args.data_dir.exists() and any(args.data_dir.iterdir()):
        parser.error(f"{args.data_dir} is not empty")
    try:
        start = time.perf_counter()
        store = Store(folder, author="bench")
        opened = time.perf_counter() - start
        start = time.perf_counter()
        counts = demo.generate(store, scale=args.scale, seed=args.seed,
                               progress=lambda e, d, t: print(f"  {e}: {d}/{t}", file=sys.stderr) if d == t else None)
        generation = time.perf_counter() - start
        size = db_size(store)
        print(f"generated {sum(counts.values())} rows in {generation:.1f} s, {size / 1e6:.1f} MB", file=sys.stderr)

        per_query, search_ms = time_search(store, args.repeat)
        updates, inserts = time_saves(store, args.saves, args.seed)
        check_start = time.perf_counter()
        problems = store.check()
        check_s = time.perf_counter() - check_start
        store.close()
    finally:
        if not args.data_dir:
            shutil.rmtree(folder, ignore_errors=True)

    search_summary = summary(search_ms)
    update_summary = summary([ms(t) for t in updates])
    insert_summary = summary([ms(t) for t in inserts])
    slow = sorted((p for p in per_query if p["median_ms"] > TARGETS_MS["search_median"]), key=lambda p: -p["median_ms"])
    if hasattr(os, "getloadavg"):
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "store", "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "scale": args.scale, "seed": args.seed, "rows": counts, "rows_total": sum(counts.values()),
        "store_open_s": round(opened, 3), "generation_s": round(generation, 2),
        "database_bytes": size, "database_mb": round(size / 1e6, 1),
        "search": search_summary | {"queries": len(QUERIES), "repeat": args.repeat, "limit": 20},
        "save_update": update_summary, "save_insert": insert_summary,
        "check_s": round(check_s, 2), "check_problems": problems,
        "targets_ms": TARGETS_MS,
        "met": {"search_median": search_summary["median_ms"] <= TARGETS_MS["search_median"],
                "update_median": update_summary["median_ms"] <= TARGETS_MS["update_median"],
                "insert_median": insert_summary["median_ms"] <= TARGETS_MS["insert_median"]},
        "slow_queries": [{"query": p["query"], "median_ms": p["median_ms"], "hits": p["hits"]} for p in slow],
        "per_query": per_query, "machine": info, "note": args.note,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("scale", "generation_s", "database_mb", "search", "save_update", "save_insert", "met")},
                     indent=2), file=sys.stderr)
    print(f"results written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
