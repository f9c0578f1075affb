"""Notification preferences per person and kind, emails held for the daily digest, officers' question batch.

- notification_preferences: a person's choice (at once, daily, never) for one
  kind of email; no row means at once.
- digest_items: an email held for its reader's daily digest (subject and link).
- dialogue_questions.officers_notified_at: when the city's officers were emailed
  about a question in the hourly batch. Questions asked before this migration
  count as announced, so that the first batch does not email the whole history.

Revision ID: e5a1c0d9b7f2
Revises: e5a7c2d9f013
Create Date: 2026-11-29 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "e5a1c0d9b7f2"
down_revision = "e5a7c2d9f013"
branch_labels = None
depends_on = None

KINDS = "'questions', 'answers', 'events', 'meetings', 'challenges', 'calls', 'approvals'"
DELIVERIES = "'immediate', 'daily', 'off'"


def upgrade():
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_notification_preferences_kind")),
        sa.CheckConstraint(f"delivery IN ({DELIVERIES})", name=op.f("ck_notification_preferences_delivery")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_digest_items_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_items")),
    )
    op.create_index("ix_digest_items_unsent", "digest_items", ["sent_at", "user_id"], unique=False)
    with op.batch_alter_table("dialogue_questions") as batch_op:
        batch_op.add_column(sa.Column("officers_notified_at", core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f("ix_dialogue_questions_officers_notified_at"), ["officers_notified_at"],
                              unique=False)
    op.execute("UPDATE dialogue_questions SET officers_notified_at = asked_at")


def downgrade():
    with op.batch_alter_table("dialogue_questions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_questions_officers_notified_at"))
        batch_op.drop_column("officers_notified_at")
    op.drop_index("ix_digest_items_unsent", table_name="digest_items")
    op.drop_table("digest_items")
    op.drop_table("notification_preferences")
