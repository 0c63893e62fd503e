"""forwardings to departments, their statements and questions

Revision ID: 0003_departments
Revises: 0002
Create Date: 2026-11-21 08:10:37

Two new tables and two new columns on `departments`. The columns are added with plain
ALTER TABLE ... ADD COLUMN, not in a batch: rebuilding `departments` on SQLite would drop
the old table, and `users.department_id` (ON DELETE SET NULL) would lose every member.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0003_departments"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade():
    op.add_column(
        "departments",
        sa.Column("may_publish_replies", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("departments", sa.Column("overdue_reminded_on", sa.Date(), nullable=True))

    op.create_table(
        "forwardings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "answered",
                "returned",
                name="forwarding_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "recommendation",
            sa.Enum(
                "adopt",
                "adopt_in_part",
                "do_not_adopt",
                "already_planned",
                "not_responsible",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", participation.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", participation.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(state = 'open') = (answered_at IS NULL)",
            name=op.f("ck_forwardings_answered_when_not_open"),
        ),
        sa.CheckConstraint(
            "(state = 'open') = (recommendation IS NULL)",
            name=op.f("ck_forwardings_recommendation_when_answered"),
        ),
        sa.CheckConstraint(
            "(state = 'returned') = (recommendation = 'not_responsible') OR recommendation IS NULL",
            name=op.f("ck_forwardings_returned_means_not_responsible"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_forwardings_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_forwardings_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_forwardings_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_forwardings_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forwardings")),
    )
    op.create_index(
        op.f("ix_forwardings_contribution_id"), "forwardings", ["contribution_id"], unique=False
    )
    op.create_index(
        "ix_forwardings_department_state",
        "forwardings",
        ["department_id", "state", "due_on", "id"],
        unique=False,
    )
    op.create_index(
        "ix_forwardings_state_due", "forwardings", ["state", "due_on", "id"], unique=False
    )
    op.create_index(
        "uq_forwardings_open",
        "forwardings",
        ["contribution_id", "department_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )

    op.create_table(
        "forwarding_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forwarding_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("from_office", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_forwarding_messages_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["forwarding_id"],
            ["forwardings.id"],
            name=op.f("fk_forwarding_messages_forwarding_id_forwardings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forwarding_messages")),
    )
    op.create_index(
        op.f("ix_forwarding_messages_forwarding_id"),
        "forwarding_messages",
        ["forwarding_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_forwarding_messages_forwarding_id"), table_name="forwarding_messages")
    op.drop_table("forwarding_messages")
    op.drop_index("uq_forwardings_open", table_name="forwardings")
    op.drop_index("ix_forwardings_state_due", table_name="forwardings")
    op.drop_index("ix_forwardings_department_state", table_name="forwardings")
    op.drop_index(op.f("ix_forwardings_contribution_id"), table_name="forwardings")
    op.drop_table("forwardings")
    # SQLite 3.35+ drops a column without rebuilding the table (see the module docstring).
    op.drop_column("departments", "overdue_reminded_on")
    op.drop_column("departments", "may_publish_replies")
