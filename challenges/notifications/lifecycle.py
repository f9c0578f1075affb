"""Who is told what when a challenge moves through its lifecycle or changes after publication.

Recipients are collected in one query per move, each person is emailed once,
in their own language, through the outbox (sent after commit). Moves arrive
through the engine's `transitioned` signal (connected in `challenges.init_app`).
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Select, select

from auth.models import Membership, MembershipStatus, User
from auth.roles import Role
from challenges.models import (
    Challenge,
    DialogueEvent,
    EventRegistration,
    Question,
    RegistrationStatus,
)
from challenges.ownership import lead_city
from challenges.services.following import active_users, follower_ids, subscriber_ids
from core.links import absolute_url
from core.mail import queue_email

# Followers and subscribers are sent to the public page; staff go to the manage page.
PUBLIC_ENDPOINT = "challenges.detail"
MANAGE_ENDPOINT = "challenges.manage_detail"
STAFF_ACTIONS = ("submit_for_approval", "approve", "return_to_draft")


def public_link(challenge: Challenge) -> str:
    """The public page of a challenge in the catalogue."""
    return absolute_url(PUBLIC_ENDPOINT, challenge_id=challenge.id)


def manage_link(challenge: Challenge) -> str:
    """The staff page of a challenge."""
    return absolute_url(MANAGE_ENDPOINT, challenge_id=challenge.id)


def _send(event: str, people: Iterable[User], challenge: Challenge, link: str, **context: Any) -> int:
    """Queue one email per person in their language; returns how many."""
    count = 0
    for person in people:
        queue_email(event, to=person.email, locale=person.locale, challenge=challenge, recipient=person,
                    link=link, **context)
        count += 1
    return count


def event_participants(challenge: Challenge) -> Select:
    """Ids of the users registered (not waiting, not cancelled) for the challenge's events."""
    return (select(EventRegistration.user_id)
            .join(DialogueEvent, DialogueEvent.id == EventRegistration.event_id)
            .where(DialogueEvent.challenge_id == challenge.id,
                   EventRegistration.status == RegistrationStatus.REGISTERED.value))


def askers(challenge: Challenge) -> Select:
    """Ids of the users who asked a question about the challenge."""
    return select(Question.asked_by_id).where(Question.challenge_id == challenge.id)


def decision_makers(challenge: Challenge) -> Select:
    """Ids of the lead city's decision makers (they approve: partners' decision makers do not)."""
    return select(Membership.user_id).where(Membership.organisation_id == lead_city(challenge).id,
                                            Membership.role == Role.DECISION_MAKER.value,
                                            Membership.status == MembershipStatus.ACTIVE.value)


def creator(challenge: Challenge) -> Select:
    """The id of the officer who created the challenge."""
    return select(Challenge.created_by_id).where(Challenge.id == challenge.id)


def challenge_transitioned(family: str, *, obj: Challenge, transition: Any, user: Any, entry: Any,
                           **_: Any) -> None:
    """Tell the people a move concerns: receives the engine's `transitioned` signal, inside the transaction."""
    challenge, comment = obj, entry.comment
    action = transition.action
    staff_link = manage_link(challenge) if action in STAFF_ACTIONS else None
    if action == "submit_for_approval":
        _send("challenge_submitted", active_users(decision_makers(challenge)), challenge, staff_link, actor=user)
    elif action == "approve":
        _send("challenge_approved", active_users(creator(challenge)), challenge, staff_link, actor=user)
    elif action == "return_to_draft":
        _send("challenge_returned", active_users(creator(challenge)), challenge, staff_link, actor=user,
              comment=comment)
    elif action == "cancel":
        people = active_users(follower_ids(challenge), event_participants(challenge), askers(challenge))
        _send("challenge_cancelled", people, challenge, public_link(challenge), comment=comment)
    elif action == "open_call":
        people = active_users(follower_ids(challenge), subscriber_ids(challenge))
        _send("challenge_call_opened", people, challenge, public_link(challenge))


def challenge_changed(challenge: Challenge, changes: list[Any]) -> int:
    """Tell the followers of a published challenge what changed."""
    return _send("challenge_changed", active_users(follower_ids(challenge)), challenge, public_link(challenge),
                 changes=changes)
