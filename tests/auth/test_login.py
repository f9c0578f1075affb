"""Logging in and out: audit rows, unverified accounts, remember-me and the per-account rate limit."""
import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from tests.factories import PASSWORD, audit_entries

EN = {"Accept-Language": "en"}


def _login(client, email, password=PASSWORD, **extra):
    """Post the login form."""
    return client.post("/login", data={"email": email, "password": password, **extra}, headers=EN)


def test_login_success_redirects_and_is_audited(client, db, make_user):
    user = make_user()
    response = _login(client, user.email.upper(), next="/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account", headers=EN).status_code == 200
    [entry] = audit_entries("login")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (user.id, "users", user.id)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_never_redirects_off_site(client, make_user):
    response = _login(client, make_user().email, next="https://evil.example/")
    assert response.headers["Location"] == "/start"


@pytest.mark.parametrize("target", ["/account\r\nSet-Cookie: session=x", "/account\n", "/\\evil.example"])
def test_login_with_an_odd_next_logs_in_and_goes_to_the_start_page(client, make_user, target):
    response = _login(client, make_user().email, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/start"
    assert client.get("/account", headers=EN).status_code == 200


def test_login_wrong_password_is_refused_and_audited(client, db, make_user):
    user = make_user()
    response = _login(client, user.email, "not the password")
    assert response.status_code == 400
    assert "The email address or password is wrong." in response.get_data(as_text=True)
    [entry] = audit_entries("login_failed")
    assert entry.object_id == user.id and entry.actor_id is None
    assert entry.data == {"reason": "credentials"}
    assert audit_entries("login") == []


def test_login_unknown_email_gets_the_same_answer(client, db):
    response = _login(client, "nobody@example.org")
    assert response.status_code == 400
    assert "The email address or password is wrong." in response.get_data(as_text=True)
    [entry] = audit_entries("login_failed")
    assert entry.object_id is None


def test_login_unverified_account_is_refused_with_message(client, make_user):
    user = make_user(verified=False)
    response = _login(client, user.email)
    assert response.status_code == 400
    assert "Confirm your email address first" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_login_deactivated_account_is_refused(client, db, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    response = _login(client, user.email)
    assert response.status_code == 400
    assert audit_entries("login_failed")[0].data == {"reason": "inactive"}


def test_login_remember_me_sets_a_remember_cookie(client, make_user):
    user = make_user()
    response = _login(client, user.email, remember="y")
    assert response.status_code == 302
    assert any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))


def test_login_without_remember_me_sets_no_remember_cookie(client, make_user):
    response = _login(client, make_user().email)
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))


def test_login_remember_cookie_logs_in_a_new_session(app, client, make_user):
    user = make_user()
    _login(client, user.email, remember="y")
    cookie = client.get_cookie("remember_token")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert fresh.get("/account", headers=EN).status_code == 200


ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def test_login_failures_slow_the_same_client_with_a_wait_it_is_told(client, make_user):
    user = make_user()
    for _attempt in range(5):
        assert _login(client, user.email, "wrong password").status_code == 400
    response = _login(client, user.email)  # the right password, at once: this client waits a moment
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    html = response.get_data(as_text=True)
    assert "Too many wrong passwords for this account from your device. Wait 1 second" in html
    assert f'value="{user.email}"' in html  # what was typed is kept
    time.sleep(1.1)
    assert _login(client, user.email).status_code == 302


def test_login_attacker_failures_never_refuse_the_owners_right_password(client, make_user):
    user = make_user()
    for _attempt in range(12):
        client.post("/login", data={"email": user.email, "password": "guess"}, environ_overrides=ATTACKER)
    attacker = client.post("/login", data={"email": user.email, "password": "guess"},
                           environ_overrides=ATTACKER)
    assert attacker.status_code == 429
    owner = client.post("/login", data={"email": user.email, "password": PASSWORD}, environ_overrides=OWNER)
    assert owner.status_code == 302


def test_login_failures_on_many_accounts_slow_only_that_client(client, make_user):
    for n in range(20):
        client.post("/login", data={"email": f"random{n}@example.org", "password": "guess"},
                    environ_overrides=ATTACKER)
    user = make_user()
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=EN,
                          environ_overrides=ATTACKER)
    assert refused.status_code == 429
    assert "Too many failed logins from your network." in refused.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD},
                       environ_overrides=OWNER).status_code == 302


def test_login_rate_limit_is_per_account_whatever_the_case_of_the_email(client, make_user):
    user = make_user()
    for attempt in range(5):
        _login(client, user.email.upper() if attempt % 2 else user.email, "wrong password")
    assert _login(client, user.email.title()).status_code == 429


def test_login_rate_limit_does_not_count_successful_logins(client, make_user):
    user = make_user()
    for _attempt in range(6):
        assert _login(client, user.email).status_code == 302
        client.post("/logout")
    for _attempt in range(4):
        assert _login(client, user.email, "wrong password").status_code == 400
    assert _login(client, user.email).status_code == 302


def test_login_page_redirects_a_logged_in_user(client, login_as):
    login_as("user")
    assert client.get("/login").status_code == 302


def test_logout_ends_the_session_and_is_audited(client, db, login_as):
    user = login_as("officer")
    response = client.post("/logout", headers=EN)
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    [entry] = audit_entries("logout")
    assert entry.actor_id == user.id


def test_logout_ends_a_session_cookie_captured_before_it(app, client, make_user):
    user = make_user()
    _login(client, user.email)
    captured = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get("/account", headers=EN).status_code == 302


def test_logout_ends_a_remember_cookie_captured_before_it(app, client, make_user):
    user = make_user()
    _login(client, user.email, remember="y")
    captured = client.get_cookie("remember_token").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", captured)
    assert thief.get("/account", headers=EN).status_code == 302
    assert _login(app.test_client(), user.email).status_code == 302  # the owner logs in again as usual


def test_login_remember_cookie_lasts_30_days_at_most_and_is_same_site_lax(client, make_user):
    response = _login(client, make_user().email, remember="y")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert "SameSite=Lax" in header and "HttpOnly" in header
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    assert timedelta(days=29, hours=23) < expires - datetime.now(timezone.utc) <= timedelta(days=30)


def test_signed_in_pages_are_never_stored_by_caches(client, login_as):
    assert "no-store" not in client.get("/", headers=EN).headers.get("Cache-Control", "")
    login_as("user")
    for path in ("/", "/account", "/account/export"):
        assert client.get(path, headers=EN).headers["Cache-Control"] == "no-store", path


def test_logout_needs_a_login(client):
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_is_post_only(client, login_as):
    login_as("user")
    assert client.get("/logout").status_code == 405
