"""Who may see and do what: roles per object, scoping of queries, predicates and a view decorator.

`roles_for(user, obj)` is the one answer to "what is this user to this
object?". Later packages teach it about their own models with
`@register_roles`. List pages never filter by hand: they call the scoping
helpers here, so that a page cannot leak another organisation's data.
"""
from __future__ import annotations

from functools import singledispatch, wraps
from typing import Any, Callable, Iterable

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from auth.models import Membership, MembershipStatus, Organisation, User
from auth.roles import PLATFORM_ADMIN, SELF, Role


def _user_ok(user: Any) -> bool:
    """True for a logged-in, active, verified user."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.is_active and user.is_verified)


def org_roles(user: Any, organisation_id: int | None) -> set[str]:
    """The roles a user holds in force in one organisation."""
    if not _user_ok(user) or organisation_id is None:
        return set()
    return {m.role for m in user.active_memberships() if m.organisation_id == organisation_id}


def organisation_ids(user: Any, roles: Iterable[str | Role] | None = None) -> set[int]:
    """Ids of the organisations where the user holds any of roles (any role when None)."""
    if not _user_ok(user):
        return set()
    wanted = None if roles is None else {getattr(r, "value", r) for r in roles}
    return {m.organisation_id for m in user.active_memberships() if wanted is None or m.role in wanted}


def roles_by_organisation(user: Any, roles: Iterable[str | Role]) -> dict[int, set[str]]:
    """The user's roles in force among roles, by the id of the organisation they are held in."""
    wanted = {getattr(r, "value", r) for r in roles}
    held: dict[int, set[str]] = {}
    for membership in user.active_memberships() if _user_ok(user) else ():
        if membership.role in wanted:
            held.setdefault(membership.organisation_id, set()).add(membership.role)
    return held


def is_platform_admin(user: Any) -> bool:
    """True for an operator of the site."""
    return _user_ok(user) and user.is_platform_admin


@singledispatch
def _roles_of(obj: Any, user: Any) -> set[str]:
    """Dispatch on the object's type; packages add theirs with `@register_roles`."""
    raise TypeError(f"roles_for does not know {type(obj).__name__}")


register_roles = _roles_of.register


def roles_for(user: Any, obj: Any) -> set[str]:
    """The roles user has for obj: the one place that answers it."""
    return _roles_of(obj, user)


@register_roles
def _organisation_roles(obj: Organisation, user: Any) -> set[str]:
    """Membership roles in the organisation, plus platform admin."""
    roles = org_roles(user, obj.id)
    if is_platform_admin(user):
        roles.add(PLATFORM_ADMIN)
    return roles


@register_roles
def _user_roles(obj: User, user: Any) -> set[str]:
    """SELF for one's own account; admin roles of the organisations the account belongs to."""
    roles: set[str] = set()
    if not _user_ok(user):
        return roles
    if user.id == obj.id:
        roles.add(SELF)
    if is_platform_admin(user):
        roles.add(PLATFORM_ADMIN)
    admin_of = organisation_ids(user, [Role.CITY_ADMIN])
    if admin_of & {m.organisation_id for m in obj.memberships}:
        roles.add(Role.CITY_ADMIN.value)
    return roles


# --- predicates: used both to hide a button and to refuse the action ---------------------

def can_administer_users(user: Any) -> bool:
    """Platform admins and city admins have the user administration pages."""
    return is_platform_admin(user) or bool(organisation_ids(user, [Role.CITY_ADMIN]))


def can_manage_members(user: Any, organisation: Organisation) -> bool:
    """Platform admins, a city's admins for their city, a company's owners for their company."""
    roles = roles_for(user, organisation)
    return bool(roles & {PLATFORM_ADMIN, Role.CITY_ADMIN.value, Role.OWNER.value})


def can_invite(user: Any, organisation: Organisation) -> bool:
    """A city's admins invite to its roles, a company's owners invite colleagues; platform admins anywhere."""
    roles = roles_for(user, organisation)
    manager = Role.CITY_ADMIN.value if organisation.is_city else Role.OWNER.value
    return bool(roles & {PLATFORM_ADMIN, manager})


def can_manage_user(user: Any, target: User) -> bool:
    """Platform admins manage anyone; city admins manage people of their own city, except platform admins."""
    roles = roles_for(user, target)
    if PLATFORM_ADMIN in roles:
        return True
    return Role.CITY_ADMIN.value in roles and not target.is_platform_admin


def can_change_roles(user: Any, target: User) -> bool:
    """An administrator of the person changes their roles, never the person themselves (separation of duties)."""
    return can_manage_user(user, target) and user.id != target.id


def can_accept_invitation(user: Any, invitation: Any) -> bool:
    """The invited address takes up an invitation, unless its holder sent it (nobody grants themselves a role)."""
    return (_user_ok(user) and user.email.strip().lower() == invitation.email
            and user.id != invitation.invited_by_id)


def can_grant_roles_in(user: Any, organisation: Organisation) -> bool:
    """Platform admins give roles in any organisation; city admins only in their own city."""
    return is_platform_admin(user) or (organisation.is_city and can_invite(user, organisation))


def can_manage_organisations(user: Any) -> bool:
    """Creating and editing organisations is for platform admins."""
    return is_platform_admin(user)


# --- query scoping ---------------------------------------------------------------------

def visible_users(user: Any) -> Select:
    """Users an administrator may list: everyone for platform admins, their city's people for city admins."""
    stmt = select(User).where(User.anonymised_at.is_(None))
    if is_platform_admin(user):
        return stmt
    cities = organisation_ids(user, [Role.CITY_ADMIN])
    member_of_city = select(Membership.user_id).where(
        Membership.organisation_id.in_(cities), Membership.status == MembershipStatus.ACTIVE.value)
    return stmt.where(User.id.in_(member_of_city))


def visible_organisations(user: Any) -> Select:
    """Organisations a user may open in administration: all for platform admins, else their own."""
    stmt = select(Organisation)
    if is_platform_admin(user):
        return stmt
    return stmt.where(Organisation.id.in_(organisation_ids(user)))


# --- views -----------------------------------------------------------------------------

def permission_required(predicate: Callable[[Any], bool]) -> Callable:
    """Refuse a view unless predicate(current_user) holds: login redirect for visitors, 403 otherwise."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                from core.extensions import login_manager

                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def ensure(allowed: bool) -> None:
    """Abort with 403 unless allowed: `ensure(can_manage_user(current_user, target))`."""
    if not allowed:
        abort(403)
