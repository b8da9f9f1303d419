"""The search index merges its segments eight at a time and holds up to 16 MiB of new
terms before writing them (core/search.py, MERGE_SETTINGS): an initial sync's pages are
indexed in fewer, larger segments. Settings only; the index is not rebuilt.

Revision ID: 0006
"""
from alembic import op

from fieldapp.core import search

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    search.tune(op.get_bind())


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
