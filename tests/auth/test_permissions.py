"""Roles per object, the can_* predicates for every role, and the scoping of admin queries."""
import pytest
from sqlalchemy import select

from auth.models import Organisation, OrgKind
from auth.permissions import (
    can_administer_users,
    can_grant_roles_in,
    can_invite,
    can_manage_members,
    can_manage_organisations,
    can_manage_user,
    roles_for,
    visible_organisations,
    visible_users,
)
from auth.roles import PLATFORM_ADMIN, SELF, Role
from core.models import utcnow
from tests.factories import ROLE_SETUP, ROLES

# The membership roles each test role holds in its own organisation.
OWN_ORG_ROLES = {
    "platform_admin": {PLATFORM_ADMIN},
    "city_admin": {Role.CITY_ADMIN.value},
    "officer": {Role.OFFICER.value},
    "decision_maker": {Role.DECISION_MAKER.value},
    "evaluator": {Role.EVALUATOR.value},
    "company_owner": {Role.OWNER.value},
    "company_member": {Role.MEMBER.value},
    "user": set(),
}
ADMINS = {"platform_admin", "city_admin"}


@pytest.fixture
def actor_in_org(make_org, user_with_role):
    """A user in a role, with their organisation (a city for roles without one)."""

    def make(role: str):
        org = make_org(ROLE_SETUP[role][0] or OrgKind.CITY.value)
        return user_with_role(role, org), org

    return make


def test_roles_table_covers_every_role():
    assert set(OWN_ORG_ROLES) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_roles_for_organisation_gives_membership_roles_in_own_organisation(actor_in_org, role):
    user, org = actor_in_org(role)
    assert roles_for(user, org) == OWN_ORG_ROLES[role]


@pytest.mark.parametrize("role", ROLES)
def test_roles_for_organisation_gives_nothing_in_another_organisation(actor_in_org, make_org, role):
    user, _org = actor_in_org(role)
    for kind in OrgKind:
        other = make_org(kind.value)
        assert roles_for(user, other) == ({PLATFORM_ADMIN} if role == "platform_admin" else set())


@pytest.mark.parametrize("role", ROLES)
def test_roles_for_user_is_self_for_own_account(actor_in_org, role):
    user, _org = actor_in_org(role)
    expected = {SELF} | ({PLATFORM_ADMIN} if role == "platform_admin" else set())
    expected |= {Role.CITY_ADMIN.value} if role == "city_admin" else set()  # an admin of their own city
    assert roles_for(user, user) == expected


@pytest.mark.parametrize("role", ROLES)
def test_roles_for_user_gives_admin_roles_over_colleagues_only(actor_in_org, make_user, make_org, role):
    user, org = actor_in_org(role)
    colleague_role = Role.MEMBER.value if org.kind == OrgKind.COMPANY.value else Role.OFFICER.value
    colleague = make_user(org, (colleague_role,))
    stranger = make_user(make_org(OrgKind.CITY.value), (Role.OFFICER.value,))
    own = {"platform_admin": {PLATFORM_ADMIN}, "city_admin": {Role.CITY_ADMIN.value}}.get(role, set())
    assert roles_for(user, colleague) == own
    assert roles_for(user, stranger) == ({PLATFORM_ADMIN} if role == "platform_admin" else set())


def test_roles_for_unverified_or_deactivated_user_is_empty(make_org, make_user, db):
    city = make_org()
    unverified = make_user(city, (Role.CITY_ADMIN.value,), verified=False)
    deactivated = make_user(city, (Role.CITY_ADMIN.value,))
    deactivated.active = False
    db.session.commit()
    for user in (unverified, deactivated):
        assert roles_for(user, city) == set()
        assert not can_administer_users(user)


def test_roles_for_unknown_object_is_a_type_error(make_user):
    with pytest.raises(TypeError):
        roles_for(make_user(), object())


@pytest.mark.parametrize("role", ROLES)
def test_can_administer_users_only_for_admins(actor_in_org, role):
    user, _org = actor_in_org(role)
    assert can_administer_users(user) is (role in ADMINS)


@pytest.mark.parametrize("role", ROLES)
def test_can_manage_organisations_only_for_platform_admin(actor_in_org, role):
    user, _org = actor_in_org(role)
    assert can_manage_organisations(user) is (role == "platform_admin")


