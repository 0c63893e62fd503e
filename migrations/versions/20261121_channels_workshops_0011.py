"""analogue channel and workshops (issue 8)

Revision ID: 0011_channels_workshops
Revises: 0010_statistics_report
Create Date: 2026-11-21 10:45:00

Contributions received by letter, phone, e-mail, at the citizens' office or at a workshop:
the day they came in, the workshop they came from, and "citizens_office" among the
channels. The workshops table is new. Existing contributions keep their rows; the new
columns are NULL for them.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0011_channels_workshops"
down_revision = "0010_statistics_report"
branch_labels = None
depends_on = None

OLD_CHANNELS = ("online", "letter", "phone", "email", "workshop")
NEW_CHANNELS = (*OLD_CHANNELS, "citizens_office")


def _channel_check(values) -> str:
    return "channel IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade():
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "format",
            sa.Enum(
                "in_person",
                "online",
                "hybrid",
                name="workshop_format",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("section_key", sa.String(length=80), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("summary_md", sa.Text(), nullable=False),
        sa.Column("summary_html", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= held_on", name=op.f("ck_workshops_date_order")
        ),
        sa.CheckConstraint(
            "participants IS NULL OR participants >= 0",
            name=op.f("ck_workshops_participants_count"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_workshops_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
    )
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.create_index(
            "ix_workshops_strategy_date", ["strategy_id", "held_on"], unique=False
        )

    # SQLite cannot change a CHECK constraint in place: batch mode copies the table.
    with op.batch_alter_table("contributions", recreate="auto") as batch_op:
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("workshop_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contributions_workshop_id_workshops"),
            "workshops",
            ["workshop_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_contributions_workshop_id"), ["workshop_id"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("ck_contributions_channel"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_contributions_channel"), sa.text(_channel_check(NEW_CHANNELS))
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_contributions_workshop_channel"),
            sa.text("workshop_id IS NULL OR channel = 'workshop'"),
        )


def downgrade():
    op.execute(
        "UPDATE contributions SET channel = 'online' WHERE channel = 'citizens_office'"
        " AND author_id IS NOT NULL"
    )
    op.execute("UPDATE contributions SET channel = 'letter' WHERE channel = 'citizens_office'")
    with op.batch_alter_table("contributions", recreate="auto") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_contributions_workshop_channel"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_contributions_channel"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_contributions_channel"), sa.text(_channel_check(OLD_CHANNELS))
        )
        batch_op.drop_index(batch_op.f("ix_contributions_workshop_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_contributions_workshop_id_workshops"), type_="foreignkey"
        )
        batch_op.drop_column("workshop_id")
        batch_op.drop_column("received_on")
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.drop_index("ix_workshops_strategy_date")
    op.drop_table("workshops")
