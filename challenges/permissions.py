"""What each user is to a challenge, and the scoped queries every challenge list goes through."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, inspect, or_, select

from auth.permissions import is_platform_admin, org_roles, organisation_ids, register_roles
from auth.roles import CITY_STAFF, COMPANY, COMPANY_ROLES, PLATFORM_ADMIN, PUBLIC, Role
from challenges.models import PUBLIC_STATES, Challenge, ChallengeState, PilotSite
from core.extensions import db

EDITABLE_STATES = ChallengeState.states_where(editable=True)
# Who reads a challenge's staff pages without running it.
STAFF_READERS = frozenset({Role.DECISION_MAKER, Role.CITY_ADMIN, PLATFORM_ADMIN})


def _hosts_a_site(challenge: Challenge, user: Any) -> bool:
    """True when user is named host of one of the challenge's sites (read from loaded sites when it can)."""
    if "sites" not in inspect(challenge).unloaded:
        return any(site.host_id == user.id for site in challenge.sites)
    return bool(db.session.scalar(select(exists().where(PilotSite.challenge_id == challenge.id,
                                                        PilotSite.host_id == user.id))))


def _is_host(user: Any, city_roles: set[str], challenge: Challenge, site: PilotSite | None = None) -> bool:
    """A site's host holds the city's host role (so its admins can withdraw it) and is named on the site.

    The role is checked first: nobody else pays the query that looks the site up.
    """
    if Role.HOST not in city_roles:
        return False
    return site.host_id == user.id if site is not None else _hosts_a_site(challenge, user)


def _roles(challenge: Challenge, user: Any, city_roles: set[str]) -> set[str]:
    """City roles in the owning city, platform admin, company, and public when it is published."""
    roles = {r for r in city_roles if r in CITY_STAFF}
    if is_platform_admin(user):
        roles.add(PLATFORM_ADMIN)
    if organisation_ids(user, COMPANY_ROLES):
        roles.add(COMPANY)
    if challenge.is_public:
        roles.add(PUBLIC)
    return roles


@register_roles
def _challenge_roles(challenge: Challenge, user: Any) -> set[str]:
    """The city's, platform's, company's and public roles, and host for the host of any of its sites."""
    city_roles = org_roles(user, challenge.city_id)
    roles = _roles(challenge, user, city_roles)
    if _is_host(user, city_roles, challenge):
        roles.add(Role.HOST)
    return roles


@register_roles
def _site_roles(site: PilotSite, user: Any) -> set[str]:
    """The roles for the site's challenge, with host only for this site's own host."""
    city_roles = org_roles(user, site.challenge.city_id)
    roles = _roles(site.challenge, user, city_roles)
    if _is_host(user, city_roles, site.challenge, site):
        roles.add(Role.HOST)
    return roles


def company_ids(user: Any) -> set[int]:
    """The companies (and other bodies) a user acts for as owner or member."""
    return organisation_ids(user, COMPANY_ROLES)


def staff_city_ids(user: Any) -> set[int]:
    """Cities where the user works on challenges (admin, officer or decision maker)."""
    return organisation_ids(user, CITY_STAFF)


def is_city_staff(user: Any, challenge: Challenge) -> bool:
    """True for the owning city's admins, officers and decision makers."""
    return challenge.city_id in staff_city_ids(user)


def can_view(user: Any, challenge: Challenge) -> bool:
    """The public sees published challenges; the owning city and platform admins see all."""
    return challenge.is_public or is_city_staff(user, challenge) or is_platform_admin(user)


def can_manage_list(user: Any) -> bool:
    """City staff and platform admins have the staff list of challenges."""
    return bool(staff_city_ids(user)) or is_platform_admin(user)


def can_create_challenge(user: Any) -> bool:
    """Officers create challenges for their city."""
    return bool(organisation_ids(user, [Role.OFFICER]))


def can_edit(user: Any, challenge: Challenge) -> bool:
    """The owning city's officers edit a challenge while its state is editable (until the call closes)."""
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
    """The owning city's officers prepare an event's material."""
    return Role.OFFICER in _challenge_roles(event.challenge, user)


def public_challenges() -> Select:
    """Published challenges of every city, for the public catalogue."""
    return select(Challenge).where(Challenge.state.in_(PUBLIC_STATES), Challenge.published_at.is_not(None))


def visible_challenges(user: Any) -> Select:
    """Everything the user may open: the public ones, plus all of their own cities' (all for platform admins)."""
    if is_platform_admin(user):
        return select(Challenge)
    public = and_(Challenge.state.in_(PUBLIC_STATES), Challenge.published_at.is_not(None))
    return select(Challenge).where(or_(public, Challenge.city_id.in_(staff_city_ids(user))))


def managed_challenges(user: Any) -> Select:
    """The challenges of the cities the user works for (all for platform admins), for staff lists."""
    if is_platform_admin(user):
        return select(Challenge)
    return select(Challenge).where(Challenge.city_id.in_(staff_city_ids(user)))
