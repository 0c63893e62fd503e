"""council papers linked to strategies, OParl import (issue 7)

Revision ID: 0008_council_papers
Revises: 0007_two_factor
Create Date: 2026-11-21 10:45:00

Two new tables: a strategy's council paper (at most one) and the consultations of the
paper in committees and the council. Existing strategies simply have no paper.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0008_council_papers"
down_revision = "0007_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "council_papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("oparl_url", sa.String(length=500), nullable=False),
        sa.Column("imported_at", participation.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_council_papers_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_papers")),
        sa.UniqueConstraint("strategy_id", name=op.f("uq_council_papers_strategy_id")),
    )
    op.create_table(
        "council_consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("committee", sa.String(length=200), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["council_papers.id"],
            name=op.f("fk_council_consultations_paper_id_council_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_consultations")),
    )
    with op.batch_alter_table("council_consultations") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_consultations_paper_id"), ["paper_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("council_consultations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_consultations_paper_id"))
    op.drop_table("council_consultations")
    op.drop_table("council_papers")
