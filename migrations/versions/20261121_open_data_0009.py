"""open data: consent to show the display name, pseudonyms (issue 7)

Revision ID: 0009_open_data
Revises: 0008_council_papers
Create Date: 2026-11-21 10:45:00

One column with a default (nobody has agreed yet, so every existing account appears under a
pseudonym) and a new table that is filled the first time the open data is read.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0009_open_data"
down_revision = "0008_council_papers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "open_data_show_name", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "open_data_pseudonyms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (contribution_id IS NULL)",
            name=op.f("ck_open_data_pseudonyms_user_or_contribution"),
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_open_data_pseudonyms_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_open_data_pseudonyms_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_data_pseudonyms")),
        sa.UniqueConstraint(
            "contribution_id", name=op.f("uq_open_data_pseudonyms_contribution_id")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_open_data_pseudonyms_user_id")),
    )


def downgrade():
    op.drop_table("open_data_pseudonyms")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("open_data_show_name")
