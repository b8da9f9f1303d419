"""Full-text search over practices, organisations, contacts and meetings (SQLite FTS5).

One FTS5 table holds a document per searchable row: its title fields and its body
fields. `remove_diacritics 2` folds accents, so "agroecologie" finds "agroécologie".
Translations are fields like any other (`title_es` feeds the title part, `summary_es`
the body), so a record is found by any of its languages and named in the reader's.
bm25 weights the title ten times the body so a title hit ranks first. The store keeps
the index current inside the same transaction as every write.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, text

from fieldapp.core import translations
from fieldapp.core.fieldspec import Entity
from fieldapp.core.schema import BY_NAME, SEARCHED

SEARCHED_NAMES = tuple(e.name for e in SEARCHED)
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
SNIPPET_TOKENS = 12

DDL = (
    "CREATE TABLE IF NOT EXISTS search_doc ("
    " docid INTEGER PRIMARY KEY, entity TEXT NOT NULL, row_id TEXT NOT NULL, UNIQUE (row_id, entity))",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    " title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')",
)


# How the index is written (FTS5's own settings, kept in search_fts_config). FTS5 writes
# each transaction's terms as a new segment, flushing early once 1 MiB of them is held,
# and merges four segments of a level as soon as they exist. With the prefix indexes a
# keystroke search needs, an initial sync page of 2 000 practices spilled a dozen
# segments, then merged them again and again. Holding up to 16 MiB (only inside such a
# page: a single save holds a few KB) and merging eight at a time took the index's share
# of a 10 000-practice sync from 2.2 s to 1.6 s and of 100 000 from 25 s to 18 s, with
# keystroke queries at 100 000 unchanged within noise (up to 7 segments per level, not 3).
MERGE_SETTINGS = {"automerge": 8, "hashsize": 16 * 1024 * 1024}


@dataclass(frozen=True)
class Hit:
    entity: str
    row_id: str
    title: str  # in the reader's language when the record has it
    snippet: str
    rank: float
    title_language: str | None = None  # set when the title is shown as written, in another language


def create(conn: Connection) -> None:
    for stmt in DDL:
        conn.exec_driver_sql(stmt)
    tune(conn)


def tune(conn: Connection) -> None:
    """Apply MERGE_SETTINGS to the index (new databases, and older ones by migration 0006)."""
    for name, value in MERGE_SETTINGS.items():
        conn.execute(text("INSERT INTO search_fts (search_fts, rank) VALUES (:n, :v)"), {"n": name, "v": value})


# Letters that are not "a letter plus a diacritic" in Unicode, so unicode61 keeps them;
# people type them without the stroke all the same ("Soren" for "Søren").
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss",
                       "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
                       "ı": "i", "ħ": "h", "Ħ": "H"})


_FOLDED = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")


def fold(value: str) -> str:
    # Most text has none of these letters: a search in C first, the per-character table
    # walk only when one is there (an initial sync folds thousands of descriptions)
    return value.translate(_FOLD) if _FOLDED.search(value) else value


def document(e: Entity, row: Mapping[str, Any]) -> tuple[str, str]:
    title = " ".join(str(row[f.name]) for f in e.search_fields("title") if row.get(f.name))
    body = " ".join(str(row[f.name]) for f in e.search_fields("body") if row.get(f.name))
    return fold(title), fold(body)


def index_row(conn: Connection, e: Entity, row: Mapping[str, Any]) -> None:
    """Add, replace or (for a tombstone) drop the document of one row."""
    if e.name not in SEARCHED_NAMES:
        return
    docid = conn.execute(
        text("SELECT docid FROM search_doc WHERE row_id = :r AND entity = :e"), {"r": row["id"], "e": e.name}
    ).scalar()
    if row.get("deleted"):
        if docid is not None:
            conn.execute(text("DELETE FROM search_fts WHERE rowid = :d"), {"d": docid})
            conn.execute(text("DELETE FROM search_doc WHERE docid = :d"), {"d": docid})
        return
    title, body = document(e, row)
    if docid is None:
        docid = conn.execute(
            text("INSERT INTO search_doc (entity, row_id) VALUES (:e, :r) RETURNING docid"),
            {"e": e.name, "r": row["id"]},
        ).scalar()
    else:
        conn.execute(text("DELETE FROM search_fts WHERE rowid = :d"), {"d": docid})
    conn.execute(text("INSERT INTO search_fts (rowid, title, body) VALUES (:d, :t, :b)"), {"d": docid, "t": title, "b": body})


def index_many(conn: Connection, e: Entity, rows: Iterable[Mapping[Any, Any]]) -> None:
    """Bulk path for fresh rows (demo data, initial sync, rebuild): no lookups."""
    if e.name not in SEARCHED_NAMES:
        return
    index_documents(conn, e.name, [(r["id"], *document(e, r)) for r in rows if not r.get("deleted")])


def documents_of_columns(e: Entity, columns: Mapping[str, list[Any]], live: list[bool]) -> list[tuple[str, str, str]]:
    """(row id, title, body) of the live rows of a columnar block (`columns`: a list per
    field, and "id"), as `document` makes them row by row: the page apply builds an
    initial sync's documents a column at a time instead of a dict per row first."""
    n = len(columns["id"])
    none = [None] * n

    def part(name: str) -> list[str]:
        cols = [columns.get(f.name, none) for f in e.search_fields(name)]
        return [" ".join(str(v) for v in values if v) for values in zip(*cols)] if cols else [""] * n

    return [(row_id, fold(t), fold(b)) for row_id, t, b, keep in zip(columns["id"], part("title"), part("body"), live) if keep]


