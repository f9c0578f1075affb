"""What each user is to a challenge, and the scoped queries every challenge list goes through.

A challenge is owned by its lead city and any partner cities (challenges/ownership.py).
Partner cities co-manage it: their officers are the challenge's officers and their
admins its admins. Decisions stay with the lead: only the lead city's decision makers
approve and sign, and a partner's decision makers read its staff pages
(PARTNER_DECISION_MAKER) until pilots/ adds the signatures each owning city gives.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, inspect, or_, select

from auth.permissions import is_platform_admin, organisation_ids, register_roles, roles_by_organisation
from auth.roles import CITY_STAFF, COMPANY, COMPANY_ROLES, PARTNER_DECISION_MAKER, PLATFORM_ADMIN, PUBLIC, Role
from challenges.models import PUBLIC_STATES, Challenge, ChallengeState, PilotSite
from challenges.ownership import is_lead, owned_by, owners_among
from core.extensions import db

EDITABLE_STATES = ChallengeState.states_where(editable=True)
# What the city staff roles held in a partner city make their holder to its challenge; the lead's count as held.
AS_PARTNER = {Role.CITY_ADMIN: Role.CITY_ADMIN, Role.OFFICER: Role.OFFICER,
              Role.DECISION_MAKER: PARTNER_DECISION_MAKER}
# Who reads a challenge's staff pages without running it.
STAFF_READERS = frozenset({Role.DECISION_MAKER, PARTNER_DECISION_MAKER, Role.CITY_ADMIN, PLATFORM_ADMIN})


def _city_roles(challenge: Challenge, user: Any) -> set[str]:
    """The staff roles the user holds in the owning cities: as held in the lead city, as mapped in a partner."""
    held = roles_by_organisation(user, CITY_STAFF)
    roles: set[str] = set()
    for city_id in owners_among(challenge, held):
        lead = is_lead(challenge, city_id)
        roles.update(role if lead else AS_PARTNER[role] for role in held[city_id])
    return roles


def _hosts_a_site(challenge: Challenge, user: Any, host_of: set[int]) -> bool:
    """True when user is named host of a site of the challenge in a city where they hold the host role.

    Read from the loaded sites when it can, else in one query.
    """
    if "sites" not in inspect(challenge).unloaded:
        return any(site.host_id == user.id and site.city_id in host_of for site in challenge.sites)
    return bool(db.session.scalar(select(exists().where(
        PilotSite.challenge_id == challenge.id, PilotSite.host_id == user.id, PilotSite.city_id.in_(host_of)))))


def _is_host(user: Any, challenge: Challenge, site: PilotSite | None = None) -> bool:
    """A site's host holds the host role in the site's city (so its admins can withdraw it) and is named on it.

    The role is checked first: nobody else pays the query that looks the sites up.
    """
    host_of = organisation_ids(user, [Role.HOST])
    if not host_of:
        return False
    if site is not None:
        return site.host_id == user.id and site.city_id in host_of
    return _hosts_a_site(challenge, user, host_of)


def _roles(challenge: Challenge, user: Any) -> set[str]:
    """City roles in the owning cities, platform admin, company, and public when it is published."""
    roles = _city_roles(challenge, user)
    if is_platform_admin(user):
        roles.add(PLATFORM_ADMIN)
    if organisation_ids(user, COMPANY_ROLES):
        roles.add(COMPANY)
    if challenge.is_public:
        roles.add(PUBLIC)
    return roles


@register_roles
def _challenge_roles(challenge: Challenge, user: Any) -> set[str]:
    """The owning cities', platform's, company's and public roles, and host for the host of any of its sites."""
    roles = _roles(challenge, user)
    if _is_host(user, challenge):
        roles.add(Role.HOST)
    return roles


@register_roles
def _site_roles(site: PilotSite, user: Any) -> set[str]:
    """The roles for the site's challenge, with host only for this site's own host."""
    roles = _roles(site.challenge, user)
    if _is_host(user, site.challenge, site):
        roles.add(Role.HOST)
    return roles


def company_ids(user: Any) -> set[int]:
    """The companies (and other bodies) a user acts for as owner or member."""
    return organisation_ids(user, COMPANY_ROLES)


def staff_city_ids(user: Any) -> set[int]:
    """Cities where the user works on challenges (admin, officer or decision maker)."""
    return organisation_ids(user, CITY_STAFF)


def is_city_staff(user: Any, challenge: Challenge) -> bool:
    """True for the admins, officers and decision makers of any city that owns the challenge."""
    return bool(owners_among(challenge, staff_city_ids(user)))


def can_view(user: Any, challenge: Challenge) -> bool:
    """The public sees published challenges; the owning cities' staff and platform admins see all."""
    return challenge.is_public or is_city_staff(user, challenge) or is_platform_admin(user)


def can_manage_list(user: Any) -> bool:
    """City staff and platform admins have the staff list of challenges."""
    return bool(staff_city_ids(user)) or is_platform_admin(user)


def can_create_challenge(user: Any) -> bool:
    """Officers create challenges for their city."""
    return bool(organisation_ids(user, [Role.OFFICER]))


def can_edit(user: Any, challenge: Challenge) -> bool:
    """The owning cities' officers edit a challenge while its state is editable (until the call closes)."""
    return challenge.state in EDITABLE_STATES and Role.OFFICER in _challenge_roles(challenge, user)


def can_edit_criteria(user: Any, challenge: Challenge) -> bool:
    """Criteria and weights change only before the call opens (procurement law)."""
    return can_edit(user, challenge) and not challenge.criteria_locked


def can_read_event_material(user: Any, event: Any) -> bool:
    """A dialogue event's material: the city's staff always, everyone who sees the challenge once published."""
    if _challenge_roles(event.challenge, user) & (STAFF_READERS | {Role.OFFICER}):
        return True
    return event.published_at is not None and can_view(user, event.challenge)


def can_edit_event_material(user: Any, event: Any) -> bool:
    """The owning cities' officers prepare an event's material."""
    return Role.OFFICER in _challenge_roles(event.challenge, user)


def public_challenges() -> Select:
    """Published challenges of every city, for the public catalogue."""
    return select(Challenge).where(Challenge.state.in_(PUBLIC_STATES), Challenge.published_at.is_not(None))


def visible_challenges(user: Any) -> Select:
    """Everything the user may open: the public ones, plus all their cities own (all for platform admins)."""
    if is_platform_admin(user):
        return select(Challenge)
    public = and_(Challenge.state.in_(PUBLIC_STATES), Challenge.published_at.is_not(None))
    return select(Challenge).where(or_(public, owned_by(staff_city_ids(user))))


def managed_challenges(user: Any) -> Select:
    """The challenges the user's cities own, as lead or partner (all for platform admins), for staff lists."""
    if is_platform_admin(user):
        return select(Challenge)
    return select(Challenge).where(owned_by(staff_city_ids(user)))
