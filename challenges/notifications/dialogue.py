"""Who is told what in the market dialogue: registrants, the waiting list, askers, officers and followers.

Emails are rendered in each recipient's language and sent after commit through
the outbox (core.mail); a challenge's followers, however many, are emailed by
the worker from one fan-out. Links are absolute (BASE_URL), built without a
request so that the scheduler's reminder job can send them too.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import lazyload

from auth.models import Membership, MembershipStatus, User
from auth.roles import Role
from challenges.models import Challenge, DialogueEvent, EventRegistration, Follow, Question
from challenges.ownership import city_ids_of
from challenges.services.following import active_users, follower_ids
from core.extensions import db
from core.links import absolute_url
from core.mail import Letter, audience, fan_out, queue_email, queue_emails
from core.notifications import notify_at_commit


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
    """A batch of the challenge's followers with confirmed addresses (not the askers), and the answers in order."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        return []
    order = {question_id: n for n, question_id in enumerate(data["question_ids"])}
    questions = sorted(db.session.scalars(select(Question).where(Question.id.in_(order))
                                          .options(lazyload(Question.challenge))), key=lambda q: order[q.id])
    link = absolute_url("challenges.dialogue_public", challenge_id=challenge.id)
    # The askers are told in an email of their own (tell_askers), with the same answers.
    followers = follower_ids(challenge).where(Follow.user_id.not_in({q.asked_by_id for q in questions}))
    people = active_users(followers, after=after, limit=size, verified=True)
    return [Letter(p.email, p.locale, {"user": p, "challenge": challenge, "questions": questions, "link": link},
                   key=p.id) for p in people]


# --- the askers and the city's officers ------------------------------------------------------

def question_answered(question: Question) -> None:
    """Tell the asker their question was answered, or published; once for an action that does both."""
    notify_at_commit(tell_askers, question.id)


def tell_askers(question_ids: list[int]) -> None:
    """One email per asker and challenge about the questions an action answered or published (at commit)."""
    questions = list(db.session.scalars(select(Question).where(Question.id.in_(question_ids))
                                        .order_by(Question.id)))
    askers = {user.id: user for user in active_users(select(Question.asked_by_id)
                                                      .where(Question.id.in_(question_ids)))}
    groups: dict[tuple[int, int], list[Question]] = defaultdict(list)
    for question in questions:
        if question.asked_by_id in askers and question.answer is not None:
            groups[question.asked_by_id, question.challenge_id].append(question)
    letters = []
    for (asker_id, challenge_id), group in groups.items():
        published = all(q.published_at is not None for q in group)
        endpoint = "challenges.dialogue_public" if published else "challenges.dialogue_ask"
        asker = askers[asker_id]
        letters.append(Letter(asker.email, asker.locale, {
            "recipient": asker, "challenge": group[0].challenge, "questions": group, "published": published,
            "link": absolute_url(endpoint, challenge_id=challenge_id)}, key=asker_id))
    queue_emails("dialogue_question_answered", letters)


def _officer_rows(challenges: list[Challenge]) -> list[tuple[int, int]]:
    """(challenge id, officer's user id) for the officers of every owning city of each challenge: one query."""
    queries = [select(literal(challenge.id).label("challenge_id"), Membership.user_id)
               .where(Membership.organisation_id.in_(city_ids_of(challenge)),
                      Membership.role == Role.OFFICER.value, Membership.status == MembershipStatus.ACTIVE.value)
               for challenge in challenges]
    return [tuple(row) for row in db.session.execute(union_all(*queries))]


def questions_arrived(questions: list[Question]) -> int:
    """Email each officer of the owning cities once, listing the new questions of each of their challenges."""
    by_challenge: dict[int, list[Question]] = defaultdict(list)
    for question in questions:
        by_challenge[question.challenge_id].append(question)
    challenges = {q.challenge_id: q.challenge for q in questions}
    if not challenges:
        return 0
    officers: dict[int, list[int]] = defaultdict(list)
    for challenge_id, user_id in sorted(set(_officer_rows(list(challenges.values())))):
        officers[user_id].append(challenge_id)
    people = active_users(select(User.id).where(User.id.in_(list(officers))))
    letters = [Letter(person.email, person.locale, {
        "recipient": person, "count": sum(len(by_challenge[c]) for c in officers[person.id]),
        "groups": [(challenges[c], by_challenge[c], absolute_url("challenges.dialogue_questions", challenge_id=c))
                   for c in officers[person.id]],
        "link": absolute_url("challenges.dialogue_questions", challenge_id=officers[person.id][0])},
        key=person.id) for person in people]
    queue_emails("dialogue_questions_arrived", letters)
    return len(letters)
