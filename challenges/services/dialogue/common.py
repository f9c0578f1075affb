"""Shared rules of the market dialogue: constants, and the windows derived from dates and states."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from auth.models import Organisation, User
from challenges.models import Challenge, ChallengeState, RegistrationStatus
from challenges.permissions import company_ids
from core.models import utcnow
from core.refusals import Refused, refuse_if

S = ChallengeState
REGISTERED, WAITING, CANCELLED = (RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITING.value,
                                  RegistrationStatus.CANCELLED.value)
# Where the dialogue's activities run, from the attributes of the states (challenges/states.py).
DIALOGUE_STATES = S.states_where(dialogue_runs=True)  # events, slots and the RFI run
# Minutes, material, synthesis and summary are written while the challenge is published and editable.
RECORD_STATES = S.states_where(public=True, editable=True)
QUESTION_STATES = S.states_where(takes_questions=True)  # questions are asked and answers published
ANSWER_CUTOFF = timedelta(days=6)  # directive 2014/24 art. 53: answers at least six days before the deadline
ANSWER_WARNING = timedelta(days=3)  # the answer page warns this long before the cutoff
REMINDER_AHEAD = timedelta(hours=24)
PAGE_SIZE = 50


# --- windows, derived from dates and states ---------------------------------------------------

def dialogue_running(challenge: Challenge) -> bool:
    """Events, meeting slots and the RFI run while a dialogue challenge is approved or in dialogue."""
    return challenge.has_dialogue and challenge.state in DIALOGUE_STATES


def questions_open(challenge: Challenge, now: datetime | None = None) -> bool:
    """Questions are asked during the dialogue and the call, until the question deadline."""
    return (challenge.state in QUESTION_STATES and challenge.questions_close_at is not None
            and (now or utcnow()) < challenge.questions_close_at)


def answer_deadline(challenge: Challenge) -> datetime | None:
    """The last moment an answer may be published: six days before the proposal deadline."""
    return challenge.proposals_close_at - ANSWER_CUTOFF if challenge.proposals_close_at else None


def answers_publishable(challenge: Challenge, now: datetime | None = None) -> bool:
    """False once it is less than six days before the proposal deadline."""
    deadline = answer_deadline(challenge)
    return deadline is None or (now or utcnow()) <= deadline


def answer_deadline_near(challenge: Challenge, now: datetime | None = None) -> bool:
    """True when the answer page should warn that the publishing cutoff is close or past."""
    deadline = answer_deadline(challenge)
    return deadline is not None and (now or utcnow()) > deadline - ANSWER_WARNING


def dialogue_open(challenge: Challenge, now: datetime | None = None) -> bool:
    """Companies take part (register, book, answer the RFI) while the dialogue runs, until its scheduled end."""
    ends = challenge.dialogue_ends_at
    return dialogue_running(challenge) and (ends is None or (now or utcnow()) < ends)


def rfi_open(challenge: Challenge, now: datetime | None = None) -> bool:
    """Companies answer the RFI until the dialogue ends."""
    return dialogue_open(challenge, now)


def _require_running(challenge: Challenge, field: str | None = None) -> None:
    """Refuse unless the dialogue of the challenge is running (or approved to start)."""
    refuse_if(not dialogue_running(challenge),
              _l("The market dialogue of this challenge is not running."), field)


def _require_open(challenge: Challenge) -> None:
    """Refuse a company's registration or booking once the dialogue has ended (or is not running)."""
    _require_running(challenge)
    refuse_if(not dialogue_open(challenge),
              _l("The market dialogue of this challenge has ended: its events and meetings take no more "
                 "registrations or bookings."))


def _check_window(challenge: Challenge, starts_at: datetime, ends_at: datetime) -> None:
    """An event or a meeting takes place within the dates of the market dialogue."""
    first, last = challenge.dialogue_starts_at, challenge.dialogue_ends_at
    if first is not None and starts_at < first:
        raise Refused(_l("The market dialogue starts %(start)s: choose a time after that.",
                         start=format_datetime(first, "short")), "starts_at")
    if last is not None and ends_at > last:
        raise Refused(_l("The market dialogue ends %(end)s: choose a time that ends before that.",
                         end=format_datetime(last, "short")), "ends_at")


def _require_recording(challenge: Challenge, field: str | None = None) -> None:
    """Refuse unless the dialogue's records may still be written."""
    refuse_if(not (challenge.has_dialogue and challenge.state in RECORD_STATES),
              _l("The market dialogue of this challenge can no longer be changed."), field)


def _require_acting_for(organisation: Organisation, user: User) -> None:
    """Refuse (403) unless the user is a member of the company they act for."""
    refuse_if(organisation.id not in company_ids(user), _l("You do not act for this organisation."),
              status_code=403)


def _require_company_view(challenge: Challenge) -> None:
    """Companies take part only in published challenges."""
    refuse_if(not challenge.is_public, _l("This challenge is not published."), status_code=404)


# --- texts in three languages -----------------------------------------------------------------

def set_versions(obj: object, versions: dict[str, str | None] | None, names: tuple[str, ...]) -> None:
    """Set the Swedish and English texts of names (`minutes_sv`, ...) given in versions; None leaves them be."""
    for key in (f"{name}_{language}" for name in names for language in ("sv", "en")):
        if versions is not None and key in versions:
            setattr(obj, key, (versions[key] or "").strip() or None)
