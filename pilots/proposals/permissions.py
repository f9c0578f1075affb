"""What each user is to a proposal, and the one scoped query every proposal list goes through.

A company's owners and members are its proposals' COMPANY; the owning cities'
staff (challenges/ownership.py, a challenge may have several cities) see a
proposal once it has been submitted, with the roles they hold to its challenge.
Nobody else, platform admins included, reads a proposal: it may hold business secrets.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from auth.permissions import org_roles, organisation_ids, register_roles, roles_for
from auth.roles import COMPANY, COMPANY_ROLES, PARTNER_DECISION_MAKER, Role
from challenges.models import Challenge
from challenges.ownership import owned_by
from challenges.permissions import staff_city_ids
from pilots.proposals.models import SUBMITTED_STATES, Proposal

# The roles to a challenge that let city staff read its submitted proposals.
STAFF_ROLES = frozenset({Role.OFFICER.value, Role.DECISION_MAKER.value, Role.CITY_ADMIN.value,
                         PARTNER_DECISION_MAKER})
COMPANY_ROLE_NAMES = frozenset(r.value for r in COMPANY_ROLES)


@register_roles
def _proposal_roles(proposal: Proposal, user: Any) -> set[str]:
    """COMPANY for its company's people; the owning cities' staff roles once it has been submitted."""
    roles: set[str] = set()
    if org_roles(user, proposal.organisation_id) & COMPANY_ROLE_NAMES:
        roles.add(COMPANY)
    if proposal.state in SUBMITTED_STATES:
        roles.update(r for r in roles_for(user, proposal.challenge) if r in STAFF_ROLES)
    return roles


def can_read(user: Any, proposal: Proposal) -> bool:
    """The company's own people, and the owning cities' staff once it has been submitted."""
    return bool(roles_for(user, proposal))


def is_own(user: Any, proposal: Proposal) -> bool:
    """True for the people of the proposing company."""
    return COMPANY in roles_for(user, proposal)


def can_read_submitted(user: Any, challenge: Challenge) -> bool:
    """The owning cities' staff read the list of a challenge's submitted proposals."""
    return bool(set(roles_for(user, challenge)) & STAFF_ROLES)


def visible_proposals(user: Any) -> Select:
    """The proposals a user may read: their companies' own, and the submitted ones of their cities' challenges."""
    companies = organisation_ids(user, COMPANY_ROLES)
    cities = staff_city_ids(user)
    staff = Proposal.state.in_(SUBMITTED_STATES) & Proposal.challenge_id.in_(
        select(Challenge.id).where(owned_by(cities)))
    return select(Proposal).where(or_(Proposal.organisation_id.in_(companies), staff))
