"""What challenges and their market dialogue put on each role's start page (core/workspace.py).

An officer: questions waiting for an answer or for publishing (their age against
the answer deadline), held meetings without minutes, events this week, calls
closing, challenges returned to draft. A decision maker: challenges awaiting
their approval. A company: its event registrations and booked meetings ahead,
its questions and their status, its RFI answers and the challenges it follows.
Each panel's condition is written once and used both for its count (in the one
query of the navigation's numbers) and for its items; every condition is scoped
through the permissions modules to the user's cities or companies.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import joinedload, raiseload

from auth.permissions import organisation_ids
from auth.roles import Role
from challenges.models import (Challenge, ChallengeState, DialogueEvent, EventRegistration, Follow, MeetingSlot,
                               Question, RfiQuestion, RfiResponse)
from challenges.ownership import led_by, owned_by
from challenges.permissions import company_ids, public_challenges, visible_challenges
from challenges.services.dialogue import (CANCELLED, QUESTION_STATES, RECORD_STATES, WAITING, answer_deadline,
                                          answer_deadline_near, rfi_open)
from core.audit import AuditEntry
from core.dates import format_ago
from core.extensions import db
from core.models import utcnow
from core.workspace import ITEMS_SHOWN, Count, Item, Panel, contribute

S = ChallengeState
EVENTS_AHEAD = timedelta(days=7)  # "events this week"
CALLS_CLOSING_WITHIN = timedelta(days=30)
RETURNED = "return_to_draft"  # the workflow action that sends a challenge back to its officers
SUBMITTED = "submit_for_approval"  # the one that asks a decision maker to approve it


def _officer_cities(user: Any) -> set[int]:
    """Cities where the user is an officer (their officers run the challenges those cities own)."""
    return organisation_ids(user, [Role.OFFICER])


def _decider_cities(user: Any) -> set[int]:
    """Cities where the user is a decision maker (they approve the challenges those cities lead)."""
    return organisation_ids(user, [Role.DECISION_MAKER])


def _count(stmt: Select) -> ColumnElement[int]:
    """The number of rows of a panel's statement, as a scalar subquery for the one count query."""
    return select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()


def _joined(path: Any) -> Any:
    """A relation, or a chain of them (a tuple), loaded joined with nothing further."""
    chain = path if isinstance(path, tuple) else (path,)
    option = joinedload(chain[0])
    for relation in chain[1:]:
        option = option.joinedload(relation)
    return option.raiseload("*")


def _light(*relations: Any) -> list[Any]:
    """Loader options that fetch each relation joined and nothing else (the panels show titles, not details)."""
    return [_joined(relation) for relation in relations] + [raiseload("*")]


def _rows(stmt: Select, *relations: Any) -> list[Any]:
    """The first items of a panel's statement, with the given relations joined."""
    return list(db.session.scalars(stmt.options(*_light(*relations)).limit(ITEMS_SHOWN)))


# --- the conditions: one statement per panel, scoped to the user's cities or companies ----------

def _questions(cities: set[int]) -> Select:
    """Questions of the cities' challenges taking questions that are not published yet, oldest first."""
    return (select(Question).join(Challenge, Challenge.id == Question.challenge_id)
            .where(owned_by(cities), Challenge.state.in_(QUESTION_STATES), Question.published_at.is_(None))
            .order_by(Question.asked_at, Question.id))


def _minutes(cities: set[int]) -> Select:
    """Booked one-to-one meetings that have started and still have no minutes, while minutes can be written."""
    return (select(MeetingSlot).join(Challenge, Challenge.id == MeetingSlot.challenge_id)
            .where(owned_by(cities), Challenge.state.in_(RECORD_STATES), MeetingSlot.booked_by_org_id.is_not(None),
                   MeetingSlot.minutes_recorded_at.is_(None), MeetingSlot.starts_at <= utcnow())
            .order_by(MeetingSlot.starts_at, MeetingSlot.id))


def _events(cities: set[int]) -> Select:
    """Dialogue events of the cities' challenges starting within the coming week."""
    now = utcnow()
    return (select(DialogueEvent).join(Challenge, Challenge.id == DialogueEvent.challenge_id)
            .where(owned_by(cities), DialogueEvent.starts_at >= now, DialogueEvent.starts_at < now + EVENTS_AHEAD)
            .order_by(DialogueEvent.starts_at, DialogueEvent.id))


