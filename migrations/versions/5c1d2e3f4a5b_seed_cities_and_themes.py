"""Seed the six cities and the shared themes, and make the audit log append-only in the database.

SQLite loses triggers when a batch migration recreates a table: a later migration
that alters audit_entries in batch mode must create the trigger again.

Revision ID: 5c1d2e3f4a5b
Revises: 37fb19b7c7dc
Create Date: 2026-11-22 21:10:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "5c1d2e3f4a5b"
down_revision = "37fb19b7c7dc"
branch_labels = None
depends_on = None

# Data as it stood when this migration was written; later changes need migrations of their own.
CITIES = [
    ("helsinki", "Helsinki", "Helsingfors", "Helsinki"),
    ("espoo", "Espoo", "Esbo", "Espoo"),
    ("vantaa", "Vantaa", "Vanda", "Vantaa"),
    ("tampere", "Tampere", "Tammerfors", "Tampere"),
    ("turku", "Turku", "Åbo", "Turku"),
    ("oulu", "Oulu", "Uleåborg", "Oulu"),
]
THEMES = [
    ("learning", "Oppiminen", "Lärande", "Learning"),
    ("circular-economy", "Kiertotalous", "Cirkulär ekonomi", "Circular economy"),
    ("mobility", "Liikkuminen", "Mobilitet", "Mobility"),
    ("health-and-wellbeing", "Terveys ja hyvinvointi", "Hälsa och välbefinnande", "Health and wellbeing"),
    ("employment", "Työllisyys", "Sysselsättning", "Employment"),
    ("climate", "Ilmasto", "Klimat", "Climate"),
]

organisations = sa.table(
    "organisations", sa.column("kind", sa.String), sa.column("slug", sa.String), sa.column("name", sa.String),
    sa.column("name_sv", sa.String), sa.column("name_en", sa.String), sa.column("is_active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
themes = sa.table(
    "themes", sa.column("slug", sa.String), sa.column("name_fi", sa.String), sa.column("name_sv", sa.String),
    sa.column("name_en", sa.String),
)


def upgrade():
    """Insert the cities and themes; forbid UPDATE and DELETE on audit_entries."""
    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the app stores naive UTC in SQLite
    op.bulk_insert(organisations, [
        {"kind": "city", "slug": slug, "name": fi, "name_sv": sv, "name_en": en, "is_active": True,
         "created_at": now} for slug, fi, sv, en in CITIES])
    op.bulk_insert(themes, [{"slug": slug, "name_fi": fi, "name_sv": sv, "name_en": en}
                            for slug, fi, sv, en in THEMES])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only';
            END;
            $$ LANGUAGE plpgsql;
        """)
        op.execute("""
            CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
            """)


def downgrade():
    """Remove the trigger and the seeded rows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
    op.execute(themes.delete().where(themes.c.slug.in_([t[0] for t in THEMES])))
    op.execute(organisations.delete().where(organisations.c.slug.in_([c[0] for c in CITIES])))
