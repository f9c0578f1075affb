"""Migrations applied to an empty database build exactly the schema the models describe, with seed data."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.factories import migrated_database


@pytest.fixture
def migrated(fresh_database_url):
    """A database built by `flask db upgrade` alone, inside the app's context."""
    with migrated_database(fresh_database_url("migrations")) as database:
        yield database


def test_migrations_from_empty_match_the_models(migrated):
    with migrated.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, migrated.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_migrations_seed_the_six_cities_and_the_themes(migrated):
    with migrated.engine.connect() as conn:
        cities = conn.execute(sa.text("SELECT name FROM organisations WHERE kind = 'city' ORDER BY id")).scalars()
        assert list(cities) == ["Helsinki", "Espoo", "Vantaa", "Tampere", "Turku", "Oulu"]
        assert conn.execute(sa.text("SELECT count(*) FROM themes")).scalar() == 6


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'rewritten'",
                                       "DELETE FROM audit_entries"])
def test_audit_log_refuses_changes_in_the_database_itself(migrated, statement):
    with migrated.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_entries (created_at, action, data) "
                             "VALUES (CURRENT_TIMESTAMP, 'login', '{}')"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), migrated.engine.begin() as conn:
        conn.execute(sa.text(statement))
