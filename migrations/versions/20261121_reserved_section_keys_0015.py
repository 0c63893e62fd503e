"""sections keyed like the new pages beside them get another key

Revision ID: 0015_reserved_section_keys
Revises: 0014_forwarding_withdrawal
Create Date: 2026-11-21 12:10:00

/strategien/<slug>/workshops, /roadmap, /statistik and /bericht are now pages of their own,
so a section keyed like one of them could no longer be opened at its address, nor could the
contributions on it. Such a section gets the first free "<key>-<n>" of its strategy, in
every version (keys stay the same across versions), and its contributions follow.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_reserved_section_keys"
down_revision = "0014_forwarding_withdrawal"
branch_labels = None
depends_on = None

NEWLY_RESERVED = ("workshops", "roadmap", "statistik", "bericht")


def upgrade():
    connection = op.get_bind()
    taken_by_strategy: dict[int, set[str]] = {}
    for strategy_id, key in connection.execute(
        sa.text(
            "SELECT DISTINCT versions.strategy_id, sections.key FROM sections"
            " JOIN versions ON versions.id = sections.version_id"
        )
    ):
        taken_by_strategy.setdefault(strategy_id, set()).add(key)
    for strategy_id, taken in sorted(taken_by_strategy.items()):
        for old in NEWLY_RESERVED:
            if old not in taken:
                continue
            n = 2
            while f"{old}-{n}" in taken:
                n += 1
            new = f"{old}-{n}"
            taken.add(new)
            params = {"strategy": strategy_id, "old": old, "new": new}
            connection.execute(
                sa.text(
                    "UPDATE sections SET key = :new WHERE key = :old AND version_id IN"
                    " (SELECT id FROM versions WHERE strategy_id = :strategy)"
                ),
                params,
            )
            for table in ("contributions", "workshops"):
                connection.execute(
                    sa.text(
                        f"UPDATE {table} SET section_key = :new"  # noqa: S608  (fixed names)
                        " WHERE strategy_id = :strategy AND section_key = :old"
                    ),
                    params,
                )
            connection.execute(
                sa.text(
                    "UPDATE roadmap_projects SET field_key = :new"
                    " WHERE strategy_id = :strategy AND field_key = :old"
                ),
                params,
            )


def downgrade():
    # The new keys work with the older code as well; nothing to undo.
    pass
