"""roadmap projects (issue 8)

Revision ID: 0013_roadmap
Revises: 0012_consolidation
Create Date: 2026-11-21 10:45:00

Two new tables: the projects of a strategy's roadmap and the ideas linked to each.
"""

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0013_roadmap"
down_revision = "0012_consolidation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "roadmap_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("field_key", sa.String(length=80), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum(
                "lead",
                "potential",
                "quick_win",
                name="roadmap_priority",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "paused",
                name="roadmap_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("start_quarter", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("end_quarter", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("source_idea_id", sa.Integer(), nullable=True),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "start_quarter BETWEEN 1 AND 4", name=op.f("ck_roadmap_projects_start_quarter_range")
        ),
        sa.CheckConstraint(
            "end_quarter BETWEEN 1 AND 4", name=op.f("ck_roadmap_projects_end_quarter_range")
        ),
        sa.CheckConstraint(
            "end_year * 4 + end_quarter >= start_year * 4 + start_quarter",
            name=op.f("ck_roadmap_projects_end_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_roadmap_projects_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_roadmap_projects_department_id_departments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_idea_id"],
            ["contributions.id"],
            name=op.f("fk_roadmap_projects_source_idea_id_contributions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roadmap_projects_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roadmap_projects")),
    )
    with op.batch_alter_table("roadmap_projects") as batch_op:
        batch_op.create_index(
            "ix_roadmap_projects_strategy_start",
            ["strategy_id", "start_year", "start_quarter"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_roadmap_projects_department_id"), ["department_id"], unique=False
        )
    op.create_table(
        "roadmap_project_ideas",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["roadmap_projects.id"],
            name=op.f("fk_roadmap_project_ideas_project_id_roadmap_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_roadmap_project_ideas_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "contribution_id", name=op.f("pk_roadmap_project_ideas")
        ),
    )
    with op.batch_alter_table("roadmap_project_ideas") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roadmap_project_ideas_contribution_id"),
            ["contribution_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("roadmap_project_ideas") as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmap_project_ideas_contribution_id"))
    op.drop_table("roadmap_project_ideas")
    with op.batch_alter_table("roadmap_projects") as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmap_projects_department_id"))
        batch_op.drop_index("ix_roadmap_projects_strategy_start")
    op.drop_table("roadmap_projects")
