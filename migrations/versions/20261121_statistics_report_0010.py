"""statistics and council report: where adopted suggestions went (issue 7)

Revision ID: 0010_statistics_report
Revises: 0009_open_data
Create Date: 2026-11-21 10:45:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import participation.database  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0010_statistics_report"
down_revision = "0009_open_data"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
