"""Translations as ordinary fields (`title_es`...) and a "Written in" language on
projects and meetings; the old practice `translations` documents moved into them with
the version, clock, author and device of the old field, as every client's own
revision 0005 does, so replicas agree without a sync and a new client's first sync
gets them.

Revision ID: s0004
"""
from alembic import op

from fieldapp.core import legacy_translations
from fieldapp.core.reconcile import reconcile
from sync.server.tables import METADATA, TABLES

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    reconcile(conn, METADATA)
    legacy_translations.move_rows(conn, TABLES["practice"], ("field_versions", "field_clocks", "field_authors", "field_devices"))


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
