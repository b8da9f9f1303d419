"""What encryption at rest costs: the same demo database plain and under SQLCipher,
measured in one run with bench/store.py's and bench/ui.py's own steps (target: encrypted
at most 20 % slower on each figure).

The encrypted copy is made from the plain one with `sqlcipher_export` (identical rows),
keyed from a passphrase (the slower path: scrypt at each start; a keyring start reads a
stored key instead). Store figures: search median over bench/store.py's 50 queries,
single-record update and insert medians. Window figures (fresh processes, offscreen):
start-up to the first screen painted, first opening of each list, search per keystroke.

Writes bench/results/encryption.json. Usage: python bench/encryption.py [--scale 20000]
[--runs 3] [--saves 100] [--rounds 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The project first: run as `python bench/x.py`, this folder leads sys.path and its sync.py
# would shadow the service package `sync` (which fieldapp.core.store imports: sync.wire).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import store as store_bench  # noqa: E402 (bench/store.py) (this folder is on the path)
import ui as ui_bench  # noqa: E402 (bench/ui.py)

from fieldapp.core import demo, encryption
from fieldapp.core.store import DB_NAME, Store

RESULTS = Path(__file__).resolve().parent / "results" / "encryption.json"
TARGET_RATIO = 1.20
PASSPHRASE = "bench passphrase, not a secret"


def _store_figures(folder: Path, repeat: int, saves: int, seed: int) -> dict:
    started = time.perf_counter()
    store = Store(folder, author="bench")
    opened = time.perf_counter() - started
    try:
        _per_query, search_ms = store_bench.time_search(store, repeat)
        updates, inserts = store_bench.time_saves(store, saves, seed)
    finally:
        store.close()
    return {"store_open_ms": store_bench.ms(opened), "search_median_ms": round(statistics.median(search_ms), 3),
            "update_median_ms": store_bench.summary([store_bench.ms(t) for t in updates])["median_ms"],
            "insert_median_ms": store_bench.summary([store_bench.ms(t) for t in inserts])["median_ms"]}


def _window_figures(folder: Path, runs: int) -> dict:
    config_dir = tempfile.mkdtemp(prefix="fieldapp-bench-conf-")
    ui_bench.startup_once(folder, config_dir)  # warm the file cache
    startups = [ui_bench.startup_once(folder, config_dir) for _ in range(runs)]
    children = [ui_bench.run_child(folder, config_dir) for _ in range(max(2, runs // 2))]
    opens = [max(c["list_open_ms"].values()) for c in children]
    keys = [v for c in children for v in c["search_keystroke_ms"]]
    return {"startup_median_s": round(statistics.median(startups), 3),
            "list_open_worst_ms": round(statistics.median(opens), 1),
            "search_keystroke_median_ms": round(statistics.median(keys), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; each figure is their median")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-enc-"))
    plain, sealed = work / "plain", work / "encrypted"
    os.environ[encryption.PASSPHRASE_ENV] = PASSPHRASE  # the window processes read it too
    try:
        with Store(plain, author="bench") as s:
            demo.generate(s, scale=args.scale, seed=args.seed)
        key, keep = encryption.new_key(sealed, PASSPHRASE)
        encryption.export_encrypted(plain / DB_NAME, sealed / DB_NAME, key)
        keep()
        # Rounds alternate the order (plain first, then encrypted first, ...) and each figure
        # is the median over rounds: on a shared machine the load drifts, and measuring one
        # side entirely after the other charged the drift to whichever came second.
        rounds: dict[str, list[dict]] = {"plain": [], "encrypted": []}
        sides = [("plain", plain), ("encrypted", sealed)]
        for r in range(args.rounds):
            for name, folder in sides if r % 2 == 0 else sides[::-1]:
                print(f"round {r + 1}: measuring the {name} store and window", file=sys.stderr)
                rounds[name].append(_store_figures(folder, args.repeat, args.saves, args.seed + r)
                                    | _window_figures(folder, args.runs))
        figures = {name: {k: round(statistics.median(f[k] for f in runs), 3) for k in runs[0]}
                   for name, runs in rounds.items()}
        sizes = {name: sum(p.stat().st_size for p in folder.glob(DB_NAME + "*")) for name, folder in
                 (("plain", plain), ("encrypted", sealed))}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios = {k: round(figures["encrypted"][k] / figures["plain"][k], 3) for k in figures["plain"]
              if figures["plain"][k]}
    result = {
        "benchmark": "encryption", "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "scale": args.scale, "figures": figures, "ratio_encrypted_to_plain": ratios,
        "target_ratio": TARGET_RATIO,
        "met": {k: v <= TARGET_RATIO for k, v in ratios.items()},
        "rounds": args.rounds, "database_bytes": sizes, "machine": store_bench.machine(),
        "note": "store_open_ms includes the scrypt passphrase derivation (~0.1 s); a keyring start skips it",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("figures", "ratio_encrypted_to_plain", "met")}, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
