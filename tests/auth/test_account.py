"""A person's own account: profile and language, password change, data export and deletion."""
import json
import re

import pytest
from sqlalchemy import select

from auth.models import Membership, OrgKind, User
from auth.passwords import verify_password
from auth.roles import Role
from core import audit
from tests.factories import PASSWORD, as_user, audit_entries

EN = {"Accept-Language": "en"}
NEW_PASSWORD = "a brand new long passphrase"


@pytest.mark.parametrize("path", ["/account", "/account/export", "/account/delete"])
def test_account_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_account_page_shows_the_forms(client, login_as):
    user = login_as("officer")
    html = client.get("/account", headers=EN).get_data(as_text=True)
    assert user.email in html
    assert f'value="{user.name}"' in html
    assert 'action="/account/password"' in html
    assert 'href="/account/export"' in html


def test_profile_update_saves_name_and_language(client, db, login_as):
    user = login_as("user")
    response = client.post("/account", data={"name": "  Maija Meikäläinen ", "locale": "sv"}, headers=EN)
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Maija Meikäläinen", "sv")
    [entry] = audit_entries("profile_updated")
    assert entry.actor_id == user.id and entry.data == {"fields": ["locale", "name"]}


def test_profile_language_preference_applies_to_the_ui(client, login_as):
    login_as("user", locale="en")
    client.post("/account", data={"name": "Maija", "locale": "sv"})
    html = client.get("/account", headers=EN).get_data(as_text=True)
    assert '<html lang="sv">' in html
    client.post("/account", data={"name": "Maija", "locale": "fi"})
    assert '<html lang="fi">' in client.get("/", headers=EN).get_data(as_text=True)


def test_profile_update_without_name_is_refused(client, db, login_as):
    user = login_as("user")
    response = client.post("/account", data={"name": " ", "locale": "en"}, headers=EN)
    assert response.status_code == 400
    assert "Enter your name." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.name.startswith("User ")


def test_profile_update_with_unknown_language_is_refused(client, login_as):
    login_as("user")
    assert client.post("/account", data={"name": "X", "locale": "de"}, headers=EN).status_code == 400


def test_password_change_keeps_this_session_and_ends_others(app, client, db, login_as):
    user = login_as("officer")
    other = as_user(app, user)
    assert other.get("/account").status_code == 200
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=EN)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    response = other.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.session_version == 2
    assert [e.actor_id for e in audit_entries("password_changed")] == [user.id]


