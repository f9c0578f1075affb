"""Who is told what in the market dialogue: registrants, the waiting list and a challenge's followers.

Emails are rendered in each recipient's language and sent after commit through
the outbox (core.mail); a challenge's followers, however many, are emailed by
the worker from one fan-out. Links are absolute (BASE_URL), built without a
request so that the scheduler's reminder job can send them too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from challenges.models import Challenge, DialogueEvent, EventRegistration, Question
from challenges.services.following import active_users, follower_ids
from core.extensions import db
from core.links import absolute_url
from core.mail import Letter, audience, fan_out, queue_email


def _event_links(event: DialogueEvent) -> dict[str, str]:
    """The event page and its calendar file."""
    ids = {"challenge_id": event.challenge_id, "event_id": event.id}
    return {"event_link": absolute_url("challenges.dialogue_event", **ids),
            "calendar_link": absolute_url("challenges.dialogue_event_calendar", **ids)}


def _about_event(email: str, registration: EventRegistration, **context: Any) -> None:
    """Queue one of the event emails to the registered person."""
    user, event = registration.user, registration.event
    queue_email(email, to=user.email, locale=user.locale, user=user, dialogue_event=event,
                challenge=event.challenge, **_event_links(event), **context)


def registration_confirmed(registration: EventRegistration) -> None:
    """You have a place: here is the calendar invitation."""
    _about_event("dialogue_registration_confirmed", registration)


def registration_waiting(registration: EventRegistration, place: int) -> None:
    """The event is full: you are on the waiting list, place N."""
    _about_event("dialogue_registration_waiting", registration, place=place, with_link=False)


def waitlist_promoted(registration: EventRegistration) -> None:
    """A place came free and it is yours now."""
    _about_event("dialogue_waitlist_promoted", registration)


def event_reminder(registration: EventRegistration) -> None:
    """The event starts in about a day."""
    _about_event("dialogue_event_reminder", registration)


def answers_published(challenge: Challenge, questions: list[Question]) -> None:
    """One email per follower for one publishing action, whatever the number of answers."""
    fan_out("dialogue_answer_published", challenge.id, question_ids=[q.id for q in questions])


@audience("dialogue_answer_published")
def answers_audience(challenge_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """A batch of the challenge's followers with confirmed addresses, and the answers in publishing order."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        return []
    order = {question_id: n for n, question_id in enumerate(data["question_ids"])}
    questions = sorted(db.session.scalars(select(Question).where(Question.id.in_(order))
                                          .options(lazyload(Question.challenge))), key=lambda q: order[q.id])
    link = absolute_url("challenges.dialogue_public", challenge_id=challenge.id)
    people = active_users(follower_ids(challenge), after=after, limit=size, verified=True)
    return [Letter(p.email, p.locale, {"user": p, "challenge": challenge, "questions": questions, "link": link},
                   key=p.id) for p in people]
