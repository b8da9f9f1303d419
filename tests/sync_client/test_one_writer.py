"""The store is the only writer of its tables (issue 16, item 1): nothing under
fieldapp/sync_client reaches the store's connection. Checked on the syntax tree, so a write
hidden inside a function or a method is found as well as one at the top of a module."""
import ast
from pathlib import Path

import fieldapp.sync_client

SYNCING = Path(fieldapp.sync_client.__file__).parent
# What a module needs to write the store's tables: their definitions, SQL statements, or
# the store's engine, connection or transaction.
FORBIDDEN_MODULES = ("fieldapp.core.tables", "fieldapp.core.search")
FORBIDDEN_SQL = {"insert", "update", "delete", "text"}
FORBIDDEN_ATTRIBUTES = {"engine", "transaction", "execute", "exec_driver_sql", "executemany", "begin"}
SERVER_SIDE = {"demo_service.py"}  # starts the demo service and reads the service's own database


def violations(source: str, name: str = "<test>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module in FORBIDDEN_MODULES:
                found.append(f"{name}:{node.lineno} imports {node.module}")
            if node.module.startswith("sqlalchemy") and {a.name for a in node.names} & FORBIDDEN_SQL:
                found.append(f"{name}:{node.lineno} imports SQL statements from {node.module}")
        elif isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno} imports {a.name}" for a in node.names if a.name in FORBIDDEN_MODULES]
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"{name}:{node.lineno} uses .{node.attr}")
    return found


def test_nothing_under_sync_client_writes_the_stores_tables():
    found = []
    for path in sorted(SYNCING.glob("*.py")):
        if path.name not in SERVER_SIDE:
            found += violations(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_check_finds_a_write_hidden_in_a_function():
    sneaky = (
        "from sqlalchemy import update\n"
        "def mark(store):\n"
        "    with store.transaction() as tx:\n"
        "        tx.conn.execute(update(T).values(x=1))\n"
    )
    found = violations(sneaky)
    assert any("SQL statements" in f for f in found) and any(".transaction" in f for f in found)
    assert any(".execute" in f for f in found)
    assert violations("from fieldapp.core.tables import TABLES\n") and violations("store.engine.connect()\n")
    assert violations("def f(store):\n    return store.take_batch(10)\n") == []
