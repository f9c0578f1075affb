"""The data version of the cached public pages: one row, given a new value by every public change.

Revision ID: 4ce585f7e5d0
Revises: 98a1984df4b2
Create Date: 2026-11-29 14:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "4ce585f7e5d0"
down_revision = "98a1984df4b2"
branch_labels = None
depends_on = None


def upgrade():
    versions = op.create_table(
        "data_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_versions")),
    )
    # Random, as core/cache.py makes them: no page cached under another database's version matches it.
    op.bulk_insert(versions, [{"id": 1, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("data_versions")
