"""The migrations that made attachments any owner's and site hosts accounts, up from the previous head and back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from auth.models import User
from auth.permissions import roles_for
from auth.roles import Role
from challenges.models import Attachment, Challenge, PilotSite
from challenges.services.attachments import attachments_of
from challenges.services.sites import HostStatus, host_contacts
from core.extensions import db
from tests.factories import insert_old_challenge, insert_old_user, migrated_database, stored_now

# Up to the head (hosts after attachments, and what followed): the models the tests read are the head's.
PREVIOUS, REVISION = "7a3e9c1d2b4f", "head"


@pytest.fixture
def old_schema(fresh_database_url):
    """A database migrated to the revision before, inside the app's context."""
    with migrated_database(fresh_database_url("migration_hosts"), PREVIOUS) as database:
        yield database


def _fill_old_schema() -> dict[str, int]:
    """A challenge with typed hosts and an attachment, written as the old schema held them; returns ids."""
    with db.engine.begin() as conn:
        tables = sa.MetaData()
        tables.reflect(conn, only=["pilot_sites", "challenge_attachments"])
        sites, files = tables.tables["pilot_sites"], tables.tables["challenge_attachments"]
        ids = insert_old_challenge(conn, "helsinki")
        ids["host"] = insert_old_user(conn, "rehtori@example.org", "Riikka Rehtori")
        for key, name, email in (("linked", "Rehtori", " Rehtori@Example.org "),
                                 ("uninvited", "Ville Vararehtori", "ville@example.org"),
                                 ("name_only", "Vahtimestari", None), ("none", None, None)):
            ids[key] = conn.execute(sites.insert().values(
                challenge_id=ids["challenge"], name=f"Koulu {key}", kind="school", host_name=name,
                host_email=email)).inserted_primary_key[0]
        conn.execute(files.insert().values(
            id=7, challenge_id=ids["challenge"], title="Liite", stored_name="a" * 32, original_name="liite.pdf",
            content_type="application/pdf", size=5, sha256="0" * 64, uploaded_by_id=ids["officer"],
            uploaded_at=stored_now(conn)))
    return ids


def test_migration_links_hosts_with_accounts_and_keeps_the_others_uninvited(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    sites = {s.id: s for s in db.session.scalars(sa.select(PilotSite))}
    assert sites[ids["linked"]].host_id == ids["host"]
    assert (sites[ids["uninvited"]].uninvited_host_name, sites[ids["uninvited"]].uninvited_host_email) == (
        "Ville Vararehtori", "ville@example.org")
    assert (sites[ids["name_only"]].uninvited_host_name, sites[ids["name_only"]].host_id) == ("Vahtimestari", None)
    assert not sites[ids["none"]].has_host
    challenge = db.session.get(Challenge, ids["challenge"])
    contacts = host_contacts(challenge)
    assert {site_id: c.status for site_id, c in contacts.items()} == {
        ids["linked"]: HostStatus.LINKED, ids["uninvited"]: HostStatus.NOT_INVITED,
        ids["name_only"]: HostStatus.NO_ADDRESS}
    host = db.session.get(User, ids["host"])
    assert [(m.organisation_id, m.role) for m in host.memberships] == [(ids["city"], Role.HOST.value)]
    assert "host" in roles_for(host, challenge)
    audited = db.session.execute(sa.text(
        "SELECT object_id FROM audit_entries WHERE action = 'membership_added'")).scalars().all()
    assert audited == [ids["host"]]


def test_migration_moves_challenge_attachments_keeping_their_ids(old_schema):
    ids = _fill_old_schema()
    upgrade()  # to the head: the models below write (and commit) as today's schema has them
    challenge = db.session.get(Challenge, ids["challenge"])
    [moved] = attachments_of(challenge)
    assert (moved.id, moved.owner_type, moved.owner_id, moved.title) == (7, "challenges", challenge.id, "Liite")
    added = Attachment(owner=challenge, title="Uusi", stored_name="b" * 32, original_name="uusi.pdf",
                       content_type="application/pdf", size=5, sha256="0" * 64, uploaded_by_id=ids["host"])
    db.session.add(added)
    db.session.flush()
    assert added.id == 8  # PostgreSQL's sequence follows the copied ids
    db.session.commit()
    assert not sa.inspect(db.engine).has_table("challenge_attachments")


def test_migration_downgrade_types_the_hosts_back(old_schema):
    ids = _fill_old_schema()
    upgrade(revision=REVISION)
    downgrade(revision=PREVIOUS)
    with db.engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT id, host_email FROM pilot_sites")).all())
        assert rows[ids["linked"]] == "rehtori@example.org" and rows[ids["uninvited"]] == "ville@example.org"
        assert conn.scalar(sa.text("SELECT count(*) FROM challenge_attachments WHERE id = 7")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM memberships WHERE role = 'host'")) == 0
