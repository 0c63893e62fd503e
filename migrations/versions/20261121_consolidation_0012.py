"""consolidation ratings and selections (issue 8)

Revision ID: 0012_consolidation
Revises: 0011_channels_workshops
Create Date: 2026-11-21 10:45:00

Three new tables: the committee's ratings of ideas, the rating round of a strategy and the
office's selections. Nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0012_consolidation"
down_revision = "0011_channels_workshops"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idea_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=False),
        sa.Column("feasibility", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "relevance BETWEEN 1 AND 5", name=op.f("ck_idea_ratings_relevance_range")
        ),
        sa.CheckConstraint(
            "feasibility BETWEEN 1 AND 5", name=op.f("ck_idea_ratings_feasibility_range")
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_idea_ratings_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["users.id"],
            name=op.f("fk_idea_ratings_rater_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_ratings")),
        sa.UniqueConstraint(
            "contribution_id", "rater_id", name=op.f("uq_idea_ratings_contribution_id")
        ),
    )
    with op.batch_alter_table("idea_ratings") as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_ratings_rater_id"), ["rater_id"], unique=False)
    op.create_table(
        "rating_rounds",
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", participation.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_rating_rounds_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_rating_rounds_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_rating_rounds")),
    )
    op.create_table(
        "idea_selections",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "lead",
                "potential",
                "quick_win",
                name="selection_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("public_reason", sa.Text(), nullable=True),
        sa.Column("selected_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("selected_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_idea_selections_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["selected_by_id"],
            ["users.id"],
            name=op.f("fk_idea_selections_selected_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_idea_selections")),
    )


def downgrade():
    op.drop_table("idea_selections")
    op.drop_table("rating_rounds")
    with op.batch_alter_table("idea_ratings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_ratings_rater_id"))
    op.drop_table("idea_ratings")
