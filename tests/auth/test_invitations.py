"""Invitations to a city's roles: sent by its admins, accepted as a new or an existing user."""
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auth.models import Invitation, Membership, User
from core.audit import AuditEntry
from core.models import utcnow
from tests.factories import PASSWORD


pytestmark = pytest.mark.usefixtures("english")  # pages in English, whatever translations exist


@pytest.fixture
def city(make_org):
    """A city whose admin invites people."""
    return make_org("city", name="Espoo")


def invite(client, city, **overrides):
    """Post the invitation form."""
    data = {"email": "new.officer@espoo.example", "name": "New Officer", "role": "officer", "locale": "en"}
    data.update(overrides)
    return client.post(f"/organisations/{city.id}/invitations", data=data)


def invitation_token(message):
    """The token of the invitation link in an email."""
    match = re.search(r"http://localhost/invitations/([\w-]+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def sent(client, outbox, login_as, city):
    """An invitation sent by the city's admin (who is then logged out); returns its token."""
    login_as("city_admin", org=city)
    assert invite(client, city).status_code == 302
    client.post("/logout")
    return invitation_token(outbox[-1])


def count(db, model):
    """Rows in a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def test_invitations_city_admin_sends_an_invitation(client, db, outbox, login_as, city):
    admin = login_as("city_admin", org=city)
    assert 'name="role"' in client.get(f"/organisations/{city.id}/invitations").get_data(as_text=True)
    response = invite(client, city, email="New.Officer@Espoo.example")
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.invited_by_id) == (
        "new.officer@espoo.example", "officer", admin.id)
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    [message] = outbox
    token = invitation_token(message)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert "Espoo" in message.subject
    assert db.session.scalar(select(AuditEntry).filter_by(action="invitation_sent")).actor_id == admin.id
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "new.officer@espoo.example" in html and "/revoke" in html


def test_invitations_platform_admin_may_invite(client, db, login_as, city):
    login_as("platform_admin")
    assert invite(client, city).status_code == 302
    assert count(db, Invitation) == 1


@pytest.mark.parametrize("role", ["officer", "decision_maker", "other_city_admin", "company_owner", "user"])
def test_invitations_refused_to_others(client, db, login_as, city, role):
    if role == "other_city_admin":
        login_as("city_admin")
    elif role in ("officer", "decision_maker"):
        login_as(role, org=city)
    else:
        login_as(role)
    assert client.get(f"/organisations/{city.id}/invitations").status_code == 403
    assert invite(client, city).status_code == 403
    assert count(db, Invitation) == 0


def test_invitations_anonymous_is_sent_to_login(client, city):
    response = client.get(f"/organisations/{city.id}/invitations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_invitations_of_a_company_offer_only_company_roles(client, login_as, make_org):
    company = make_org("company")
    login_as("platform_admin")
    page = client.get(f"/organisations/{company.id}/invitations").get_data(as_text=True)
    assert 'value="member"' in page and 'value="owner"' in page and 'value="officer"' not in page
    assert client.get("/organisations/99999/invitations").status_code == 404


@pytest.mark.parametrize("overrides, message", [
    ({"email": "nope"}, "Enter a valid email address"),
    ({"role": "owner"}, "Not a valid choice"),
    ({"locale": "de"}, "Not a valid choice"),
])
def test_invitations_bad_form_is_a_400(client, db, outbox, login_as, city, overrides, message):
    login_as("city_admin", org=city)
    response = invite(client, city, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, Invitation) == 0 and outbox == []


def test_invitations_duplicate_open_invitation_is_a_400(client, db, login_as, city):
    login_as("city_admin", org=city)
    invite(client, city)
    response = invite(client, city)
    assert response.status_code == 400
    assert "already open" in response.get_data(as_text=True)
    assert count(db, Invitation) == 1


def test_invitations_person_with_the_role_already_is_a_400(client, db, login_as, make_user, city):
    make_user(city, ("officer",), email="new.officer@espoo.example")
    login_as("city_admin", org=city)
    response = invite(client, city)
    assert response.status_code == 400
    assert "already has that role" in response.get_data(as_text=True)


def test_invitations_admin_cannot_invite_themselves(client, db, outbox, login_as, city):
    admin = login_as("city_admin", org=city)
    response = invite(client, city, email=admin.email.upper(), role="decision_maker")
    assert response.status_code == 400
    assert "You cannot invite yourself" in response.get_data(as_text=True)
    assert count(db, Invitation) == 0 and outbox == []


def test_invitations_invitation_sent_by_oneself_cannot_be_accepted(client, db, login_as, city):
    from auth.tokens import new_token

    admin = login_as("city_admin", org=city)
    raw, digest = new_token()  # an invitation made before self-invitations were refused
    db.session.add(Invitation(email=admin.email, organisation=city, role="decision_maker", token_hash=digest,
                              invited_by=admin, expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    html = client.get(f"/invitations/{raw}").get_data(as_text=True)
    assert "You sent this invitation yourself" in html
    assert client.post(f"/invitations/{raw}").status_code == 403
    db.session.expire_all()
    assert {m.role for m in db.session.get(User, admin.id).memberships} == {"admin"}


def test_invitations_accept_as_new_user(client, db, sent, city):
    html = client.get(f"/invitations/{sent}").get_data(as_text=True)
    assert 'value="New Officer"' in html and 'name="accept_terms"' in html
    response = client.post(f"/invitations/{sent}", data={
        "name": "Nina Officer", "password": PASSWORD, "password_confirm": PASSWORD, "accept_terms": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    user = db.session.scalar(select(User).filter_by(email="new.officer@espoo.example"))
    assert user.is_verified and user.name == "Nina Officer" and user.terms_version
    memberships = [(m.organisation_id, m.role, m.status) for m in user.memberships]
    assert memberships == [(city.id, "officer", "active")]
    assert db.session.scalar(select(Invitation)).accepted_at is not None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"invitation_accepted", "membership_added", "user_registered"} <= actions
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"name": "N", "password": "short", "password_confirm": "short", "accept_terms": "y"},
     "at least 12 characters"),
    ({"name": "N", "password": PASSWORD, "password_confirm": PASSWORD}, "Accept the terms of use"),
    ({"name": "", "password": PASSWORD, "password_confirm": PASSWORD, "accept_terms": "y"},
     "Enter your name."),
])
def test_invitations_accept_as_new_user_bad_form_is_a_400(client, db, sent, data, message):
    response = client.post(f"/invitations/{sent}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, User) == 1 and count(db, Membership) == 1  # the admin only
    assert db.session.scalar(select(Invitation)).accepted_at is None


def test_invitations_accept_as_existing_user(client, db, sent, city, make_user, login):
    user = make_user(email="new.officer@espoo.example")
    response = client.get(f"/invitations/{sent}")
    assert f'href="/login?next=/invitations/{sent}"' in response.get_data(as_text=True)
    assert client.post(f"/invitations/{sent}").status_code == 403
    login(user)
    accepted = client.post(f"/invitations/{sent}")
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/start"  # their new tasks
    db.session.refresh(user)
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(city.id, "officer")]
    assert db.session.scalar(select(Invitation)).accepted_at is not None


def test_invitations_accept_logged_in_as_someone_else_is_refused(client, db, sent, make_user, login):
    make_user(email="new.officer@espoo.example")
    login(make_user(email="someone.else@example.org"))
    html = client.get(f"/invitations/{sent}").get_data(as_text=True)
    assert "You are logged in as someone.else@example.org" in html
    assert client.post(f"/invitations/{sent}").status_code == 403
    assert db.session.scalar(select(Invitation)).accepted_at is None


@pytest.mark.parametrize("state, message", [
    ("expired", "This link has expired."),
    ("revoked", "This invitation has been withdrawn."),
    ("used", "This link has already been used."),
    ("tampered", "This link is not valid."),
])
def test_invitations_unusable_link_is_a_400(client, db, sent, state, message):
    invitation = db.session.scalar(select(Invitation))
    token = sent
    if state == "expired":
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    elif state == "revoked":
        invitation.revoked_at = utcnow()
    elif state == "used":
        invitation.accepted_at = utcnow()
    else:
        token = sent[:-2]
    db.session.commit()
    for response in (client.get(f"/invitations/{token}"), client.post(f"/invitations/{token}", data={
            "name": "N", "password": PASSWORD, "password_confirm": PASSWORD, "accept_terms": "y"})):
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert count(db, User) == 1


def test_invitations_admin_revokes(client, db, outbox, login_as, city):
    admin = login_as("city_admin", org=city)
    invite(client, city)
    invitation = db.session.scalar(select(Invitation))
    response = client.post(f"/organisations/{city.id}/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert db.session.scalar(select(AuditEntry).filter_by(action="invitation_revoked")).actor_id == admin.id
    assert "No invitations are open." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/invitations/{invitation_token(outbox[0])}").status_code == 400


def test_invitations_revoke_refused_to_others_and_across_cities(client, db, login_as, make_org, city, sent):
    invitation = db.session.scalar(select(Invitation))
    login_as("officer", org=city)
    assert client.post(f"/organisations/{city.id}/invitations/{invitation.id}/revoke").status_code == 403
    other = make_org("city")
    login_as("city_admin", org=other)
    assert client.post(f"/organisations/{other.id}/invitations/{invitation.id}/revoke").status_code == 404
    db.session.refresh(invitation)
    assert invitation.revoked_at is None
