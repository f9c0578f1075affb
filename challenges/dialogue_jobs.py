"""Periodic work of the market dialogue: event reminders and the officers' hourly questions, by `flask scheduler`."""
from __future__ import annotations

from datetime import timedelta

from challenges.services.dialogue import send_event_reminders
from challenges.services.dialogue.questions import announce_new_questions
from core.extensions import db
from core.jobs import periodic


@periodic(every=timedelta(minutes=15))
def remind_event_participants() -> int:
    """Email registered participants once, about 24 hours before their event (safe to run twice)."""
    sent = send_event_reminders()
    db.session.commit()
    return sent


@periodic(every=timedelta(minutes=10))
def tell_officers_of_new_questions() -> int:
    """Email the officers the questions of the past hour, at most once an hour each (safe to run twice)."""
    sent = announce_new_questions()
    db.session.commit()
    return sent
