"""Who is told what in the market dialogue: registrants, the waiting list and a challenge's followers.

Emails are rendered in each recipient's language and sent after commit through
the outbox (core.mail). Links are absolute (BASE_URL), built without a request
so that the scheduler's reminder job can send them too.
"""
from __future__ import annotations

from typing import Any, Iterable

from auth.models import User
from challenges.models import Challenge, DialogueEvent, EventRegistration, Question
from core.links import absolute_url
from core.mail import queue_email


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
    _about_event("dialogue_registration_waiting", registration, place=place)


def waitlist_promoted(registration: EventRegistration) -> None:
    """A place came free and it is yours now."""
    _about_event("dialogue_waitlist_promoted", registration)


def event_reminder(registration: EventRegistration) -> None:
    """The event starts in about a day."""
    _about_event("dialogue_event_reminder", registration)


def answers_published(challenge: Challenge, questions: list[Question], followers: Iterable[User]) -> None:
    """One email per follower for one publishing action, whatever the number of answers."""
    link = absolute_url("challenges.dialogue_public", challenge_id=challenge.id)
    for user in followers:
        if user.is_active and user.is_verified:
            queue_email("dialogue_answer_published", to=user.email, locale=user.locale, user=user,
                        challenge=challenge, questions=questions, link=link)
