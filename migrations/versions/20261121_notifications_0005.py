"""notifications: preferences, follows, digest entries and sent digests

Revision ID: 0005_notifications
Revises: 0004_outbox
Create Date: 2026-11-21 08:42:00

New tables only: no stored data changes. Nobody has a preference row until they choose
(the defaults live in the code), and nobody follows anything until they ask to.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0005_notifications"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "items",
                "moderation",
                name="notification_digest_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (email IS NULL)",
            name=op.f("ck_notification_digests_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_digests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digests")),
        sa.UniqueConstraint("email", "kind", "day", name="uq_notification_digests_email_day"),
        sa.UniqueConstraint("user_id", "kind", "day", name="uq_notification_digests_user_day"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "own_contributions",
                "replies_to_me",
                "followed_threads",
                "followed_strategies",
                "moderation_digest",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "delivery",
            sa.Enum(
                "immediate",
                "daily",
                "never",
                name="notification_delivery",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (email IS NULL)",
            name=op.f("ck_notification_preferences_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("email", "kind", name="uq_notification_preferences_email_kind"),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),
    )
    op.create_table(
        "notification_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "own_contributions",
                "replies_to_me",
                "followed_threads",
                "followed_strategies",
                "moderation_digest",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (email IS NULL)", name=op.f("ck_notification_items_one_recipient")
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["notification_digests.id"],
            name=op.f("fk_notification_items_digest_id_notification_digests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_items")),
    )
    with op.batch_alter_table("notification_items", schema=None) as batch_op:
        batch_op.create_index("ix_notification_items_digest_id", ["digest_id"], unique=False)
        batch_op.create_index("ix_notification_items_email", ["email"], unique=False)
        batch_op.create_index("ix_notification_items_user_id", ["user_id"], unique=False)

    op.create_table(
        "notification_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", participation.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(contribution_id IS NULL) <> (strategy_id IS NULL)",
            name=op.f("ck_notification_follows_thread_or_strategy"),
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (email IS NULL)",
            name=op.f("ck_notification_follows_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_notification_follows_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_notification_follows_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_follows")),
        sa.UniqueConstraint(
            "email", "contribution_id", name="uq_notification_follows_email_thread"
        ),
        sa.UniqueConstraint("email", "strategy_id", name="uq_notification_follows_email_strategy"),
        sa.UniqueConstraint(
            "user_id", "contribution_id", name="uq_notification_follows_user_thread"
        ),
        sa.UniqueConstraint("user_id", "strategy_id", name="uq_notification_follows_user_strategy"),
    )
    with op.batch_alter_table("notification_follows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_follows_contribution_id", ["contribution_id"], unique=False
        )
        batch_op.create_index("ix_notification_follows_strategy_id", ["strategy_id"], unique=False)


def downgrade():
    with op.batch_alter_table("notification_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_follows_strategy_id")
        batch_op.drop_index("ix_notification_follows_contribution_id")

    op.drop_table("notification_follows")
    with op.batch_alter_table("notification_items", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_items_user_id")
        batch_op.drop_index("ix_notification_items_email")
        batch_op.drop_index("ix_notification_items_digest_id")

    op.drop_table("notification_items")
    op.drop_table("notification_preferences")
    op.drop_table("notification_digests")
