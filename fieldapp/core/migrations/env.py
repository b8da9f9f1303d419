"""Alembic environment of the local store; always run through fieldapp.core.migrate,
which hands over an open connection."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
