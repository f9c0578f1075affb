"""Cancelled dialogue events and meetings (when and why), a question's edited wording, an email's .ics.

Revision ID: d5a1e0c7b2f4
Revises: 1d6d7927a9d9
Create Date: 2026-11-29 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "d5a1e0c7b2f4"
down_revision = "1d6d7927a9d9"
branch_labels = None
depends_on = None

CANCELLABLE = ("dialogue_events", "meeting_slots")


def upgrade():
    for table in CANCELLABLE:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("cancelled_at", core.models.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
            batch_op.create_check_constraint(op.f(f"ck_{table}_cancel_reason"),
                                             "(cancelled_at IS NULL) = (cancel_reason IS NULL)")
    with op.batch_alter_table("dialogue_questions") as batch_op:
        batch_op.add_column(sa.Column("text_edited_at", core.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("ics", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("ics")
    with op.batch_alter_table("dialogue_questions") as batch_op:
        batch_op.drop_column("text_edited_at")
    for table in CANCELLABLE:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_cancel_reason"), type_="check")
            batch_op.drop_column("cancel_reason")
            batch_op.drop_column("cancelled_at")
