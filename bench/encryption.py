"""What encryption at rest costs: the same demo database plain and under SQLCipher,
measured in one run with bench/store.py's and bench/ui.py's own steps (target: encrypted
at most 20 % slower on each figure).

Three copies of identical rows (`sqlcipher_export`): plain; encrypted with its key in a
keyring (the desktop path: `file_keyring.py` stands in for the OS keyring, here and in the
window processes); encrypted with a key derived from a passphrase (scrypt at each start,
as on a computer without a keyring; `FIELDAPP_DB_PASSPHRASE` types it).

Store figures are measured in one process with the plain and the keyring stores open side
by side, each operation run on both in turn (the first alternating): on a shared machine
the load drifts within a second, and rounds of one side then the other charged it to one.
They are: store open (keyring and passphrase), search median over bench/store.py's 50
queries, single-record update and insert medians. `library` repeats the saves on a plain
copy opened with sqlcipher3 without a key: SQLCipher's own SQLite build, no encryption,
telling the build's cost from the pages' encryption. Window figures (fresh processes,
offscreen, in alternating rounds): start-up to the first screen painted, for the keyring
and the passphrase starts; first opening of each list and search per keystroke (keyring).

Writes bench/results/encryption.json. Usage: python bench/encryption.py [--scale 20000]
[--runs 3] [--saves 100] [--rounds 3]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

# The project first: run as `python bench/x.py`, this folder leads sys.path and its sync.py
# would shadow the service package `sync` (which fieldapp.core.store imports: sync.wire).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import file_keyring  # noqa: E402 (bench/file_keyring.py)
import store as store_bench  # noqa: E402 (bench/store.py) (this folder is on the path)
import ui as ui_bench  # noqa: E402 (bench/ui.py)

from fieldapp.core import demo, encryption
from fieldapp.core.store import DB_NAME, Store

RESULTS = Path(__file__).resolve().parent / "results" / "encryption.json"
TARGET_RATIO = 1.20
PASSPHRASE = "bench passphrase, not a secret"


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def _timed(act: Callable[[], object]) -> float:
    started = time.perf_counter()
    act()
    return time.perf_counter() - started


def _open_ms(folders: dict[str, Path], repeat: int) -> dict[str, float]:
    """Store() to ready, each side in turn, after one untimed open each (the first in a
    process imports sqlcipher3 and keyring); the passphrase side includes scrypt."""
    times: dict[str, list[float]] = {name: [] for name in folders}
    for folder in folders.values():
        Store(folder, author="bench").close()
    for r in range(repeat):
        for name, folder in (list(folders.items()) if r % 2 == 0 else list(folders.items())[::-1]):
            store: list[Store] = []
            times[name].append(_timed(lambda f=folder: store.append(Store(f, author="bench"))))
            store[0].close()
    return {name: _median_ms(t) for name, t in times.items()}


def _interleaved(stores: dict[str, Store], repeat: int, saves: int, seed: int) -> dict[str, dict[str, float]]:
    """Search, update and insert medians, each operation run on every store in turn."""
    import random

    names = list(stores)
    search: dict[str, list[float]] = {n: [] for n in names}
    updates: dict[str, list[float]] = {n: [] for n in names}
    inserts: dict[str, list[float]] = {n: [] for n in names}
    turn = 0

    def each() -> list[str]:
        nonlocal turn
        turn += 1
        return names if turn % 2 else names[::-1]

    for q in store_bench.QUERIES:
        for n in names:
            stores[n].search(q, limit=20)  # warm, as bench/store.py does
        per: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(repeat):
            for n in each():
                per[n].append(_timed(lambda s=stores[n]: s.search(q, limit=20)))
        for n in names:
            search[n].append(statistics.median(per[n]))
    first = stores[names[0]]
    rng = random.Random(seed)
    targets = rng.sample(first.ids("practice", limit=20000), saves)
    comments = ("Merci de préciser la densité apparente.", "Add the sampling depth.", "Agregue fotos de las parcelas.")
    for i, row_id in enumerate(targets):
        change = {"review_comment": f"{comments[i % 3]} ({i})", "soc_impact": rng.randint(-1, 3)}
        for n in each():
            updates[n].append(_timed(lambda s=stores[n]: s.update("practice", row_id, change)))
    org = first.ids("organisation", limit=1)
    for row in demo.generate_rows(scale=saves, seed=seed + 1000)["practice"][:saves]:
        values = {k: v for k, v in row.items() if k != "id"} | {"organisation_id": org[0] if org else None}
        row_id = str(uuid.uuid4())  # the same in every store: the next round's updates may pick it
        for n in each():
            inserts[n].append(_timed(lambda s=stores[n]: s.insert("practice", values, row_id=row_id)))
    return {n: {"search_median_ms": _median_ms(search[n]), "update_median_ms": _median_ms(updates[n]),
                "insert_median_ms": _median_ms(inserts[n])} for n in names}


@contextlib.contextmanager
def _sqlcipher_without_key() -> Iterator[None]:
    """Stores opened meanwhile on a plain file use sqlcipher3's SQLite, no key."""
    import sqlcipher3
    from sqlalchemy import create_engine, event

    real = encryption.open_engine
    def plain_through_sqlcipher(path: Path, key: object, *, on_connect=None):  # noqa: ANN001, ANN202
        engine = create_engine(f"sqlite:///{path}", module=sqlcipher3.dbapi2)
        event.listen(engine, "connect", on_connect)
        return engine

    encryption.open_engine = plain_through_sqlcipher
    try:
        yield
    finally:
        encryption.open_engine = real


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _window_figures(folder: Path, runs: int, children: bool) -> dict:
    """Start-up wall time, and the CPU time the window process used (user + system, to its
    exit): on a shared machine the wall time carries other people's load, the CPU less so."""
    config_dir = tempfile.mkdtemp(prefix="fieldapp-bench-conf-")
    ui_bench.startup_once(folder, config_dir)  # warm the file cache
    walls, cpus = [], []
    for _ in range(runs):
        before = _children_cpu_s()
        walls.append(ui_bench.startup_once(folder, config_dir))
        cpus.append(_children_cpu_s() - before)
    figures = {"startup_median_s": round(statistics.median(walls), 3),
               "startup_cpu_median_s": round(statistics.median(cpus), 3)}
    if children:
        runs_ = [ui_bench.run_child(folder, config_dir) for _ in range(max(2, runs // 2))]
        figures["list_open_worst_ms"] = round(statistics.median(max(c["list_open_ms"].values()) for c in runs_), 1)
        figures["search_keystroke_median_ms"] = round(statistics.median(
            v for c in runs_ for v in c["search_keystroke_ms"]), 1)
    return figures


def _prepare(work: Path, scale: int, seed: int) -> dict[str, Path]:
    folders = {"plain": work / "plain", "keyring": work / "keyring", "passphrase": work / "passphrase",
               "library": work / "library"}
    with Store(folders["plain"], author="bench") as s:
        demo.generate(s, scale=scale, seed=seed)
    for name in ("keyring", "passphrase"):
        key, keep = encryption.new_key(folders[name], PASSPHRASE if name == "passphrase" else None)
        encryption.export_encrypted(folders["plain"] / DB_NAME, folders[name] / DB_NAME, key)
        keep()
    assert encryption.read_marker(folders["keyring"])["backend"] == file_keyring.BACKEND
    folders["library"].mkdir()
    shutil.copy(folders["plain"] / DB_NAME, folders["library"] / DB_NAME)
    return folders


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
    os.environ[encryption.PASSPHRASE_ENV] = PASSPHRASE  # the window processes read it too
    os.environ["PYTHON_KEYRING_BACKEND"] = file_keyring.BACKEND  # this process and the windows
    os.environ[file_keyring.PATH_ENV] = str(work / "keyring.json")
    os.environ.pop("FIELDAPP_TOKEN_FILE", None)
    load = [[round(x, 2) for x in os.getloadavg()]]
    try:
        folders = _prepare(work, args.scale, args.seed)
        rounds: dict[str, list[dict]] = {"plain": [], "keyring": [], "passphrase": [], "library": []}
        for r in range(args.rounds):
            print(f"round {r + 1}: store figures", file=sys.stderr)
            opened = _open_ms({n: folders[n] for n in ("plain", "keyring", "passphrase")}, 7)
            stores = {n: Store(folders[n], author="bench") for n in ("plain", "keyring")}
            with _sqlcipher_without_key():
                stores["library"] = Store(folders["library"], author="bench")
            try:
                figures = _interleaved(stores, args.repeat, args.saves, args.seed + r)
            finally:
                for s in stores.values():
                    s.close()
            sides = ("plain", "keyring", "passphrase")
            for name in sides if r % 2 == 0 else sides[::-1]:
                print(f"round {r + 1}: the {name} window", file=sys.stderr)
                rounds[name].append({"store_open_ms": opened[name]} | figures.get(name, {})
                                    | _window_figures(folders[name], args.runs, children=name != "passphrase"))
            rounds["library"].append({k: figures["library"][k] for k in ("update_median_ms", "insert_median_ms")})
            load.append([round(x, 2) for x in os.getloadavg()])
        result_figures = {name: {k: round(statistics.median(f[k] for f in runs), 3) for k in runs[0]}
                          for name, runs in rounds.items()}
        sizes = {name: sum(p.stat().st_size for p in folders[name].glob(DB_NAME + "*")) for name in ("plain", "keyring")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    plain = result_figures["plain"]
    ratios = {side: {k: round(v / plain[k], 3) for k, v in result_figures[side].items() if plain.get(k)}
              for side in ("keyring", "passphrase", "library")}
    result = {
        "benchmark": "encryption", "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "scale": args.scale, "figures": result_figures, "ratio_to_plain": ratios,
        "target_ratio": TARGET_RATIO,
        "met": {side: {k: v <= TARGET_RATIO for k, v in ratios[side].items()} for side in ("keyring", "passphrase")},
        "rounds": args.rounds, "database_bytes": sizes, "machine": store_bench.machine(),
        "load_average_per_round": load,
        "note": ("keyring: the key read from a keyring (a file here, bench/file_keyring.py); passphrase: scrypt "
                 "(N=2^15, ~0.1 s) at each open; library: plain file through sqlcipher3 without a key "
                 "(SQLCipher's SQLite build, no encryption)"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("figures", "ratio_to_plain", "met", "load_average_per_round")}, indent=2),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
