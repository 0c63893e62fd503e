"""account deletion: users.deleted_at

Revision ID: 0006_account_deletion
Revises: 0005_notifications
Create Date: 2026-11-21 09:20:00

A deleted account stays as a row (a tombstone) with its personal fields erased, so that its
contributions, the replies below them and the event log keep their references. One nullable
column is added; no stored data changes. (Added without rebuilding the table: on SQLite a
rebuild would drop `users`, and with foreign keys on that would cascade.)
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0006_account_deletion"
down_revision = "0005_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users",
        sa.Column("deleted_at", participation.database.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_column("users", "deleted_at")
