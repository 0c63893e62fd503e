"""the mail outbox

Revision ID: 0004_outbox
Revises: 0003_departments
Create Date: 2026-11-21 08:12:53

Every e-mail becomes a row written in the transaction of the change that causes it; the
application and the worker (`flask outbox work`) send it from there. A new table only: no
stored data changes.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0004_outbox"
down_revision = "0003_departments"
branch_labels = None
depends_on = None


def upgrade():
    utc = participation.database.UTCDateTime(timezone=True)
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", utc, nullable=False),
        sa.Column("claimed_until", utc, nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("sent_at", utc, nullable=True),
        sa.Column("failed_at", utc, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id")),
    )
    op.create_index(
        "ix_outbox_messages_due",
        "outbox_messages",
        ["sent_at", "failed_at", "next_attempt_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