@pytest.mark.parametrize("role", ROLES)
def test_can_manage_members_of_own_and_other_organisations(actor_in_org, make_org, role):
    user, org = actor_in_org(role)
    assert can_manage_members(user, org) is (role in ADMINS | {"company_owner"})
    assert can_manage_members(user, make_org(org.kind)) is (role == "platform_admin")


@pytest.mark.parametrize("role", ROLES)
def test_can_invite_to_cities_by_their_admins_and_to_companies_by_their_owners(actor_in_org, make_org, role):
    user, org = actor_in_org(role)
    assert can_invite(user, org) is (role in ADMINS | {"company_owner"})
    assert can_invite(user, make_org(OrgKind.CITY.value)) is (role == "platform_admin")
    assert can_invite(user, make_org(OrgKind.COMPANY.value)) is (role == "platform_admin")


@pytest.mark.parametrize("role", ROLES)
def test_can_grant_roles_in_own_city_or_anywhere_for_platform_admin(actor_in_org, make_org, role):
    user, org = actor_in_org(role)
    assert can_grant_roles_in(user, org) is (role in ADMINS)
    for kind in OrgKind:
        assert can_grant_roles_in(user, make_org(kind.value)) is (role == "platform_admin")


@pytest.mark.parametrize("role", ROLES)
def test_can_manage_user_colleagues_and_strangers(actor_in_org, make_user, make_org, role):
    user, org = actor_in_org(role)
    colleague_role = Role.MEMBER.value if org.kind == OrgKind.COMPANY.value else Role.OFFICER.value
    colleague = make_user(org, (colleague_role,))
    stranger = make_user(make_org(), (Role.OFFICER.value,))
    assert can_manage_user(user, colleague) is (role in ADMINS)
    assert can_manage_user(user, stranger) is (role == "platform_admin")


def test_can_manage_user_city_admin_cannot_manage_platform_admin_of_own_city(make_org, make_user):
    city = make_org()
    city_admin = make_user(city, (Role.CITY_ADMIN.value,))
    operator = make_user(city, (Role.OFFICER.value,), platform_admin=True)
    assert not can_manage_user(city_admin, operator)
    assert can_manage_user(operator, city_admin)


def test_visible_users_city_admin_sees_only_own_city(db, make_org, make_user):
    city_a, city_b = make_org(), make_org()
    company = make_org(OrgKind.COMPANY.value)
    admin_a = make_user(city_a, (Role.CITY_ADMIN.value,))
    officer_a = make_user(city_a, (Role.OFFICER.value,))
    officer_b = make_user(city_b, (Role.OFFICER.value,))
    company_owner = make_user(company, (Role.OWNER.value,))
    loner = make_user()
    seen = set(db.session.scalars(visible_users(admin_a)))
    assert seen == {admin_a, officer_a}
    assert not seen & {officer_b, company_owner, loner}


def test_visible_users_platform_admin_sees_everyone_but_anonymised(db, make_org, make_user):
    city_a, city_b = make_org(), make_org()
    people = [make_user(city_a, (Role.OFFICER.value,)), make_user(city_b, (Role.OFFICER.value,)),
              make_user(make_org(OrgKind.COMPANY.value), (Role.OWNER.value,)), make_user()]
    operator = make_user(platform_admin=True)
    gone = make_user()
    gone.anonymised_at = utcnow()
    db.session.commit()
    seen = set(db.session.scalars(visible_users(operator)))
    assert seen == set(people) | {operator}


@pytest.mark.parametrize("role", sorted(set(ROLES) - ADMINS))
def test_visible_users_is_empty_for_non_admins(db, actor_in_org, make_user, role):
    user, org = actor_in_org(role)
    make_user(org, (Role.OFFICER.value,) if org.is_city else (Role.MEMBER.value,))
    assert list(db.session.scalars(visible_users(user))) == []


def test_visible_organisations_platform_admin_all_city_admin_own(db, make_org, make_user):
    city_a, city_b = make_org(), make_org()
    company = make_org(OrgKind.COMPANY.value)
    admin_a = make_user(city_a, (Role.CITY_ADMIN.value,))
    operator = make_user(platform_admin=True)
    assert set(db.session.scalars(visible_organisations(admin_a))) == {city_a}
    everything = set(db.session.scalars(select(Organisation)))
    assert set(db.session.scalars(visible_organisations(operator))) == everything == {city_a, city_b, company}
