"""Translations as ordinary fields: one column per translatable field and UN language
(`title_es`...), a "Written in" language on projects and meetings, the old practice
`translations` documents moved into them (unsent edits included), the search index
rebuilt so a record is found by any of its languages.

Revision ID: 0005
"""
from alembic import op

from fieldapp.core import legacy_translations, search
from fieldapp.core.reconcile import reconcile
from fieldapp.core.tables import METADATA, TABLES

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    reconcile(conn, METADATA)
    legacy_translations.move_rows(conn, TABLES["practice"], ("field_versions", "field_clocks"))
    legacy_translations.move_outbox(conn, TABLES["outbox"])
    search.rebuild(conn)


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
