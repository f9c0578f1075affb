"""The migration that gave public texts Swedish and English versions and cities the bilingual flag, up and back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from challenges.models import Challenge
from core.extensions import db
from tests.factories import insert_old_challenge, migrated_database

PREVIOUS, REVISION = "e5a1c0d9b7f2", "1d6d7927a9d9"


@pytest.fixture
def old_schema(fresh_database_url):
    """A database migrated to the revision before, inside the app's context."""
    with migrated_database(fresh_database_url("migration_texts"), PREVIOUS) as database:
        yield database


def _fill_old_schema() -> dict[str, int]:
    """A Helsinki challenge with its problem, as the old schema held it."""
    with db.engine.begin() as conn:
        ids = insert_old_challenge(conn, "helsinki")
        conn.execute(sa.text("UPDATE challenges SET problem = 'Ilma on huonoa.' WHERE id = :id"),
                     {"id": ids["challenge"]})
    return ids


def test_migration_keeps_finnish_texts_and_marks_the_four_bilingual_cities(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    bilingual = db.session.execute(sa.text("SELECT slug FROM organisations WHERE bilingual ORDER BY slug"))
    assert list(bilingual.scalars()) == ["espoo", "helsinki", "turku", "vantaa"]
    challenge = db.session.get(Challenge, ids["challenge"])
    assert (challenge.problem, challenge.problem_sv, challenge.problem_en) == ("Ilma on huonoa.", None, None)


def test_migration_downgrade_drops_the_versions_and_keeps_the_challenges(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE challenges SET problem_sv = 'Luften är dålig.'"))
    downgrade(revision=PREVIOUS)
    inspector = sa.inspect(db.engine)
    assert "problem_sv" not in {c["name"] for c in inspector.get_columns("challenges")}
    assert "bilingual" not in {c["name"] for c in inspector.get_columns("organisations")}
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, problem FROM challenges")).all() == [
            (ids["challenge"], "Ilma on huonoa.")]
