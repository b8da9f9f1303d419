"""Alembic environment of the server; always run through sync.server.db.migrate, which
hands over an open connection (SQLite or PostgreSQL alike)."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite",
                  version_table="alembic_version_server")
with context.begin_transaction():
    context.run_migrations()
