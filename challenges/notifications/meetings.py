"""Who is told when a one-to-one meeting is booked or cancelled: the company's people and the city's officers.

Each gets one email in their own language with the meeting as a calendar
invitation (.ics) attached, or its cancellation with the same UID, so that
calendars update themselves. A handful of people: emailed from the request,
through the outbox, after commit.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Select, select

from auth.models import Membership, MembershipStatus, Organisation, User
from auth.roles import Role
from challenges.models import Challenge, MeetingSlot
from challenges.ownership import city_ids_of
from challenges.services.following import active_users
from core.links import absolute_url
from core.mail import Letter, queue_emails


def challenge_officers(challenge: Challenge) -> Select:
    """Ids of the active officers of every city that owns the challenge."""
    return select(Membership.user_id).where(Membership.organisation_id.in_(city_ids_of(challenge)),
                                            Membership.role == Role.OFFICER.value,
                                            Membership.status == MembershipStatus.ACTIVE.value)


def _people(user_ids: Iterable[int | None]) -> Select:
    """The given users' ids as a query (for active_users)."""
    return select(User.id).where(User.id.in_([i for i in user_ids if i is not None]))


def _letters(slot: MeetingSlot, organisation: Organisation, company: list[User], staff: list[User], ics: str,
             **context: Any) -> list[Letter]:
    """One email per person: the company's people link to the public page, the officers to theirs."""
    public = absolute_url("challenges.dialogue_public", challenge_id=slot.challenge_id)
    manage = absolute_url("challenges.dialogue_slots", challenge_id=slot.challenge_id)
    base = {"slot": slot, "challenge": slot.challenge, "organisation": organisation, **context}
    company_ids = {p.id for p in company}
    return ([Letter(p.email, p.locale, {**base, "recipient": p, "for_staff": False, "link": public}, ics=ics)
             for p in company]
            + [Letter(p.email, p.locale, {**base, "recipient": p, "for_staff": True, "link": manage}, ics=ics)
               for p in staff if p.id not in company_ids])


def meeting_booked(slot: MeetingSlot, booker: User, ics: str) -> None:
    """The booker and the challenge's officers get the meeting as a calendar invitation."""
    staff = active_users(challenge_officers(slot.challenge))
    queue_emails("dialogue_meeting_booked",
                 _letters(slot, slot.booked_by_org, active_users(_people([booker.id])), staff, ics))


def meeting_cancelled(slot: MeetingSlot, organisation: Organisation, company_user_ids: set[int | None],
                      ics: str, *, officers: bool = False, reason: str | None = None) -> None:
    """The company's people (and, when the company cancelled, the officers) get the cancellation."""
    staff = active_users(challenge_officers(slot.challenge)) if officers else []
    queue_emails("dialogue_meeting_cancelled",
                 _letters(slot, organisation, active_users(_people(company_user_ids)), staff, ics, reason=reason))
