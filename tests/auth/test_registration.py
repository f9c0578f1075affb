"""Company self-registration, email verification and resending the verification link."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.models import Membership, Organisation, User, UserToken
from auth.services.registration import TERMS_VERSION
from core.audit import AuditEntry
from core.mail import OutboxMessage
from core.models import utcnow
from tests.factories import PASSWORD, business_id
from tests.factories import registration_form as form

COUNTED = (User, Organisation, Membership, UserToken, OutboxMessage)


pytestmark = pytest.mark.usefixtures("english")  # pages in English, whatever translations exist


def counts(db):
    """How many rows each table that registration writes to holds."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def link_token(message, path):
    """The token of the first link to path in an email's text."""
    match = re.search(rf"http://localhost{path}([\w-]+)", message.body)
    assert match, message.body
    return match.group(1)


def actions(db):
    """The audit actions recorded so far."""
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_register_page_shows_the_form(client):
    html = client.get("/register").get_data(as_text=True)
    for name in ("name", "email", "password", "password_confirm", "locale", "company_action",
                 "business_id", "company_name", "accept_terms"):
        assert f'name="{name}"' in html
    assert 'href="/terms"' in html


def test_terms_page_shows_terms_and_privacy_notice(client):
    html = client.get("/terms").get_data(as_text=True)
    assert "Terms of use" in html and "Privacy notice" in html and TERMS_VERSION in html


def test_register_new_company_creates_owner_and_sends_verification(client, db, outbox):
    response = client.post("/register", data=form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/email-sent/registration"
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)
    user = db.session.scalar(select(User).filter_by(email="maija@yritys.example"))
    assert user.email_verified_at is None
    assert user.terms_version == TERMS_VERSION and user.terms_accepted_at is not None
    company = db.session.scalar(select(Organisation).filter_by(business_id="2736490-4"))
    assert company.kind == "company" and company.name == "Yritys Oy"
    [membership] = user.memberships
    assert (membership.organisation_id, membership.role, membership.status) == (company.id, "owner", "active")
    [message] = outbox
    assert message.recipients == ["maija@yritys.example"]
    assert link_token(message, "/verify/")
    assert {"user_registered", "organisation_created", "membership_added"} <= set(actions(db))


def test_register_join_creates_pending_membership_and_asks_the_owners(client, db, outbox, make_org,
                                                                      make_user):
    company = make_org("company", business_id="3183476-1")
    owner = make_user(company, ("owner",), email="owner@firma.example")
    make_user(company, ("member",), email="member@firma.example")
    response = client.post("/register", data=form(company_action="join", business_id="3183476-1",
                                                  company_name=None))
    assert response.status_code == 302
    user = db.session.scalar(select(User).filter_by(email="maija@yritys.example"))
    [membership] = user.memberships
    assert (membership.organisation_id, membership.role) == (company.id, "member")
    assert membership.status == "pending"
    assert counts(db)["Organisation"] == 1
    by_recipient = {m.recipients[0]: m for m in outbox}
    assert set(by_recipient) == {"maija@yritys.example", owner.email}
    assert f"http://localhost/organisations/{company.id}/requests" in by_recipient[owner.email].body
    assert "Maija" in by_recipient[owner.email].body


