"""The migration that made cities own challenges, up from the revision before it and back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from auth.models import User
from auth.permissions import roles_for
from auth.roles import Role
from challenges.models import Challenge, PilotSite
from challenges.ownership import lead_city, owned_by, owning_city_ids
from core.extensions import db
from tests.factories import insert_old_challenge, migrated_database

# Up to the head (this migration and what followed): the models the tests read are the head's.
PREVIOUS, REVISION = "7d57e2fe0674", "head"


@pytest.fixture
def old_schema(fresh_database_url):
    """A database migrated to the revision before, inside the app's context."""
    with migrated_database(fresh_database_url("migration_owners"), PREVIOUS) as database:
        yield database


def _fill_old_schema() -> dict[str, int]:
    """A Helsinki challenge with a site and its officer, as the old schema held them; returns ids."""
    with db.engine.begin() as conn:
        ids = insert_old_challenge(conn, "helsinki")
        ids["site"] = conn.execute(sa.text(
            "INSERT INTO pilot_sites (challenge_id, name, kind) VALUES (:challenge, 'Kallion koulu', 'school') "
            "RETURNING id"), {"challenge": ids["challenge"]}).scalar_one()
        conn.execute(sa.text("INSERT INTO memberships (user_id, organisation_id, role, status, created_at) "
                             "VALUES (:user, :city, 'officer', 'active', CURRENT_TIMESTAMP)"),
                     {"user": ids["officer"], "city": ids["city"]})
    return ids


def test_migration_makes_each_challenges_city_its_lead_and_its_sites_that_citys(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    challenge = db.session.get(Challenge, ids["challenge"])
    assert lead_city(challenge).id == ids["city"] and owning_city_ids(challenge) == {ids["city"]}
    assert db.session.get(PilotSite, ids["site"]).city_id == ids["city"]
    assert db.session.scalars(sa.select(Challenge.id).where(owned_by([ids["city"]]))).all() == [ids["challenge"]]
    assert Role.OFFICER in roles_for(db.session.get(User, ids["officer"]), challenge)


def test_migration_downgrade_keeps_the_challenges_and_their_sites(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    downgrade(revision=PREVIOUS)
    inspector = sa.inspect(db.engine)
    assert not inspector.has_table("challenge_cities")
    assert "city_id" not in {c["name"] for c in inspector.get_columns("pilot_sites")}
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, city_id FROM challenges")).all() == [(ids["challenge"], ids["city"])]
        assert conn.scalar(sa.text("SELECT challenge_id FROM pilot_sites")) == ids["challenge"]
