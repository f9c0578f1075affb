"""Versioned workflow names: a challenge stores the version of the table it started on.

Both challenge tables as they stood become version 1. Audit rows keep the names
they were written with (the log is append-only).

Revision ID: 7a3e9c1d2b4f
Revises: 5c1d2e3f4a5b
Create Date: 2026-11-29 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7a3e9c1d2b4f"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None

# Names as they stood when this migration was written.
RENAMED = {"challenge.with_dialogue": "challenge.with_dialogue.v1", "challenge.direct": "challenge.direct.v1"}

challenges = sa.table("challenges", sa.column("workflow", sa.String))


def _rename(names: dict[str, str]) -> None:
    """Rename stored workflow names; `state_version` stays, so no open page is made stale by it."""
    for old, new in names.items():
        op.execute(challenges.update().where(challenges.c.workflow == old).values(workflow=new))


def upgrade():
    """Stored names gain their version."""
    _rename(RENAMED)


def downgrade():
    """Stored names lose their version again."""
    _rename({new: old for old, new in RENAMED.items()})