def _calls(cities: set[int]) -> Select:
    """Open calls of the cities closing within a month, soonest first."""
    return (select(Challenge).where(owned_by(cities), Challenge.state == S.OPEN.value,
                                    Challenge.proposals_close_at < utcnow() + CALLS_CLOSING_WITHIN)
            .order_by(Challenge.proposals_close_at, Challenge.id))


def _returned_entry():
    """The correlated condition "this challenge was returned to draft" (its audit trail says so)."""
    return and_(AuditEntry.object_type == Challenge.__tablename__, AuditEntry.object_id == Challenge.id,
                AuditEntry.action == RETURNED)


def _returned(cities: set[int]) -> Select:
    """Drafts of the cities that a decision maker (or officer) returned, to be fixed and sent again."""
    return (select(Challenge).where(owned_by(cities), Challenge.state == S.DRAFT.value,
                                    exists().where(_returned_entry()))
            .order_by(Challenge.updated_at.desc(), Challenge.id.desc()))


def _approvals(cities: set[int]) -> Select:
    """Challenges the cities lead that wait for a decision maker's approval, oldest first."""
    return (select(Challenge).where(led_by(cities), Challenge.state == S.AWAITING_APPROVAL.value)
            .order_by(Challenge.updated_at, Challenge.id))


_PUBLIC = public_challenges().whereclause  # companies take part only in published challenges


def _registrations(companies: set[int]) -> Select:
    """The companies' registrations (and places in the queue) for events still ahead."""
    return (select(EventRegistration).join(DialogueEvent, DialogueEvent.id == EventRegistration.event_id)
            .join(Challenge, Challenge.id == DialogueEvent.challenge_id)
            .where(EventRegistration.organisation_id.in_(companies), EventRegistration.status != CANCELLED,
                   DialogueEvent.ends_at >= utcnow(), _PUBLIC)
            .order_by(DialogueEvent.starts_at, EventRegistration.id))


def _meetings(companies: set[int]) -> Select:
    """One-to-one meetings the companies have booked that are still ahead."""
    return (select(MeetingSlot).join(Challenge, Challenge.id == MeetingSlot.challenge_id)
            .where(MeetingSlot.booked_by_org_id.in_(companies), MeetingSlot.ends_at >= utcnow(), _PUBLIC)
            .order_by(MeetingSlot.starts_at, MeetingSlot.id))


def _company_questions(companies: set[int]) -> Select:
    """The companies' questions: those waiting first, then the latest published."""
    return (select(Question).join(Challenge, Challenge.id == Question.challenge_id)
            .where(Question.organisation_id.in_(companies), _PUBLIC)
            .order_by(Question.published_at.is_not(None), Question.published_at.desc(), Question.asked_at.desc(),
                      Question.id.desc()))


def _rfi_answers(companies: set[int]) -> Select:
    """Published challenges whose request for information the companies answered, latest first."""
    answered = (select(RfiResponse.id).join(RfiQuestion, RfiQuestion.id == RfiResponse.question_id)
                .where(RfiQuestion.challenge_id == Challenge.id, RfiResponse.organisation_id.in_(companies)))
    return (select(Challenge).where(_PUBLIC, exists(answered))
            .order_by(Challenge.published_at.desc(), Challenge.id.desc()))


def _followed(user: Any) -> Select:
    """The challenges the user follows and may still see, latest followed first."""
    return (visible_challenges(user).join(Follow, Follow.challenge_id == Challenge.id)
            .where(Follow.user_id == user.id).order_by(Follow.created_at.desc(), Follow.id.desc()))


# --- counts: what the navigation's numbers are made of ------------------------------------------

def counts(user: Any) -> dict[str, Count]:
    """The scalar count of each panel the user has; empty for a user with none of the roles."""
    found: dict[str, Count] = {}
    cities = _officer_cities(user)
    if cities:
        found.update(questions=Count(_count(_questions(cities))), minutes=Count(_count(_minutes(cities))),
                     events=Count(_count(_events(cities))), calls=Count(_count(_calls(cities))),
                     returned=Count(_count(_returned(cities))))
    deciders = _decider_cities(user)
    if deciders:
        found["approvals"] = Count(_count(_approvals(deciders)))
    companies = company_ids(user)
    if companies:
        found.update(registrations=Count(_count(_registrations(companies))),
                     meetings=Count(_count(_meetings(companies))),
                     company_questions=Count(_count(_company_questions(companies)), todo=False),
                     rfi=Count(_count(_rfi_answers(companies)), todo=False),
                     following=Count(_count(_followed(user)), todo=False))
    return found