@pytest.mark.parametrize("overrides, field, message", [
    ({"business_id": "3183476-1"}, "business_id", "already registered. Choose"),
    ({"company_action": "join", "business_id": "0112038-9"}, "business_id",
     "No company with this business ID"),
    ({"business_id": "2736490-5"}, "business_id", "check digit does not match"),
    ({"business_id": "27364904"}, "business_id", "in the form 1234567-8"),
    ({"password": "short pass", "password_confirm": "short pass"}, "password", "at least 12 characters"),
    ({"password_confirm": PASSWORD + "x"}, "password_confirm", "The two passwords do not match."),
    ({"accept_terms": None}, "accept_terms", "Accept the terms of use"),
    ({"company_name": ""}, "company_name", "Enter the name of the company"),
    ({"email": "not-an-email"}, "email", "Enter a valid email address"),
])
def test_register_refusal_is_a_400_next_to_the_field_and_creates_nothing(
        client, db, outbox, make_org, make_user, overrides, field, message):
    make_org("company", business_id="3183476-1")
    make_user(email="taken@example.org")
    before = counts(db)
    response = client.post("/register", data=form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', html), html
    assert counts(db) == before
    assert outbox == []


def test_register_with_a_known_address_answers_as_for_a_new_one_and_tells_the_owner(client, db, outbox,
                                                                                   make_user):
    owner = make_user(email="taken@example.org", name="Tiina Taken")
    before = counts(db)
    known = client.post("/register", data=form(email="TAKEN@example.org"))
    assert counts(db) == {**before, "OutboxMessage": before["OutboxMessage"] + 1}  # nothing but the email
    [message] = outbox
    assert message.recipients == [owner.email]
    assert "Someone tried to register" in message.body and "http://localhost/password/reset" in message.body
    assert "maija" not in message.body.lower()  # nothing the registering person typed is quoted
    new = client.post("/register", data=form(email="new@yritys.example", business_id="3183476-1"))
    assert (known.status_code, known.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert client.get(known.headers["Location"]).get_data(as_text=True) == client.get(
        new.headers["Location"]).get_data(as_text=True)


def test_register_with_a_known_address_checks_the_company_like_any_other(client, db, outbox, make_user):
    make_user(email="taken@example.org")
    response = client.post("/register", data=form(email="taken@example.org", company_action="join",
                                                  business_id="0112038-9"))
    assert response.status_code == 400
    assert "No company with this business ID" in response.get_data(as_text=True)
    assert outbox == []


def test_register_from_one_client_is_limited_and_the_form_is_kept(client, db, outbox):
    for n in range(10):
        response = client.post("/register", data=form(email=f"person{n}@yritys.example",
                                                      business_id=business_id(n)))
        assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post("/register", data=form(email="one.more@yritys.example",
                                                  company_name="Viimeinen Oy"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many messages were sent from your network" in html
    assert 'value="Viimeinen Oy"' in html and 'value="one.more@yritys.example"' in html
    assert len(outbox) == 10


def test_register_emails_one_address_a_few_times_at_most(client, db, outbox, make_user):
    make_user(email="victim@example.org")
    statuses = [client.post("/register", data=form(email="victim@example.org"),
                            environ_overrides={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
                for n in range(8)]
    assert statuses == [302] * 5 + [429] * 3
    assert len(outbox) == 5


def test_register_when_logged_in_goes_home(client, login_as):
    login_as("company_owner")
    assert client.get("/register").headers["Location"] == "/"


def _register(client, outbox):
    """Register a new company and return the verification token emailed."""
    client.post("/register", data=form())
    return link_token(outbox[-1], "/verify/")


def test_verify_valid_link_confirms_the_address_and_allows_login(client, db, outbox):
    token = _register(client, outbox)
    response = client.get(f"/verify/{token}")
    assert response.status_code == 200 and "Your email address is confirmed." in response.get_data(as_text=True)
    assert 'href="/login"' in response.get_data(as_text=True)
    user = db.session.scalar(select(User).filter_by(email="maija@yritys.example"))
    assert user.email_verified_at is not None
    assert db.session.scalar(select(UserToken)).used_at is not None
    assert "email_verified" in actions(db)
    login = client.post("/login", data={"email": "maija@yritys.example", "password": PASSWORD})
    assert login.status_code == 302


def test_login_before_verification_is_refused(client, outbox):
    _register(client, outbox)
    response = client.post("/login", data={"email": "maija@yritys.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "Confirm your email address first" in response.get_data(as_text=True)


def test_verify_reused_link_is_a_400(client, outbox):
    token = _register(client, outbox)
    client.get(f"/verify/{token}")
    response = client.get(f"/verify/{token}")
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    assert 'href="/verify/resend"' in response.get_data(as_text=True)


def test_verify_expired_link_is_a_400(client, db, outbox):
    token = _register(client, outbox)
    db.session.scalar(select(UserToken)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/verify/{token}")
    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)
    assert db.session.scalar(select(User)).email_verified_at is None


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x", lambda t: t + "x"])
def test_verify_tampered_link_is_a_400(client, db, outbox, tamper):
    token = _register(client, outbox)
    response = client.get(f"/verify/{tamper(token)}")
    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)
    assert db.session.scalar(select(User)).email_verified_at is None


def test_resend_verification_answers_the_same_for_unknown_verified_and_unverified(client, outbox, make_user):
    _register(client, outbox)
    make_user(email="verified@example.org")
    outbox.clear()
    answers = {}
    for email in ("maija@yritys.example", "verified@example.org", "nobody@example.org"):
        response = client.post("/verify/resend", data={"email": email})
        answers[email] = (response.status_code, response.headers["Location"])
    assert len(set(answers.values())) == 1
    assert [m.recipients for m in outbox] == [["maija@yritys.example"]]
    assert link_token(outbox[0], "/verify/")


def test_resend_verification_new_link_works_and_retires_the_old(client, db, outbox):
    old = _register(client, outbox)
    client.post("/verify/resend", data={"email": "MAIJA@yritys.example"})
    new = link_token(outbox[-1], "/verify/")
    assert new != old
    assert client.get(f"/verify/{new}").status_code == 200
    assert client.get(f"/verify/{old}").status_code == 400


def test_resend_verification_bad_address_is_a_400(client):
    response = client.post("/verify/resend", data={"email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.get_data(as_text=True)


@pytest.mark.postgresql_only  # SQLite runs writers one at a time (BEGIN IMMEDIATE): no interleaving there
def test_register_clash_with_a_simultaneous_registration_answers_as_for_a_known_address(client, db, app):
    """Another request takes the email between our check and our insert: the database refuses."""
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    raced = []

    def take_the_email_first(session, flush_context, instances):
        if not raced and any(isinstance(o, User) for o in session.new):
            raced.append(True)
            with other.begin() as conn:
                conn.execute(User.__table__.insert().values(
                    email="maija@yritys.example", name="Quicker", locale="fi", active=True,
                    is_platform_admin=False, session_version=1, created_at=utcnow()))

    sa.event.listen(Session, "before_flush", take_the_email_first)
    try:
        response = client.post("/register", data=form(), headers={"Accept-Language": "en"})
    finally:
        sa.event.remove(Session, "before_flush", take_the_email_first)
        other.dispose()
    assert raced
    # The second pass finds the address taken and answers as for any known address.
    assert response.status_code == 302 and response.headers["Location"] == "/email-sent/registration"
    assert db.session.scalar(select(Organisation).filter_by(business_id="2736490-4")) is None
    assert [u.name for u in db.session.scalars(select(User))] == ["Quicker"]


def test_resend_verification_is_limited_per_address_whatever_the_client(client, outbox):
    _register(client, outbox)  # the registration's own email counts too
    statuses = [client.post("/verify/resend", data={"email": "maija@yritys.example"},
                            environ_overrides={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
                for n in range(6)]
    assert statuses == [302] * 4 + [429] * 2
    assert len(outbox) == 5
