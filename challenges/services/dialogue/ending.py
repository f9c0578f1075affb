"""When a challenge's dialogue stops (the call opens, or the challenge is cancelled), what was still ahead is
cancelled: its events and its booked one-to-one meetings, and the people registered and booked are told why.

Runs on the workflow engine's `transitioned` signal, inside the transaction of the
move (connected in `challenges.init_app`); the emails leave after the commit.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from challenges.models import Challenge
from challenges.services.dialogue.common import DIALOGUE_STATES, S
from challenges.services.dialogue.events import cancel_events_ahead
from challenges.services.dialogue.meetings import cancel_meetings_ahead


def end_dialogue(challenge: Challenge, reason: str | None, actor: Any, *, notify: bool = True) -> None:
    """Cancel the events and booked meetings of the challenge that have not started, with the reason."""
    # Without the officer's words (the dialogue ended as scheduled) the reason says what happened.
    reason = (reason or "").strip() or gettext("The market dialogue has ended.")
    cancel_events_ahead(challenge, reason, actor, notify=notify)
    cancel_meetings_ahead(challenge, reason, actor, notify=notify)


def dialogue_stopped(family: str, *, obj: Challenge, transition: Any, user: Any, entry: Any, **_: Any) -> None:
    """Receives `transitioned`: a move out of the states where the dialogue runs ends what is still ahead."""
    if entry.from_state in DIALOGUE_STATES and transition.target not in DIALOGUE_STATES:
        # A cancelled challenge's own email already tells its participants, once (notifications/lifecycle.py).
        end_dialogue(obj, entry.comment, user, notify=transition.target != S.CANCELLED.value)
