"""Indexes for the catalogue's search and filters, the user list and a challenge's followers.

- ix_challenges_search: PostgreSQL's GIN index on the very expression the
  catalogue searches (`to_tsvector('simple', search_document)`); SQLite
  searches with LIKE and gets none.
- ix_challenge_themes_theme: the catalogue's theme filter starts from the theme,
  which the primary key (challenge, theme) cannot seek.
- ix_users_name: the user list's keyset order (name, id).
- ix_challenge_follows_challenge gains user_id: a fan-out's batch reads a
  challenge's followers from the last user id it reached, in the index alone.

Revision ID: 7d57e2fe0674
Revises: 98a1984df4b2
Create Date: 2026-11-29 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d57e2fe0674"
down_revision = "98a1984df4b2"
branch_labels = None
depends_on = None

SEARCH_VECTOR = "to_tsvector('simple'::regconfig, search_document)"


def _postgresql() -> bool:
    """True when migrating PostgreSQL."""
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
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
