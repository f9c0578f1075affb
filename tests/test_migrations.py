"""Migrations applied to an empty database build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from core.extensions import db
from tests.conftest import app_config


def test_migrations_from_empty_match_the_models(fresh_database_url):
    app = create_app(app_config(fresh_database_url("migrations")))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