def index_documents(conn: Connection, entity_name: str, docs: list[tuple[str, str, str]]) -> None:
    """Index new documents (row id, folded title, folded body) of rows without one yet."""
    if not docs:
        return
    raw = conn.connection.driver_connection
    assert raw is not None  # an open connection always has its driver's
    start = (raw.execute("SELECT coalesce(max(docid), 0) FROM search_doc").fetchone()[0]) + 1
    raw.executemany(
        "INSERT INTO search_doc (docid, entity, row_id) VALUES (?, ?, ?)",
        [(start + i, entity_name, d[0]) for i, d in enumerate(docs)],
    )
    raw.executemany(
        "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
        [(start + i, d[1], d[2]) for i, d in enumerate(docs)],
    )


def rebuild(conn: Connection) -> int:
    """Drop and refill the whole index from the entity tables; returns documents indexed."""
    conn.exec_driver_sql("DELETE FROM search_fts")
    conn.exec_driver_sql("DELETE FROM search_doc")
    total = 0
    for e in SEARCHED:
        cols = ["id", "deleted"] + [f.name for f in e.fields if f.search]
        rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {e.name} WHERE NOT deleted")).mappings().all()
        index_many(conn, e, rows)
        total += len(rows)
    return total


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(user_text: str, *, prefix: bool = True) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, the last
    one as a prefix while it is being typed (not when followed by a space, nor when it is
    a single letter, which would expand to most of the vocabulary). Operators and quotes
    typed by the user are plain text, never FTS syntax."""
    words = _TOKEN.findall(fold(user_text))
    if not words:
        return None
    parts = [f'"{w}"' for w in words]
    if prefix and user_text[-1:].isalnum() and len(words[-1]) > 1:
        parts[-1] += "*"
    return " ".join(parts)


# A query matching most of the database (a two-letter prefix) would rank every match;
# rank at most this many candidates from the title column and as many from anywhere,
# so title hits are never crowded out and a keystroke stays fast at 100 000 records.
CANDIDATES = 1000


def search(
    conn: Connection, user_text: str, *, entities: Iterable[str] | None = None, limit: int = 20, offset: int = 0,
    lang: str | None = None,
) -> list[Hit]:
    """Ranked hits for what a person typed; titles in `lang` (default: the interface's)."""
    query = fts_query(user_text)
    if query is None:
        return []
    wanted = tuple(entities) if entities else SEARCHED_NAMES
    unknown = set(wanted) - set(SEARCHED_NAMES)
    if unknown:
        raise KeyError(f"not searchable: {', '.join(sorted(unknown))}")
    params: dict[str, Any] = {f"e{i}": n for i, n in enumerate(wanted)}
    entity_filter = ""
    if set(wanted) != set(SEARCHED_NAMES):
        marks = ", ".join(f":e{i}" for i in range(len(wanted)))
        entity_filter = f"JOIN search_doc w ON w.docid = c.docid AND w.entity IN ({marks})"
    score = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
    sql = f"""
        WITH cand AS (
            SELECT * FROM (SELECT rowid AS docid, {score} AS score FROM search_fts
                           WHERE search_fts MATCH :qt LIMIT :cap)
            UNION ALL
            SELECT * FROM (SELECT rowid AS docid, {score} AS score FROM search_fts
                           WHERE search_fts MATCH :q LIMIT :cap)
        ), top AS (
            SELECT c.docid, min(c.score) AS score FROM cand c {entity_filter}
            GROUP BY c.docid ORDER BY score LIMIT :lim OFFSET :off
        )
        SELECT d.entity, d.row_id, f.title, f.body, top.score
        FROM top JOIN search_doc d ON d.docid = top.docid
        JOIN search_fts f ON f.rowid = top.docid
        ORDER BY top.score
    """
    params.update(q=query, qt=f"title : ({query})", cap=CANDIDATES, lim=limit, off=offset)
    rows = conn.execute(text(sql), params).all()
    titles = _real_titles(conn, [(r[0], r[1]) for r in rows], lang)
    words = [w.lower() for w in _TOKEN.findall(fold(user_text))]
    last_is_prefix = query.endswith("*")
    return [Hit(r[0], r[1], titles.get(r[1], (r[2], None))[0], snippet(r[3] or "", words, last_is_prefix), r[4],
                titles.get(r[1], (r[2], None))[1]) for r in rows]


def _plain(word: str) -> str:
    """Lower case without diacritics: how unicode61 with remove_diacritics sees a word."""
    decomposed = unicodedata.normalize("NFKD", fold(word).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def snippet(body: str, words: list[str], last_is_prefix: bool, tokens: int = SNIPPET_TOKENS) -> str:
    """The window of the body holding the most query words, matches in [brackets].
    Built here rather than with FTS5's snippet(), which would run the query again for
    every hit (costly for a long prefix with no prefix index)."""
    if not body:
        return ""
    wanted = [_plain(w) for w in words]
    spans = [(m.start(), m.end(), _plain(m.group())) for m in _TOKEN.finditer(body)]

    def hit(token: str) -> bool:
        return any(token == w or (last_is_prefix and i == len(wanted) - 1 and token.startswith(w))
                   for i, w in enumerate(wanted))

    matches = [i for i, (_s, _e, t) in enumerate(spans) if hit(t)]
    if not matches:
        return ""

    def window(i: int) -> tuple[int, int]:
        lo = max(0, i - tokens // 3)
        return lo, min(len(spans), lo + tokens)

    def score(i: int) -> int:  # distinct query words inside the window (as FTS5's snippet favours)
        lo, hi = window(i)
        return len({spans[j][2] for j in matches if lo <= j < hi})

    lo, hi = window(max(matches, key=lambda i: (score(i), -i)))
    out, pos = [], spans[lo][0]
    for s, e, t in spans[lo:hi]:
        out.append(body[pos:s])
        out.append(f"[{body[s:e]}]" if hit(t) else body[s:e])
        pos = e
    text_ = "".join(out).strip()
    return ("…" if lo > 0 else "") + text_ + ("…" if hi < len(spans) else "")


def _real_titles(conn: Connection, hits: list[tuple[str, str]], lang: str | None) -> dict[str, tuple[str, str | None]]:
    """The index holds folded text ("oeuvre" for "œuvre"); show people the title as typed,
    in their language when the record has it (else as written, with its language)."""
    out: dict[str, tuple[str, str | None]] = {}
    by_entity: dict[str, list[str]] = {}
    for name, row_id in hits:
        by_entity.setdefault(name, []).append(row_id)
    for name, ids in by_entity.items():
        e = BY_NAME[name]
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        params = {f"i{n}": v for n, v in enumerate(ids)}
        if e.translated:
            cols = [e.title, e.language_field, *(f.name for f in e.fields if f.translation_of == e.title)]
            sql = f"SELECT id, {', '.join(cols)} FROM {name} WHERE id IN ({marks})"
            for row in conn.execute(text(sql), params).mappings():
                reading = translations.title_of(e, dict(row), lang)
                out[row["id"]] = (str(reading.text or ""), reading.language if reading.fallback else None)
            continue
        cols = [f.name for f in e.search_fields("title")]
        sql = f"SELECT id, {', '.join(cols)} FROM {name} WHERE id IN ({marks})"
        for values in conn.execute(text(sql), params):
            out[values[0]] = (" ".join(str(v) for v in values[1:] if v), None)
    return out
