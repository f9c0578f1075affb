"""Periodic work of the challenges package: calls close by themselves when their deadline passes."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from challenges.models import Challenge, ChallengeState
from challenges.services.challenges import transition_challenge
from core.extensions import db
from core.jobs import periodic
from core.models import utcnow
from core.workflow import TransitionError

log = logging.getLogger(__name__)


def due_call_ids() -> list[int]:
    """Ids of open challenges whose proposal deadline has passed."""
    return list(db.session.scalars(
        select(Challenge.id).where(Challenge.state == ChallengeState.OPEN.value,
                                   Challenge.proposals_close_at <= utcnow()).order_by(Challenge.id)))


@periodic(every=timedelta(minutes=1))
def close_due_calls() -> int:
    """Close every open call past its deadline through the workflow engine, as the system; safe to re-run."""
    closed = 0
    for challenge_id in due_call_ids():
        challenge = db.session.get(Challenge, challenge_id)
        if challenge is None or challenge.state != ChallengeState.OPEN.value:
            continue
        try:
            transition_challenge(challenge, "close_call", None, seen_state=ChallengeState.OPEN.value)
            db.session.commit()
            closed += 1
        except TransitionError as exc:  # another run closed it first, or the deadline moved
            db.session.rollback()
            log.info("challenge %s not closed: %s", challenge_id, exc.message)
    return closed
