"""Periodic work of the market dialogue: event reminders, run by `flask scheduler`."""
from __future__ import annotations

from datetime import timedelta

from challenges.services.dialogue import send_event_reminders
from core.extensions import db
from core.jobs import periodic


@periodic(every=timedelta(minutes=15))
def remind_event_participants() -> int:
    """Email registered participants once, about 24 hours before their event (safe to run twice)."""
    sent = send_event_reminders()
    db.session.commit()
    return sent