def test_password_change_renews_this_browsers_remember_cookie_and_voids_old_ones(app, client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    old_cookie = client.get_cookie("remember_token").value
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token").value != old_cookie
    for cookie, expected in ((old_cookie, 302), (client.get_cookie("remember_token").value, 200)):
        browser = app.test_client()
        browser.set_cookie("remember_token", cookie)
        assert browser.get("/account").status_code == expected


def test_password_change_new_password_logs_in_and_old_does_not(app, client, login_as):
    user = login_as("user")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_password_change_with_wrong_current_password_is_400_next_to_the_field(client, db, login_as):
    user = login_as("user")
    response = client.post("/account/password", data={
        "current_password": "not my password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<div id="current_password-error"[^>]*>The current password is wrong.', html)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD) and user.session_version == 1
    assert audit_entries("password_changed") == []
    assert len(audit_entries("password_change_refused")) == 1


def test_password_change_too_short_is_400(client, db, login_as):
    user = login_as("user")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short pass", "confirm": "short pass"}, headers=EN)
    assert response.status_code == 400
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_password_change_confirmation_must_match(client, login_as):
    login_as("user")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
        headers=EN)
    assert response.status_code == 400
    assert "The two new passwords differ." in response.get_data(as_text=True)


def test_password_change_attempts_are_rate_limited(client, login_as):
    login_as("user")
    wrong = {"current_password": "guess", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _attempt in range(10):
        assert client.post("/account/password", data=wrong).status_code == 400
    response = client.post("/account/password", data={**wrong, "current_password": PASSWORD}, headers=EN)
    assert response.status_code == 429
    assert "Too many wrong passwords." in response.get_data(as_text=True)


def test_export_is_a_json_attachment_with_profile_memberships_and_actions(client, db, make_org, login_as):
    city = make_org(name="Tampere")
    user = login_as("city_admin", org=city)
    client.post("/account", data={"name": "Tiina", "locale": "en"})
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="kokeilu-personal-data-{user.id}.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == user.email and data["profile"]["name"] == "Tiina"
    assert data["memberships"] == [{
        "organisation": "Tampere", "organisation_kind": "city", "business_id": None, "role": "admin",
        "status": "active", "created_at": data["memberships"][0]["created_at"]}]
    assert [a["action"] for a in data["actions"]] == ["profile_updated"]
    assert len(audit_entries("personal_data_exported")) == 1


def test_export_never_contains_the_password_hash(client, db, login_as):
    user = login_as("company_owner")
    body = client.get("/account/export").get_data(as_text=True)
    db.session.refresh(user)
    assert "password" not in body
    assert user.password_hash not in body and "$argon2" not in body


def test_export_leaves_out_actions_of_other_people(client, db, make_user, login_as):
    someone = make_user()
    me = login_as("user")
    audit.record("profile_updated", someone, someone)
    db.session.commit()
    data = client.get("/account/export").get_json()
    assert data["actions"] == [] and data["profile"]["id"] == me.id


def test_delete_page_asks_for_the_password(client, login_as):
    login_as("user")
    html = client.get("/account/delete", headers=EN).get_data(as_text=True)
    assert 'name="current_password"' in html and "Delete my account" in html


def test_delete_anonymises_and_logs_out(client, db, make_org, login_as):
    company = make_org(OrgKind.COMPANY.value)
    user = login_as("company_member", org=company)
    client.post("/account", data={"name": "Kim", "locale": "en"})
    earlier = audit_entries("profile_updated")
    response = client.post("/account/delete", data={"current_password": PASSWORD}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your account was deleted" in client.get("/", headers=EN).get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.email == f"deleted-{user.id}@anonymised.invalid"
    assert (user.name, user.password_hash, user.active) == ("Deleted user", None, False)
    assert user.anonymised_at is not None and user.session_version == 2
    assert db.session.scalars(select(Membership).filter_by(user_id=user.id)).all() == []
    assert [(e.id, e.actor_id) for e in audit_entries("profile_updated")] == [(e.id, user.id) for e in earlier]
    [entry] = audit_entries("account_anonymised")
    assert entry.actor_id == user.id and entry.object_id == user.id
    assert entry.data == {"memberships_removed": [{"organisation_id": company.id, "role": "member"}]}
    assert client.get("/account").status_code == 302


def test_delete_person_can_no_longer_log_in(app, client, login_as):
    user = login_as("officer")
    email = user.email
    other = as_user(app, user)
    client.post("/account/delete", data={"current_password": PASSWORD})
    assert other.get("/account").status_code == 302
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 400


def test_delete_with_wrong_password_is_400_and_changes_nothing(client, db, login_as):
    user = login_as("user")
    response = client.post("/account/delete", data={"current_password": "wrong"}, headers=EN)
    assert response.status_code == 400
    assert "The current password is wrong." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.anonymised_at is None and user.is_active


def test_delete_refuses_the_sole_owner_of_a_company_with_other_members(client, db, make_org, make_user,
                                                                        login_as):
    company = make_org(OrgKind.COMPANY.value, name="Ruokaviisas Oy")
    owner = login_as("company_owner", org=company)
    make_user(company, (Role.MEMBER.value,))
    response = client.post("/account/delete", data={"current_password": PASSWORD}, headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You are the only owner of Ruokaviisas Oy" in html and "Transfer ownership first" in html
    db.session.refresh(owner)
    assert owner.anonymised_at is None and len(owner.memberships) == 1


def test_delete_allows_an_owner_with_a_co_owner(client, db, make_org, make_user, login_as):
    company = make_org(OrgKind.COMPANY.value)
    owner = login_as("company_owner", org=company)
    make_user(company, (Role.OWNER.value,))
    make_user(company, (Role.MEMBER.value,))
    assert client.post("/account/delete", data={"current_password": PASSWORD}).status_code == 302
    db.session.refresh(owner)
    assert owner.anonymised_at is not None


def test_delete_allows_the_sole_owner_when_other_members_are_inactive(client, db, make_org, make_user,
                                                                      login_as):
    company = make_org(OrgKind.COMPANY.value)
    login_as("company_owner", org=company)
    gone = make_user(company, (Role.MEMBER.value,))
    gone.active = False
    make_user(company, (Role.MEMBER.value,)).memberships[0].status = "pending"
    db.session.commit()
    assert client.post("/account/delete", data={"current_password": PASSWORD}).status_code == 302
