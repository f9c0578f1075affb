"""Criteria in three languages: name_sv, name_en, description_sv and description_en.

The existing name and description are the Finnish ones; the new columns start empty,
and a reader of another language sees the Finnish text, marked as such.

Revision ID: e5a7c2d9f013
Revises: c41d7e2a9b30
Create Date: 2026-11-29 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e5a7c2d9f013"
down_revision = "c41d7e2a9b30"
branch_labels = None
depends_on = None


def upgrade():
    """Add the Swedish and English name and description of each criterion."""
    with op.batch_alter_table("criteria") as batch:
        batch.add_column(sa.Column("name_sv", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("description_sv", sa.Text(), nullable=True))
        batch.add_column(sa.Column("description_en", sa.Text(), nullable=True))


def downgrade():
    """Drop them again (the Finnish texts stay)."""
    with op.batch_alter_table("criteria") as batch:
        for column in ("description_en", "description_sv", "name_en", "name_sv"):
            batch.drop_column(column)
