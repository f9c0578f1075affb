"""Every public text in Finnish, Swedish and English; bilingual cities require Swedish.

The existing text columns stay as they are and hold the Finnish version (read
through `core.i18n.localized(..., finnish=...)`); each gains a `_sv` and an `_en`
column beside it. Cities whose official languages are Finnish and Swedish get
`organisations.bilingual`, seeded for Helsinki, Espoo, Vantaa and Turku. Columns
are only added and dropped in place, never by rebuilding a table: on SQLite (3.35
or later drops a column in place) a rebuilt challenges table would cascade deletes
into every table that refers to it.

Revision ID: 1d6d7927a9d9
Revises: e5a1c0d9b7f2
Create Date: 2026-11-29 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "1d6d7927a9d9"
down_revision = "e5a1c0d9b7f2"
branch_labels = None
depends_on = None

BILINGUAL_CITIES = ("helsinki", "espoo", "vantaa", "turku")

# table -> (column, type) of each text that gains a Swedish and an English version
TRANSLATED = {
    "challenges": [(name, sa.Text()) for name in (
        "problem", "end_users", "offer_details", "ipr_terms", "reporting_duties", "dialogue_summary",
        "dialogue_changes", "rfi_synthesis")],
    "dialogue_events": [("title", sa.String(length=200)), ("description", sa.Text()), ("material", sa.Text()),
                        ("minutes", sa.Text())],
    "rfi_questions": [("text", sa.Text())],
    "dialogue_questions": [("text", sa.Text()), ("answer", sa.Text())],
}

organisations = sa.table("organisations", sa.column("slug", sa.String), sa.column("bilingual", sa.Boolean))


def upgrade():
    """Add the language versions and the bilingual flag, set for the four bilingual cities."""
    for table, columns in TRANSLATED.items():
        with op.batch_alter_table(table, recreate="never") as batch_op:
            for name, type_ in columns:
                for language in ("sv", "en"):
                    batch_op.add_column(sa.Column(f"{name}_{language}", type_, nullable=True))
    with op.batch_alter_table("organisations", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("bilingual", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(organisations.update().where(organisations.c.slug.in_(BILINGUAL_CITIES)).values(bilingual=True))


def downgrade():
    """Drop the language versions and the flag; the Finnish texts stay."""
    with op.batch_alter_table("organisations", recreate="never") as batch_op:
        batch_op.drop_column("bilingual")
    for table, columns in TRANSLATED.items():
        with op.batch_alter_table(table, recreate="never") as batch_op:
            for name, _type in columns:
                for language in ("sv", "en"):
                    batch_op.drop_column(f"{name}_{language}")
