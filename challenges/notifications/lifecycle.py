"""Who is told what when a challenge moves through its lifecycle or changes after publication.

Each person is emailed once, in their own language, through the outbox (sent
after commit). The city's own staff, a handful of people, are emailed from the
request. Followers, subscribers, participants and askers may be thousands: the
request records one fan-out and the worker emails them in batches by user id
(core.mail.fan_out and the audiences below), so a move costs the same whoever
listens. Moves arrive through the engine's `transitioned` signal (connected in
`challenges.init_app`).
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
from core.extensions import db
from core.links import absolute_url
from core.mail import Letter, audience, fan_out, queue_emails

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


def _letters(people: Iterable[User], **context: Any) -> list[Letter]:
    """One email per person, in their language, keyed by their id; the template calls them `recipient`."""
    return [Letter(p.email, p.locale, {"recipient": p, **context}, key=p.id) for p in people]


def _send(event: str, people: Iterable[User], challenge: Challenge, link: str, **context: Any) -> None:
    """Queue one email per person in their language, from the request."""
    queue_emails(event, _letters(people, challenge=challenge, link=link, **context))


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
        fan_out("challenge_cancelled", challenge.id, comment=comment)
    elif action == "open_call":
        fan_out("challenge_call_opened", challenge.id)
    elif action == "start_dialogue":  # by an officer or by the scheduler at its date: one move, one email
        fan_out("challenge_dialogue_started", challenge.id)


def challenge_changed(challenge: Challenge, fields: list[str], changes: list[dict[str, Any]] | None = None,
                      reason: str | None = None) -> None:
    """Tell the followers of a published challenge what changed: the fields, and from what to what with why."""
    fan_out("challenge_changed", challenge.id, fields=sorted(fields), changes=changes or [], reason=reason)


# --- the audiences of the fan-outs, run by the worker one batch at a time ---------------------

def _public_letters(challenge_id: int, after: int, size: int, *id_queries: Any, **context: Any) -> list[Letter]:
    """A batch of the active users the queries name, after user id `after`, about the challenge's public page."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        return []
    people = active_users(*(q(challenge) for q in id_queries), after=after, limit=size)
    return _letters(people, challenge=challenge, link=public_link(challenge), **context)


@audience("challenge_call_opened")
def call_opened_audience(challenge_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """The challenge's followers and the subscribers to its city or themes."""
    return _public_letters(challenge_id, after, size, follower_ids, subscriber_ids)


@audience("challenge_dialogue_started")
def dialogue_started_audience(challenge_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """Like an opened call: the challenge's followers and the subscribers to its city or themes."""
    return _public_letters(challenge_id, after, size, follower_ids, subscriber_ids)


@audience("challenge_cancelled")
def cancelled_audience(challenge_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """Followers, registered participants of its events and the companies' askers, with the city's reason."""
    return _public_letters(challenge_id, after, size, follower_ids, event_participants, askers,
                           comment=data.get("comment"))


@audience("challenge_changed")
def changed_audience(challenge_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """The challenge's followers, with what changed from what to what and why (formatted as each email is rendered).

    An amendment (budget, schedule, terms) lists each field with its old and new
    value; an edit of texts, sites or criteria names the changed parts only.
    """
    # Both modules import this one (the edits notify through it).
    from challenges.services.challenges import changed_labels
    from challenges.services.public_page import changes_of

    amended = changes_of(data.get("changes"))
    labels = [] if amended else changed_labels(data["fields"])
    return _public_letters(challenge_id, after, size, follower_ids, changes=labels, amended=amended,
                           reason=data.get("reason"))
