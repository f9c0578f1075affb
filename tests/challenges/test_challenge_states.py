"""The challenge's state table is the one source: the database's constraints, the tables of every version,
the public words for each state and the catalogue's groups all follow it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import upgrade

from app import create_app
from auth.models import OrgKind
from auth.roles import Role
from challenges.services.catalogue import STATUS_GROUPS
from challenges.states import ChallengeState
from challenges.workflow import FAMILY
from core.extensions import db
from core.workflow import registry
from tests.factories import add_challenge, app_config

S = ChallengeState


def test_registered_challenge_tables_use_exactly_the_state_table():
    tables = registry.family(FAMILY)
    assert len(tables) >= 2
    used = {name: row for table in tables for name, row in table.states.items()}
    assert used == {member.value: member.state for member in S}  # the CHECK lists all of them, no more


def _check_values(sql: str) -> set[str]:
    """The quoted state names a CHECK constraint's text lists."""
    return set(re.findall(r"'([a-z_]+)'", sql))


@pytest.fixture
def migrated_checks(fresh_database_url):
    """The CHECK constraints of the challenges table as `flask db upgrade` created them, by name."""
    app = create_app(app_config(fresh_database_url("state_checks")))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = conn.execute(sa.text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                            "WHERE conrelid = 'challenges'::regclass AND contype = 'c'")).all()
                checks = {name: sql for name, sql in rows}
            else:
                table = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'challenges'")).scalar()
                checks = dict(re.findall(r"CONSTRAINT (\w+) CHECK \((.*)\)", table))
        db.session.remove()
        db.engine.dispose()
    return checks


def test_migrations_hold_the_constraints_the_state_table_generates(migrated_checks):
    assert _check_values(migrated_checks["ck_challenges_state"]) == set(S.values())
    assert _check_values(migrated_checks["ck_challenges_criteria_locked"]) == set(S.states_where(locked=True))


def test_a_challenge_in_a_locked_state_needs_its_criteria_locked(db, make_org, make_user):
    city = make_org(OrgKind.CITY.value)
    officer = make_user(city, (Role.OFFICER.value,))
    for state in S.states_where(locked=True):
        with pytest.raises(sa.exc.IntegrityError):
            add_challenge(city, officer, S(state), criteria_locked_at=None)
        db.session.rollback()


def test_states_before_publication_have_no_public_word():
    assert S.states_where(public=False) == (S.DRAFT, S.AWAITING_APPROVAL)
    assert all(S(name).public_label is None for name in S.states_where(public=False))
    assert all(S(name).public_label for name in S.states_where(public=True))


def test_catalogue_groups_cover_every_public_state_once():
    grouped = [state for _label, states in STATUS_GROUPS.values() for state in states]
    assert sorted(grouped) == sorted(S.states_where(public=True))


@pytest.mark.parametrize("state, public_words, internal_word", [
    (S.APPROVED, "Published", "Approved"),
    (S.EVALUATION, "Proposals being evaluated", "Evaluation"),
    (S.AWARDED, "Pilots selected", "Awarded"),
    (S.UNSUCCESSFUL, "Ended without a result", "Unsuccessful"),
])
def test_public_pages_use_the_public_word_for_a_state(client, make_org, make_user, state, public_words,
                                                      internal_word):
    city = make_org(OrgKind.CITY.value)
    challenge = add_challenge(city, make_user(city, (Role.OFFICER.value,)), state, title_fi="Sisäilma")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for page in ("/challenges", f"/challenges/{challenge.id}"):
        html = client.get(page).get_data(as_text=True)
        assert f">{public_words}</span>" in html and f">{internal_word}</span>" not in html, page


def test_public_words_are_translated(app):
    with force_locale("sv"):
        assert str(S.UNSUCCESSFUL.public_label) == "Avslutad utan resultat"
    with force_locale("fi"):
        assert str(S.APPROVED.public_label) == "Julkaistu"