# --- the officer's panels -------------------------------------------------------------------

def _short(text: str, length: int = 120) -> str:
    """A long text cut to fit a list, marked as cut."""
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _question_item(question: Question, waiting: str, unpublished: str) -> Item:
    """A question waiting: how old it is, and by when its answer must be public."""
    challenge = question.challenge
    note = _("%(status)s, asked %(age)s", status=waiting if question.answer is None else unpublished,
             age=format_ago(question.asked_at))
    return Item(_short(question.text),
                url_for("challenges.dialogue_answer", challenge_id=challenge.id, question_id=question.id),
                context=challenge.localized("title"), when=answer_deadline(challenge), note=note,
                urgent=answer_deadline_near(challenge))


def _officer_panels(cities: set[int], total: dict[str, int]) -> list[Panel]:
    """The officer's five panels; a panel with nothing in it costs no query."""
    waiting, unpublished = _("Not answered yet"), _("Answered, not published")
    questions = [_question_item(q, waiting, unpublished)
                 for q in (_rows(_questions(cities), Question.challenge) if total.get("questions") else [])]
    minutes = [Item(_("Meeting with %(company)s", company=slot.booked_by_org.display_name),
                    url_for("challenges.dialogue_slot_minutes", challenge_id=slot.challenge_id, slot_id=slot.id),
                    context=slot.challenge.localized("title"), when=slot.starts_at, urgent=True)
               for slot in (_rows(_minutes(cities), MeetingSlot.challenge, MeetingSlot.booked_by_org)
                            if total.get("minutes") else [])]
    events = [Item(event.localized("title"), url_for("challenges.dialogue_event_registrations", challenge_id=event.challenge_id,
                                        event_id=event.id),
                   context=event.challenge.localized("title"), when=event.starts_at, note=event.kind_label)
              for event in (_rows(_events(cities), DialogueEvent.challenge) if total.get("events") else [])]
    calls = [Item(c.localized("title"), url_for("challenges.manage_detail", challenge_id=c.id), when=c.proposals_close_at,
                  note=_("Proposals close"))
             for c in (_rows(_calls(cities)) if total.get("calls") else [])]
    return [
        Panel("questions", _l("Questions waiting for an answer"), questions, order=10,
              empty=_l("Questions companies ask about your challenges appear here until their answers are "
                       "published."),
              note=_l("Answers must be public at least six days before proposals close: the date shown is "
                      "the last day to publish.")),
        Panel("minutes", _l("Meetings without minutes"), minutes, order=20,
              empty=_l("One-to-one meetings that have been held appear here until their minutes are recorded.")),
        Panel("returned", _l("Challenges returned to you"), _returned_items(cities, total), order=5,
              empty=_l("Challenges a decision maker sends back to draft appear here with the reason.")),
        Panel("events", _l("Events this week"), events, order=30,
              empty=_l("Info sessions, workshops and company days of the coming seven days appear here.")),
        Panel("calls", _l("Calls closing"), calls, order=40,
              empty=_l("Open calls whose proposal deadline is within a month appear here.")),
    ]


def _returned_items(cities: set[int], total: dict[str, int]) -> list[Item]:
    """Returned drafts with the reason given when they were returned (the latest return's comment)."""
    if not total.get("returned"):
        return []
    reason = (select(AuditEntry.comment).where(_returned_entry()).order_by(AuditEntry.id.desc()).limit(1)
              .correlate(Challenge).scalar_subquery())
    stmt = _returned(cities).add_columns(reason).options(*_light()).limit(ITEMS_SHOWN)
    return [Item(challenge.localized("title"), url_for("challenges.manage_detail", challenge_id=challenge.id),
                 note=_("Reason: %(reason)s", reason=comment) if comment else None, urgent=True)
            for challenge, comment in db.session.execute(stmt)]


