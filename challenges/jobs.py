"""Periodic work of the challenges package: dialogues start on their date, calls close at their deadline."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from challenges.models import Challenge, ChallengeState
from challenges.services.challenges import transition_challenge
from challenges.workflow import FAMILY
from core.extensions import db
from core.jobs import periodic
from core.models import utcnow
from core.workflow import TransitionError, registry

log = logging.getLogger(__name__)


def due_call_ids() -> list[int]:
    """Ids of open challenges whose proposal deadline has passed."""
    return list(db.session.scalars(
        select(Challenge.id).where(Challenge.state == ChallengeState.OPEN.value,
                                   Challenge.proposals_close_at <= utcnow()).order_by(Challenge.id)))


def due_dialogue_ids() -> list[int]:
    """Ids of approved challenges with a market dialogue whose start time has come."""
    with_dialogue = [w.name for w in registry.family(FAMILY) if ChallengeState.MARKET_DIALOGUE in w.states]
    return list(db.session.scalars(
        select(Challenge.id).where(Challenge.state == ChallengeState.APPROVED.value,
                                   Challenge.workflow.in_(with_dialogue),
                                   Challenge.dialogue_starts_at <= utcnow()).order_by(Challenge.id)))


def _move_due(ids: list[int], action: str, state: ChallengeState) -> int:
    """Take the action on each challenge still in the state, as the system, one commit each; safe to re-run.

    The engine refuses a challenge another run (or an officer) has already moved, so
    each move, and the email it sends, happens once.
    """
    moved = 0
    for challenge_id in ids:
        challenge = db.session.get(Challenge, challenge_id)
        if challenge is None or challenge.state != state.value:
            continue
        try:
            transition_challenge(challenge, action, None, seen_state=state.value)
            db.session.commit()
            moved += 1
        except TransitionError as exc:  # moved by someone else first, the date moved, or not this variant
            db.session.rollback()
            log.info("challenge %s: %s not taken: %s", challenge_id, action, exc.message)
    return moved


@periodic(every=timedelta(minutes=1))
def start_due_dialogues() -> int:
    """Start every approved challenge's market dialogue whose start time has come, through the engine."""
    return _move_due(due_dialogue_ids(), "start_dialogue", ChallengeState.APPROVED)


@periodic(every=timedelta(minutes=1))
def close_due_calls() -> int:
    """Close every open call past its deadline through the workflow engine, as the system; safe to re-run."""
    return _move_due(due_call_ids(), "close_call", ChallengeState.OPEN)
