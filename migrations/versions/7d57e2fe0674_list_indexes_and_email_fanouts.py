"""Indexes for the catalogue's search and filters, the user list and a challenge's followers; email fan-outs.

- ix_challenges_search: PostgreSQL's GIN index on the very expression the
  catalogue searches (`to_tsvector('simple', search_document)`); SQLite
  searches with LIKE and gets none.
- ix_challenge_themes_theme: the catalogue's theme filter starts from the theme,
  which the primary key (challenge, theme) cannot seek.
- ix_users_name: the user list's keyset order (name, id).
- ix_challenge_follows_challenge gains user_id: a fan-out's batch reads a
  challenge's followers from the last user id it reached, in the index alone.
- outbox_fanouts: one row per email to many, expanded by the worker in batches.

Revision ID: 7d57e2fe0674
Revises: 4ce585f7e5d0
Create Date: 2026-11-29 14:00:00
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "7d57e2fe0674"
down_revision = "4ce585f7e5d0"
branch_labels = None
depends_on = None

SEARCH_VECTOR = "to_tsvector('simple'::regconfig, search_document)"


def _postgresql() -> bool:
    """True when migrating PostgreSQL."""
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table(
        "outbox_fanouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("done_through", sa.Integer(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_fanouts")),
    )
    op.create_index(op.f("ix_outbox_fanouts_finished_at"), "outbox_fanouts", ["finished_at"], unique=False)
    if _postgresql():
        op.create_index("ix_challenges_search", "challenges", [sa.text(SEARCH_VECTOR)], unique=False,
                        postgresql_using="gin")
    op.create_index("ix_challenge_themes_theme", "challenge_themes", ["theme_id", "challenge_id"], unique=False)
    op.create_index("ix_users_name", "users", ["name", "id"], unique=False)
    op.drop_index("ix_challenge_follows_challenge", table_name="challenge_follows")
    op.create_index("ix_challenge_follows_challenge", "challenge_follows", ["challenge_id", "user_id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_challenge_follows_challenge", table_name="challenge_follows")
    op.create_index("ix_challenge_follows_challenge", "challenge_follows", ["challenge_id"], unique=False)
    op.drop_index("ix_users_name", table_name="users")
    op.drop_index("ix_challenge_themes_theme", table_name="challenge_themes")
    if _postgresql():
        op.drop_index("ix_challenges_search", table_name="challenges")
    op.drop_index(op.f("ix_outbox_fanouts_finished_at"), table_name="outbox_fanouts")
    op.drop_table("outbox_fanouts")