def _approval_panel(cities: set[int], total: dict[str, int]) -> Panel:
    """The decision maker's challenges awaiting approval, with when each was sent (from its audit trail)."""
    items: list[Item] = []
    if total.get("approvals"):
        sent = (select(AuditEntry.created_at).where(
            AuditEntry.object_type == Challenge.__tablename__, AuditEntry.object_id == Challenge.id,
            AuditEntry.action == SUBMITTED).order_by(AuditEntry.id.desc()).limit(1)
            .correlate(Challenge).scalar_subquery())
        stmt = _approvals(cities).add_columns(sent).options(*_light()).limit(ITEMS_SHOWN)
        note = _("Sent for approval")
        items = [Item(c.localized("title"), url_for("challenges.manage_detail", challenge_id=c.id), when=at, note=note)
                 for c, at in db.session.execute(stmt)]
    return Panel("approvals", _l("Challenges awaiting your approval"), items, order=1,
                 empty=_l("Challenges your city's officers send for approval appear here."))


# --- the company's panels -------------------------------------------------------------------

def _company_panels(user: Any, companies: set[int], total: dict[str, int]) -> list[Panel]:
    """Registrations and meetings ahead, questions and their status, RFI answers, followed challenges."""
    registered, queued = _("Registered"), _("On the waiting list")
    registrations = [
        Item(r.event.localized("title"), url_for("challenges.dialogue_event", challenge_id=r.event.challenge_id,
                                    event_id=r.event_id),
             context=r.event.challenge.localized("title"), when=r.event.starts_at,
             note=f"{queued if r.status == WAITING else registered} ({r.user.name})")
        for r in (_rows(_registrations(companies), (EventRegistration.event, DialogueEvent.challenge),
                        EventRegistration.user)
                  if total.get("registrations") else [])]
    meetings = [Item(_("One-to-one meeting"), url_for("challenges.dialogue_public", challenge_id=slot.challenge_id),
                     context=slot.challenge.localized("title"), when=slot.starts_at, note=slot.place)
                for slot in (_rows(_meetings(companies), MeetingSlot.challenge) if total.get("meetings") else [])]
    waiting, published = _("Waiting for an answer"), _("Answer published")
    questions = [Item(_short(q.text),
                      url_for("challenges.dialogue_ask", challenge_id=q.challenge_id),
                      context=q.challenge.localized("title"), note=published if q.published_at else waiting)
                 for q in (_rows(_company_questions(companies), Question.challenge)
                           if total.get("company_questions") else [])]
    return [
        Panel("registrations", _l("Your event registrations"), registrations, order=50,
              empty=_l("Events of market dialogues your company registers for appear here.")),
        Panel("meetings", _l("Your one-to-one meetings"), meetings, order=55,
              empty=_l("One-to-one meetings your company books with a city appear here.")),
        Panel("company_questions", _l("Your questions"), questions, order=60, todo=False,
              empty=_l("Questions your company asks about challenges appear here with their status.")),
        Panel("rfi", _l("Your answers to requests for information"), _rfi_items(companies, total), order=65,
              todo=False, empty=_l("Challenges whose request for information your company answers appear here.")),
        Panel("following", _l("Challenges you follow"), _followed_items(user, total), order=70, todo=False,
              more_url=url_for("challenges.following"),
              empty=_l("Follow a challenge on its page to hear of its answers and changes.")),
    ]


def _rfi_items(companies: set[int], total: dict[str, int]) -> list[Item]:
    """Each challenge whose RFI the companies answered, and whether answers can still be changed."""
    if not total.get("rfi"):
        return []
    still_open, closed = _("Open: answers can still be changed"), _("Closed")
    return [Item(c.localized("title"), url_for("challenges.dialogue_rfi", challenge_id=c.id),
                 note=still_open if rfi_open(c) else closed)
            for c in _rows(_rfi_answers(companies))]


def _followed_items(user: Any, total: dict[str, int]) -> list[Item]:
    """The challenges the user follows, with where each stands as companies read it."""
    if not total.get("following"):
        return []
    return [Item(c.localized("title"), url_for("challenges.detail", challenge_id=c.id), note=c.public_state_label)
            for c in _rows(_followed(user))]


def panels(user: Any, total: dict[str, int]) -> list[Panel]:
    """The start page's panels of challenges for the user's roles."""
    found: list[Panel] = []
    cities = _officer_cities(user)
    if cities:
        found += _officer_panels(cities, total)
    deciders = _decider_cities(user)
    if deciders:
        found.append(_approval_panel(deciders, total))
    companies = company_ids(user)
    if companies:
        found += _company_panels(user, companies, total)
    return found


def init_workspace() -> None:
    """Put the challenges' panels on the start pages."""
    contribute("challenges", panels=panels, counts=counts)

