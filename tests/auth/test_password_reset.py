"""Password reset: same answer for every address, single-use expiring links, old sessions ended."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from auth.models import UserToken
from auth.passwords import verify_password
from core.audit import AuditEntry
from core.mail import OutboxMessage
from core.models import utcnow

NEW_PASSWORD = "a brand new passphrase"


pytestmark = pytest.mark.usefixtures("english")  # pages in English, whatever translations exist


def reset_token(message):
    """The token of the reset link in an email."""
    match = re.search(r"http://localhost/password/reset/([\w-]+)", message.body)
    assert match, message.body
    return match.group(1)


def ask_for_link(client, outbox, email):
    """Request a reset link for email and return the token sent."""
    client.post("/password/reset", data={"email": email})
    return reset_token(outbox[-1])


def new_password(password=NEW_PASSWORD, confirm=None):
    """The reset form's data."""
    return {"password": password, "password_confirm": password if confirm is None else confirm}


def test_password_reset_request_page_shows_the_form(client):
    html = client.get("/password/reset").get_data(as_text=True)
    assert 'name="email"' in html


def test_password_reset_request_answers_the_same_for_an_unknown_address(client, outbox, make_user):
    user = make_user(email="known@example.org")
    known = client.post("/password/reset", data={"email": "Known@Example.org"})
    unknown = client.post("/password/reset", data={"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.get_data() == unknown.get_data()
    assert [m.recipients for m in outbox] == [[user.email]]
    html = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "If an account exists for that address" in html


def test_password_reset_request_bad_address_is_a_400(client, outbox):
    response = client.post("/password/reset", data={"email": ""})
    assert response.status_code == 400
    assert "Enter your email address." in response.get_data(as_text=True)
    assert outbox == []


def test_password_reset_sets_the_password_once_and_audits(client, db, outbox, make_user):
    user = make_user(email="known@example.org", verified=False)
    token = ask_for_link(client, outbox, user.email)
    assert client.get(f"/password/reset/{token}").status_code == 200
    response = client.post(f"/password/reset/{token}", data=new_password())
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.email_verified_at is not None  # the emailed link proved the address
    assert db.session.scalar(select(UserToken).filter_by(user_id=user.id)).used_at is not None
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert "password_reset_requested" in actions and "password_reset" in actions
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_password_reset_ends_old_sessions(client, db, outbox, app, make_org, make_user, login):
    company = make_org("company")
    user = login(make_user(company, ("owner",), email="known@example.org"))
    page = f"/organisations/{company.id}/requests"
    assert client.get(page).status_code == 200
    other = app.test_client()
    token = ask_for_link(other, outbox, user.email)
    other.post(f"/password/reset/{token}", data=new_password())
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(user)
    assert user.session_version == 2


def test_password_reset_reused_link_is_a_400(client, outbox, make_user):
    user = make_user(email="known@example.org")
    token = ask_for_link(client, outbox, user.email)
    client.post(f"/password/reset/{token}", data=new_password())
    response = client.post(f"/password/reset/{token}", data=new_password("another passphrase here"))
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    assert 'href="/password/reset"' in response.get_data(as_text=True)


def test_password_reset_expired_link_is_a_400(client, db, outbox, make_user):
    user = make_user(email="known@example.org")
    token = ask_for_link(client, outbox, user.email)
    db.session.scalar(select(UserToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for response in (client.get(f"/password/reset/{token}"),
                     client.post(f"/password/reset/{token}", data=new_password())):
        assert response.status_code == 400
        assert "This link has expired." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not verify_password(user.password_hash, NEW_PASSWORD)


def test_password_reset_tampered_link_is_a_400(client, outbox, make_user):
    user = make_user(email="known@example.org")
    token = ask_for_link(client, outbox, user.email)
    response = client.post(f"/password/reset/{token[::-1]}", data=new_password())
    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)


def test_password_reset_link_does_not_verify_an_email(client, outbox, make_user):
    user = make_user(email="known@example.org")
    token = ask_for_link(client, outbox, user.email)
    assert client.get(f"/verify/{token}").status_code == 400


def test_password_reset_newer_link_retires_older_ones_once_used(client, outbox, make_user):
    user = make_user(email="known@example.org")
    first = ask_for_link(client, outbox, user.email)
    second = ask_for_link(client, outbox, user.email)
    assert client.post(f"/password/reset/{second}", data=new_password()).status_code == 302
    assert client.get(f"/password/reset/{first}").status_code == 400


@pytest.mark.parametrize("data, message", [
    (new_password("too short"), "at least 12 characters"),
    (new_password(confirm="something else entirely"), "The two passwords do not match."),
])
def test_password_reset_bad_password_is_a_400_and_keeps_the_link(client, db, outbox, make_user, data,
                                                                 message):
    user = make_user(email="known@example.org")
    token = ask_for_link(client, outbox, user.email)
    response = client.post(f"/password/reset/{token}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(UserToken)).used_at is None


def test_password_reset_requests_are_rate_limited_per_address(client, outbox, make_user):
    user = make_user(email="known@example.org")
    for _ in range(5):
        assert client.post("/password/reset", data={"email": user.email}).status_code == 302
    response = client.post("/password/reset", data={"email": user.email.upper()})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many emails were sent to this address" in html and 'value="KNOWN@EXAMPLE.ORG"' in html
    assert len(outbox) == 5
    assert client.post("/password/reset", data={"email": "someone@example.org"}).status_code == 302


def test_password_reset_limits_count_unknown_addresses_too(client, outbox):
    statuses = [client.post("/password/reset", data={"email": "nobody@example.org"}).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]  # so the limit itself tells nothing about the address


def test_password_reset_requests_from_one_client_are_limited(client, outbox):
    for n in range(10):
        assert client.post("/password/reset", data={"email": f"person{n}@example.org"}).status_code == 302
    response = client.post("/password/reset", data={"email": "one.more@example.org"})
    assert response.status_code == 429
    assert "Too many messages were sent from your network" in response.get_data(as_text=True)
    other_client = client.post("/password/reset", data={"email": "one.more@example.org"},
                               environ_overrides={"REMOTE_ADDR": "198.51.100.7"})
    assert other_client.status_code == 302


def test_password_reset_request_does_the_same_work_for_known_and_unknown_addresses(client, db, make_user,
                                                                                  redis_queue):
    """The request only queues a job: the lookup, token, audit row and email happen after the response."""
    user = make_user(email="known@example.org")
    before = list(db.session.scalars(select(AuditEntry.id)))
    known = client.post("/password/reset", data={"email": "known@example.org"})
    unknown = client.post("/password/reset", data={"email": "unknown@example.org"})
    assert (known.status_code, known.headers["Location"], known.get_data()) == (
        unknown.status_code, unknown.headers["Location"], unknown.get_data())
    jobs = redis_queue.jobs
    assert [(j.func_name, j.args) for j in jobs] == [
        ("auth.jobs.send_password_reset_link", ("known@example.org",)),
        ("auth.jobs.send_password_reset_link", ("unknown@example.org",))]
    assert db.session.scalar(select(UserToken)) is None
    assert list(db.session.scalars(select(AuditEntry.id))) == before
    for job in jobs:  # what a worker would do
        job.func(*job.args)
    assert db.session.scalar(select(UserToken)).user_id == user.id
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "known@example.org" and message.event == "password_reset"
