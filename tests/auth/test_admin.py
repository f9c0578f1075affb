"""User and organisation administration: scope, search, (de)activation, roles, organisations, query counts."""
import re

import pytest
from sqlalchemy import select

from auth.models import Membership, Organisation, OrgKind, User
from auth.roles import Role
from auth.services.accounts import add_membership
from tests.factories import PASSWORD, ROLES, as_user, audit_entries, count_queries

EN = {"Accept-Language": "en"}
ADMINS = {"platform_admin", "city_admin"}


def _user_links(html):
    """Ids of the users linked from a user list page."""
    return [int(i) for i in re.findall(r'href="/admin/users/(\d+)"', html)]


# --- who gets in --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/users", "/admin/organisations", "/admin/organisations/new"])
def test_admin_pages_send_visitors_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
def test_admin_user_list_is_for_admins_only(client, login_as, role):
    login_as(role)
    assert client.get("/admin/users").status_code == (200 if role in ADMINS else 403)
    assert client.get("/admin/organisations").status_code == (200 if role in ADMINS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_admin_organisation_forms_are_for_platform_admins_only(client, make_org, login_as, role):
    login_as(role)
    org = make_org()
    expected = 200 if role == "platform_admin" else 403
    assert client.get("/admin/organisations/new").status_code == expected
    assert client.get(f"/admin/organisations/{org.id}/edit").status_code == expected
    assert client.post("/admin/organisations/new", data={"kind": "city", "name": "X", "slug": "xx"}
                       ).status_code == (302 if role == "platform_admin" else 403)


# --- list: scope, search, pagination, query count --------------------------------------------

def test_admin_user_list_city_admin_sees_only_own_city(client, make_org, make_user, login_as):
    city_a, city_b = make_org(), make_org()
    admin = login_as("city_admin", org=city_a)
    officer_a = make_user(city_a, (Role.OFFICER.value,), name="Aapo Aaltonen")
    officer_b = make_user(city_b, (Role.OFFICER.value,), name="Bertta Bäckman")
    owner = make_user(make_org(OrgKind.COMPANY.value), (Role.OWNER.value,), name="Cecilia Company")
    html = client.get("/admin/users", headers=EN).get_data(as_text=True)
    assert set(_user_links(html)) == {admin.id, officer_a.id}
    assert officer_b.email not in html and owner.email not in html and "Bertta" not in html
    assert city_b.name not in html


def test_admin_user_list_platform_admin_sees_everyone(client, make_org, make_user, login_as):
    operator = login_as("platform_admin")
    people = [make_user(make_org(), (Role.OFFICER.value,)), make_user(make_org(), (Role.OFFICER.value,)),
              make_user(make_org(OrgKind.COMPANY.value), (Role.OWNER.value,)), make_user()]
    html = client.get("/admin/users", headers=EN).get_data(as_text=True)
    assert set(_user_links(html)) == {p.id for p in people} | {operator.id}


def test_admin_user_list_search_matches_name_and_email_case_insensitively(client, make_user, login_as):
    login_as("platform_admin")
    by_name = make_user(name="Helena Virtanen")
    by_email = make_user(email="h.korhonen@espoo.example")
    make_user(name="Matti Meikäläinen")  # matches neither search
    assert set(_user_links(client.get("/admin/users?q=VIRTA").get_data(as_text=True))) == {by_name.id}
    assert set(_user_links(client.get("/admin/users?q=Espoo.EX").get_data(as_text=True))) == {by_email.id}
    html = client.get("/admin/users?q=zzz", headers=EN).get_data(as_text=True)
    assert _user_links(html) == [] and "No people match the search." in html


def test_admin_user_list_search_treats_wildcards_literally(client, make_user, login_as):
    login_as("platform_admin")
    make_user(name="Percent Person")
    assert _user_links(client.get("/admin/users?q=%25").get_data(as_text=True)) == []
    assert _user_links(client.get("/admin/users?q=_").get_data(as_text=True)) == []


def test_admin_user_list_search_stays_in_scope(client, make_org, make_user, login_as):
    city_a, city_b = make_org(), make_org()
    login_as("city_admin", org=city_a)
    make_user(city_b, (Role.OFFICER.value,), name="Sanna Salainen")
    assert _user_links(client.get("/admin/users?q=salainen").get_data(as_text=True)) == []


def test_admin_user_list_pages_by_25(client, make_org, make_user, login_as):
    city = make_org()
    admin = login_as("city_admin", org=city, name="Aaaa Admin")
    people = [make_user(city, (Role.OFFICER.value,), name=f"Person {n:02d}") for n in range(30)]
    html = client.get("/admin/users", headers=EN).get_data(as_text=True)
    first = _user_links(html)
    assert first == [admin.id] + [p.id for p in people[:24]]
    after = re.search(r'href="(/admin/users\?after=\d+)"', html).group(1)
    html = client.get(after, headers=EN).get_data(as_text=True)
    assert _user_links(html) == [p.id for p in people[24:]]
    assert 'rel="next"' not in html and "First page" in html


def test_admin_user_list_pagination_keeps_the_search(client, make_user, login_as):
    login_as("platform_admin")
    matches = [make_user(name=f"Match {n:02d}") for n in range(27)]
    make_user(name="Zeta Other")
    html = client.get("/admin/users?q=match").get_data(as_text=True)
    next_link = re.search(r'href="(/admin/users\?[^"]*after=\d+[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "q=match" in next_link
    assert _user_links(client.get(next_link).get_data(as_text=True)) == [m.id for m in matches[25:]]


def test_admin_user_list_runs_the_same_queries_for_3_and_30_users(client, db, make_org, make_user, login_as):
    login_as("platform_admin")
    company = make_org(OrgKind.COMPANY.value)

    def add_people(n):
        for i in range(n):  # everyone with roles, so that the page shows memberships and organisations
            if i % 2:
                make_user(company, (Role.MEMBER.value,))
            else:
                make_user(make_org(), (Role.OFFICER.value, Role.EVALUATOR.value))

    def measure():
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get("/admin/users")
        assert response.status_code == 200
        return len(statements)

    add_people(2)  # 3 users with the admin
    small = measure()
    add_people(27)  # 30 users
    large = measure()
    assert small == large <= 10


def test_admin_user_list_shows_roles_and_status(client, db, make_org, make_user, login_as):
    login_as("platform_admin")
    city = make_org(name="Oulu")
    person = make_user(city, (Role.DECISION_MAKER.value,))
    person.active = False
    db.session.commit()
    html = client.get("/admin/users", headers=EN).get_data(as_text=True)
    assert "Decision maker, Oulu" in html and "Deactivated" in html


# --- detail ---------------------------------------------------------------------------------

def test_admin_user_detail_shows_memberships_and_history(client, make_org, make_user, login_as):
    city = make_org(name="Turku")
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    html = client.get(f"/admin/users/{person.id}", headers=EN).get_data(as_text=True)
    assert person.email in html and "Officer" in html and "Turku" in html
    assert "Role added" in html  # the membership_added audit row


def test_admin_user_detail_outside_scope_is_404(client, make_org, make_user, login_as):
    login_as("city_admin", org=make_org())
    stranger = make_user(make_org(), (Role.OFFICER.value,))
    loner = make_user()
    for user_id in (stranger.id, loner.id, 999_999):
        assert client.get(f"/admin/users/{user_id}").status_code == 404
        assert client.post(f"/admin/users/{user_id}/deactivate").status_code == 404
        assert client.post(f"/admin/users/{user_id}/memberships",
                           data={"organisation_id": 1, "role": "officer"}).status_code == 404


def test_admin_user_detail_platform_admin_reads_anyone(client, make_user, login_as):
    login_as("platform_admin")
    assert client.get(f"/admin/users/{make_user().id}").status_code == 200


def test_admin_user_detail_is_403_for_non_admins(client, make_org, make_user, login_as):
    city = make_org()
    login_as("officer", org=city)
    assert client.get(f"/admin/users/{make_user(city, (Role.OFFICER.value,)).id}").status_code == 403


# --- deactivation -----------------------------------------------------------------------------

def test_admin_deactivate_ends_sessions_and_login(app, client, db, make_org, make_user, login_as):
    city = make_org()
    admin = login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    browser = as_user(app, person)
    assert browser.get("/account").status_code == 200
    response = client.post(f"/admin/users/{person.id}/deactivate", headers=EN)
    assert response.status_code == 302
    assert browser.get("/account").status_code == 302
    login_form = {"email": person.email, "password": PASSWORD}
    assert app.test_client().post("/login", data=login_form).status_code == 400
    [entry] = audit_entries("user_deactivated")
    assert (entry.actor_id, entry.object_id) == (admin.id, person.id)
    db.session.refresh(person)
    assert not person.active and person.session_version == 2


def test_admin_reactivate_lets_the_person_log_in_again(app, client, db, make_org, make_user, login_as):
    admin = login_as("platform_admin")
    person = make_user(make_org(), (Role.OFFICER.value,))
    client.post(f"/admin/users/{person.id}/deactivate")
    assert client.post(f"/admin/users/{person.id}/reactivate").status_code == 302
    login_form = {"email": person.email, "password": PASSWORD}
    assert app.test_client().post("/login", data=login_form).status_code == 302
    [entry] = audit_entries("user_reactivated")
    assert (entry.actor_id, entry.object_id) == (admin.id, person.id)


def test_admin_cannot_deactivate_self(client, db, login_as):
    admin = login_as("platform_admin")
    response = client.post(f"/admin/users/{admin.id}/deactivate", headers=EN)
    assert response.status_code == 302
    html = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "You cannot deactivate your own account." in html
    db.session.refresh(admin)
    assert admin.active and audit_entries("user_deactivated") == []


def test_admin_city_admin_cannot_deactivate_a_platform_admin(client, db, make_org, make_user, login_as):
    city = make_org()
    login_as("city_admin", org=city)
    operator = make_user(city, (Role.OFFICER.value,), platform_admin=True)
    assert client.post(f"/admin/users/{operator.id}/deactivate").status_code == 403
    db.session.refresh(operator)
    assert operator.active


# --- memberships ------------------------------------------------------------------------------

def test_admin_add_and_remove_membership_are_audited(client, db, make_org, make_user, login_as):
    admin = login_as("platform_admin")
    company = make_org(OrgKind.COMPANY.value)
    person = make_user()
    response = client.post(f"/admin/users/{person.id}/memberships",
                           data={"organisation_id": company.id, "role": "owner"})
    assert response.status_code == 302
    [membership] = db.session.scalars(select(Membership).filter_by(user_id=person.id)).all()
    assert (membership.organisation_id, membership.role) == (company.id, "owner")
    added = audit_entries("membership_added")[-1]
    assert (added.actor_id, added.object_id) == (admin.id, person.id)
    assert added.data["role"] == "owner" and added.data["organisation_id"] == company.id
    response = client.post(f"/admin/users/{person.id}/memberships/{membership.id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(select(Membership).filter_by(user_id=person.id)).all() == []
    [removed] = audit_entries("membership_removed")
    assert (removed.actor_id, removed.object_id) == (admin.id, person.id)
    assert removed.data == {"organisation_id": company.id, "role": "owner", "status": "active"}


def test_admin_city_admin_adds_city_roles_in_own_city(client, db, make_org, make_user, login_as):
    city = make_org()
    login_as("city_admin", org=city)
    person = make_user(city, (Role.EVALUATOR.value,))
    response = client.post(f"/admin/users/{person.id}/memberships",
                           data={"organisation_id": city.id, "role": "decision_maker"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {m.role for m in db.session.get(User, person.id).memberships} == {"evaluator", "decision_maker"}


def test_admin_city_admin_cannot_add_a_role_in_another_city(client, db, make_org, make_user, login_as):
    city_a, city_b = make_org(), make_org()
    login_as("city_admin", org=city_a)
    person = make_user(city_a, (Role.OFFICER.value,))
    response = client.post(f"/admin/users/{person.id}/memberships",
                           data={"organisation_id": city_b.id, "role": "officer"})
    assert response.status_code == 403
    assert db.session.scalars(select(Membership).filter_by(organisation_id=city_b.id)).all() == []


def test_admin_city_admin_cannot_add_a_company_role(client, db, make_org, make_user, login_as):
    city = make_org()
    company = make_org(OrgKind.COMPANY.value)
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    for role in ("owner", "member"):
        response = client.post(f"/admin/users/{person.id}/memberships",
                               data={"organisation_id": company.id, "role": role})
        assert response.status_code == 403
    assert [e for e in audit_entries("membership_added") if e.data["organisation_id"] == company.id] == []
    assert db.session.scalars(select(Membership).filter_by(organisation_id=company.id)).all() == []


def test_admin_role_must_belong_to_the_organisation_kind(client, db, make_org, make_user, login_as):
    city = make_org()
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    response = client.post(f"/admin/users/{person.id}/memberships",
                           data={"organisation_id": city.id, "role": "owner"}, headers=EN)
    assert response.status_code == 400
    assert "City organisations do not have this role." in response.get_data(as_text=True)


def test_admin_city_admin_cannot_remove_a_role_in_another_organisation(client, db, make_org, make_user,
                                                                      login_as):
    city = make_org()
    company = make_org(OrgKind.COMPANY.value)
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    foreign = Membership(user_id=person.id, organisation_id=company.id, role="member")
    db.session.add(foreign)
    db.session.commit()
    assert client.post(f"/admin/users/{person.id}/memberships/{foreign.id}/remove").status_code == 403


def test_admin_remove_membership_of_another_user_is_404(client, make_org, make_user, login_as):
    login_as("platform_admin")
    city = make_org()
    person, other = make_user(city, (Role.OFFICER.value,)), make_user(city, (Role.OFFICER.value,))
    membership_id = other.memberships[0].id
    assert client.post(f"/admin/users/{person.id}/memberships/{membership_id}/remove").status_code == 404


@pytest.mark.parametrize("role", sorted(ADMINS))
def test_admin_cannot_give_themselves_a_role(client, db, make_org, login_as, role):
    city = make_org()
    admin = login_as(role, org=city if role == "city_admin" else None)
    response = client.post(f"/admin/users/{admin.id}/memberships",
                           data={"organisation_id": city.id, "role": "decision_maker"}, headers=EN)
    assert response.status_code == 400
    assert "You cannot change your own roles" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "decision_maker" not in {m.role for m in db.session.get(User, admin.id).memberships}
    assert [e for e in audit_entries("membership_added") if e.actor_id == admin.id] == []


def test_admin_cannot_remove_their_own_role(client, db, make_org, make_user, login_as):
    city = make_org()
    admin = login_as("city_admin", org=city)
    add_membership(admin, city, Role.OFFICER.value, actor=None)
    db.session.commit()
    officer = next(m for m in admin.memberships if m.role == Role.OFFICER.value)
    response = client.post(f"/admin/users/{admin.id}/memberships/{officer.id}/remove", headers=EN)
    assert response.status_code == 302
    html = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "You cannot change your own roles" in html
    assert db.session.get(Membership, officer.id) is not None and audit_entries("membership_removed") == []


def test_admin_own_page_hides_the_role_controls_that_another_persons_page_shows(client, make_org, make_user,
                                                                                 login_as):
    city = make_org()
    admin = login_as("city_admin", org=city)
    colleague = make_user(city, (Role.OFFICER.value,))
    own = client.get(f"/admin/users/{admin.id}", headers=EN).get_data(as_text=True)
    assert f'action="/admin/users/{admin.id}/memberships"' not in own
    assert "/remove" not in own
    assert "Another administrator changes your roles." in own
    theirs = client.get(f"/admin/users/{colleague.id}", headers=EN).get_data(as_text=True)
    assert f'action="/admin/users/{colleague.id}/memberships"' in theirs
    assert f"/admin/users/{colleague.id}/memberships/{colleague.memberships[0].id}/remove" in theirs


# --- organisations ----------------------------------------------------------------------------

def test_admin_organisation_list_city_admin_sees_only_own(client, make_org, login_as):
    city_a = make_org(name="Espoo")
    make_org(name="Vantaa")
    make_org(OrgKind.COMPANY.value, name="Kiertotalo Oy")
    login_as("city_admin", org=city_a)
    html = client.get("/admin/organisations", headers=EN).get_data(as_text=True)
    assert "Espoo" in html and "Vantaa" not in html and "Kiertotalo" not in html
    assert "/admin/organisations/new" not in html


def test_admin_organisation_list_platform_admin_sees_all(client, make_org, login_as):
    names = ["Espoo", "Vantaa", "Kiertotalo Oy"]
    make_org(name=names[0]), make_org(name=names[1]), make_org(OrgKind.COMPANY.value, name=names[2])
    login_as("platform_admin")
    html = client.get("/admin/organisations?q=", headers=EN).get_data(as_text=True)
    assert all(name in html for name in names)
    html = client.get("/admin/organisations?q=VANT", headers=EN).get_data(as_text=True)
    assert "Vantaa" in html and "Espoo" not in html


def test_admin_organisation_search_says_it_finds_business_ids_and_does_so(client, make_org, login_as):
    make_org(OrgKind.COMPANY.value, name="Kiertotalo Oy", business_id="3183476-1"), make_org(name="Espoo")
    login_as("platform_admin")
    html = client.get("/admin/organisations?q=3183476", headers=EN).get_data(as_text=True)
    assert "Search by name or business ID" in html and "Search by name or email" not in html
    assert "Kiertotalo Oy" in html and "Espoo" not in html


@pytest.mark.parametrize("kind, business_id", [
    ("company", "2736490-4"), ("research", ""), ("municipal_company", "3183476-1"), ("city", "")])
def test_admin_creates_organisations_of_every_kind(client, db, login_as, kind, business_id):
    admin = login_as("platform_admin")
    response = client.post("/admin/organisations/new", data={
        "kind": kind, "name": "Uusi organisaatio", "name_sv": "Ny", "slug": "uusi",
        "business_id": business_id, "is_sme": "y", "is_active": "y"})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).filter_by(slug="uusi"))
    assert org.kind == kind and org.business_id == (business_id or None) and org.name_en is None
    assert org.is_sme is (True if kind == "company" else None)
    [entry] = audit_entries("organisation_created")
    assert (entry.actor_id, entry.object_id) == (admin.id, org.id)


@pytest.mark.parametrize("business_id, message", [
    ("2736490-5", "check digit does not match"),
    ("2736490", "in the form 1234567-8"),
    ("1000008-0", "check digit does not match"),  # remainder 1: no check digit fits
])
def test_admin_organisation_business_id_is_checked(client, db, login_as, business_id, message):
    login_as("platform_admin")
    response = client.post("/admin/organisations/new", data={
        "kind": "company", "name": "Yritys Oy", "slug": "yritys", "business_id": business_id}, headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="business_id-error"[^>]*>[^<]*' + message, html)
    assert db.session.scalar(select(Organisation).filter_by(slug="yritys")) is None


def test_admin_company_needs_a_business_id(client, login_as):
    login_as("platform_admin")
    response = client.post("/admin/organisations/new", data={
        "kind": "company", "name": "Yritys Oy", "slug": "yritys"}, headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="business_id-error"[^>]*>A company needs a business ID.', html)


def test_admin_organisation_slug_and_business_id_must_be_unique(client, make_org, login_as):
    existing = make_org(OrgKind.COMPANY.value, slug="taken")
    login_as("platform_admin")
    response = client.post("/admin/organisations/new", data={
        "kind": "company", "name": "Yritys Oy", "slug": "taken", "business_id": "2736490-4"}, headers=EN)
    assert response.status_code == 400
    assert re.search(r'id="slug-error"[^>]*>Another organisation already uses this short name.',
                     response.get_data(as_text=True))
    response = client.post("/admin/organisations/new", data={
        "kind": "company", "name": "Yritys Oy", "slug": "free", "business_id": existing.business_id},
        headers=EN)
    assert response.status_code == 400
    assert re.search(r'id="business_id-error"[^>]*>Another organisation already has this business ID.',
                     response.get_data(as_text=True))


def test_admin_edit_organisation_saves_and_audits(client, db, make_org, login_as):
    org = make_org(OrgKind.RESEARCH.value, name="Tutkimuslaitos")
    admin = login_as("platform_admin")
    form = client.get(f"/admin/organisations/{org.id}/edit", headers=EN).get_data(as_text=True)
    assert 'name="kind"' not in form and "Research organisation" in form
    response = client.post(f"/admin/organisations/{org.id}/edit", data={
        "name": "Tutkimuslaitos", "name_en": "Research Institute", "slug": org.slug, "is_active": "y"})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.name_en == "Research Institute" and org.kind == "research"
    [entry] = audit_entries("organisation_updated")
    assert entry.actor_id == admin.id and entry.data == {"fields": ["name_en"]}


def test_admin_edit_keeps_own_slug_but_refuses_anothers(client, make_org, login_as):
    org, other = make_org(), make_org()
    login_as("platform_admin")
    data = {"name": org.name, "slug": other.slug, "is_active": "y"}
    assert client.post(f"/admin/organisations/{org.id}/edit", data=data).status_code == 400
    own_slug = {**data, "slug": org.slug}
    assert client.post(f"/admin/organisations/{org.id}/edit", data=own_slug).status_code == 302


def test_admin_edit_missing_organisation_is_404(client, login_as):
    login_as("platform_admin")
    assert client.get("/admin/organisations/999999/edit").status_code == 404



def test_admin_city_admin_sees_nothing_of_another_organisation(client, db, make_org, make_user, login_as):
    city_a, city_b = make_org(name="Espoo"), make_org(name="Vantaa")
    company = make_org(OrgKind.COMPANY.value, name="Kiertotalo Oy")
    owner = make_user(company, (Role.OWNER.value,), name="Olga Owner")
    login_as("city_admin", org=city_a)
    person = make_user(city_a, (Role.OFFICER.value,))
    add_membership(person, city_b, Role.EVALUATOR.value, actor=None)
    add_membership(person, company, Role.MEMBER.value, actor=owner)
    db.session.commit()
    for path in ("/admin/users", f"/admin/users/{person.id}", "/admin/organisations"):
        html = client.get(path, headers=EN).get_data(as_text=True)
        assert "Espoo" in html
        assert "Vantaa" not in html and "Kiertotalo" not in html and "Olga Owner" not in html, path
