"""Attachments belong to any owner: challenge_attachments becomes attachments, filed by owner.

challenge_attachments is copied into attachments under owner_type "challenges",
keeping the ids, and dropped. Downgrading copies the challenges' attachments
back; rows of other owners cannot go back and are lost (their files stay on disk).

Revision ID: 7e2b6c41d0a9
Revises: 7a3e9c1d2b4f
Create Date: 2026-11-29 10:30:00
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "7e2b6c41d0a9"
down_revision = "7a3e9c1d2b4f"
branch_labels = None
depends_on = None

ATTACHMENT_COLUMNS = "title, stored_name, original_name, content_type, size, sha256, uploaded_by_id, uploaded_at"


def _reset_sequence(table: str) -> None:
    """PostgreSQL: the next id follows the copied ones."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _file_columns() -> list[sa.Column]:
    """The facts about a stored file, the same in the old table and the new."""
    return [
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", core.models.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade():
    """Create attachments, copy the challenges' files into it, drop the old table."""
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        *_file_columns(),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachments_stored_name")),
    )
    op.create_index("ix_attachments_owner", "attachments", ["owner_type", "owner_id", "id"], unique=False)
    op.execute(f"INSERT INTO attachments (id, owner_type, owner_id, {ATTACHMENT_COLUMNS}) "
               f"SELECT id, 'challenges', challenge_id, {ATTACHMENT_COLUMNS} FROM challenge_attachments")
    _reset_sequence("attachments")
    op.drop_index(op.f("ix_challenge_attachments_challenge_id"), table_name="challenge_attachments")
    op.drop_table("challenge_attachments")


def downgrade():
    """Recreate challenge_attachments from the challenges' rows of attachments."""
    op.create_table(
        "challenge_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        *_file_columns(),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"],
                                name=op.f("fk_challenge_attachments_challenge_id_challenges"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"],
                                name=op.f("fk_challenge_attachments_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_challenge_attachments_stored_name")),
    )
    op.create_index(op.f("ix_challenge_attachments_challenge_id"), "challenge_attachments", ["challenge_id"],
                    unique=False)
    op.execute(f"INSERT INTO challenge_attachments (id, challenge_id, {ATTACHMENT_COLUMNS}) "
               f"SELECT id, owner_id, {ATTACHMENT_COLUMNS} FROM attachments WHERE owner_type = 'challenges'")
    _reset_sequence("challenge_attachments")
    op.drop_index("ix_attachments_owner", table_name="attachments")
    op.drop_table("attachments")
