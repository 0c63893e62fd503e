"""forwardings withdrawn by the office

Revision ID: 0014_forwarding_withdrawal
Revises: 0013_roadmap
Create Date: 2026-11-21 11:00:00

A fourth state, `withdrawn`, with who withdrew it, when and why. The CHECK constraints that
tied "not open" to "answered" now name the answered states; SQLite rebuilds the table for
that (batch mode), which migrations/env.py runs with foreign keys off so that the questions
on each forwarding stay.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0014_forwarding_withdrawal"
down_revision = "0013_roadmap"
branch_labels = None
depends_on = None

OLD_STATES = ("open", "answered", "returned")
NEW_STATES = (*OLD_STATES, "withdrawn")
ANSWERED = "state IN ('answered', 'returned')"


def _states(values) -> str:
    return "state IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade():
    with op.batch_alter_table("forwardings", recreate="auto") as batch_op:
        batch_op.add_column(
            sa.Column(
                "withdrawn_at", participation.database.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_forwardings_withdrawn_by_id_users"),
            "users",
            ["withdrawn_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint(batch_op.f("ck_forwardings_forwarding_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_forwarding_state"), sa.text(_states(NEW_STATES))
        )
        batch_op.drop_constraint(batch_op.f("ck_forwardings_answered_when_not_open"), "check")
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_answered_when_not_open"),
            sa.text(f"({ANSWERED}) = (answered_at IS NOT NULL)"),
        )
        batch_op.drop_constraint(
            batch_op.f("ck_forwardings_recommendation_when_answered"), type_="check"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_recommendation_when_answered"),
            sa.text(f"({ANSWERED}) = (recommendation IS NOT NULL)"),
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_withdrawn_when_withdrawn"),
            sa.text("(state = 'withdrawn') = (withdrawn_at IS NOT NULL)"),
        )


def downgrade():
    # A withdrawn forwarding has no place in the old states: it is removed with its questions.
    op.execute("DELETE FROM forwardings WHERE state = 'withdrawn'")
    with op.batch_alter_table("forwardings", recreate="auto") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_forwardings_withdrawn_when_withdrawn"), "check")
        batch_op.drop_constraint(
            batch_op.f("ck_forwardings_recommendation_when_answered"), type_="check"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_recommendation_when_answered"),
            sa.text("(state = 'open') = (recommendation IS NULL)"),
        )
        batch_op.drop_constraint(batch_op.f("ck_forwardings_answered_when_not_open"), "check")
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_answered_when_not_open"),
            sa.text("(state = 'open') = (answered_at IS NULL)"),
        )
        batch_op.drop_constraint(batch_op.f("ck_forwardings_forwarding_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_forwardings_forwarding_state"), sa.text(_states(OLD_STATES))
        )
        batch_op.drop_constraint(
            batch_op.f("fk_forwardings_withdrawn_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
