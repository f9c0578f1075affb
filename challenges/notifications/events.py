"""Who is told when a dialogue event changes, is cancelled, or its registrants get a message from the city.

Everyone registered or waiting is emailed once, in their own language, from one
fan-out (core.mail): the worker reads the registrants in batches by user id, so
the request costs the same for a hundred as for one. Only those with a place
see the event's online link.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from challenges.models import DialogueEvent, EventRegistration, RegistrationStatus
from challenges.services.following import active_users
from core.extensions import db
from core.links import absolute_url
from core.mail import Letter, audience, fan_out

REGISTERED, WAITING = RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITING.value
# The labels of what registrants are told changed (challenges/services/dialogue/events.py NOTIFIED_FIELDS).
CHANGE_LABELS = {"starts_at": _l("Starts"), "ends_at": _l("Ends"), "location": _l("Place"),
                 "online_url": _l("Online link")}
TIMES = ("starts_at", "ends_at")


def _stored(value: Any) -> Any:
    """A changed value as the fan-out's JSON keeps it."""
    return value.isoformat() if isinstance(value, datetime) else value


def event_changed(event: DialogueEvent, changes: dict[str, tuple[Any, Any]]) -> None:
    """Tell the registrants what changed, from what to what."""
    fan_out("dialogue_event_changed", event.id,
            changes={name: [_stored(old), _stored(new)] for name, (old, new) in changes.items()})


def event_cancelled(event: DialogueEvent, ics: str) -> None:
    """Tell the registrants the event is cancelled and why, with the calendar's cancellation."""
    fan_out("dialogue_event_cancelled", event.id, ics=ics)


def registrants_messaged(event: DialogueEvent, subject: str, body: str, include_waiting: bool) -> None:
    """The city's own message to the event's registrants."""
    fan_out("dialogue_message", event.id, subject=subject, body=body, waiting=include_waiting)


def _batch(event_id: int, after: int, size: int, statuses: tuple[str, ...], **context: Any) -> list[Letter]:
    """A batch of the event's registrants (by user id, active users only), each told whether they have a place."""
    event = db.session.get(DialogueEvent, event_id)
    if event is None:
        return []
    ids = select(EventRegistration.user_id).where(EventRegistration.event_id == event_id,
                                                  EventRegistration.status.in_(statuses))
    people = active_users(ids, after=after, limit=size)
    placed = set(db.session.scalars(ids.where(EventRegistration.status == REGISTERED,
                                              EventRegistration.user_id.in_([p.id for p in people]))))
    keys = {"challenge_id": event.challenge_id, "event_id": event.id}
    links = {"event_link": absolute_url("challenges.dialogue_event", **keys),
             "calendar_link": absolute_url("challenges.dialogue_event_calendar", **keys)}
    ics = context.pop("ics", None)
    return [Letter(p.email, p.locale, {"user": p, "dialogue_event": event, "challenge": event.challenge,
                                       "with_link": p.id in placed, **links, **context}, key=p.id, ics=ics)
            for p in people]


@dataclass(frozen=True)
class Change:
    """One changed field as an email shows it: from what to what; `hidden` keeps an online link from those
    without a place."""

    label: Any
    old: Any
    new: Any
    is_time: bool = False
    hidden: bool = False


def _changes(stored: dict[str, list[Any]], with_link: bool) -> list[Change]:
    """The changes in the order of CHANGE_LABELS, times back as datetimes."""
    rows = []
    for name, label in CHANGE_LABELS.items():
        if name in stored:
            old, new = (datetime.fromisoformat(v) if name in TIMES and v else v for v in stored[name])
            rows.append(Change(label, old, new, name in TIMES, name == "online_url" and not with_link))
    return rows


@audience("dialogue_event_changed")
def changed_audience(event_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """Everyone registered or waiting, with what changed."""
    letters = _batch(event_id, after, size, (REGISTERED, WAITING))
    return [replace(letter, context={**letter.context,
                                     "changes": _changes(data["changes"], letter.context["with_link"])})
            for letter in letters]


@audience("dialogue_event_cancelled")
def cancelled_audience(event_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """Everyone registered or waiting, with the city's reason and the calendar's cancellation."""
    return _batch(event_id, after, size, (REGISTERED, WAITING), ics=data.get("ics"))


@audience("dialogue_message")
def message_audience(event_id: int, data: dict[str, Any], after: int, size: int) -> list[Letter]:
    """Everyone registered (and waiting, when the officer chose so), with the officer's message."""
    statuses = (REGISTERED, WAITING) if data.get("waiting") else (REGISTERED,)
    return _batch(event_id, after, size, statuses, message_subject=data["subject"], message_body=data["body"])
