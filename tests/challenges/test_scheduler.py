"""The scheduler closes calls at their deadline through the workflow engine, as the system."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from challenges.jobs import close_due_calls
from challenges.models import Challenge
from core.audit import AuditEntry
from core.jobs import PERIODIC
from tests.factories import make_cast, make_challenge


def test_close_due_calls_closes_a_due_call_and_leaves_a_future_one(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    due = make_challenge(cast["city"], cast["officer"], state="open", due=True)
    future = make_challenge(cast["city"], cast["officer"], state="open")
    draft_past = make_challenge(cast["city"], cast["officer"], due=True)
    assert close_due_calls() == 1
    db.session.expire_all()
    assert db.session.get(Challenge, due.id).state == "closed"
    assert db.session.get(Challenge, future.id).state == "open"
    assert db.session.get(Challenge, draft_past.id).state == "draft"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "close_call")).one()
    assert entry.actor_id is None and entry.object_id == due.id
    assert (entry.from_state, entry.to_state) == ("open", "closed")


def test_close_due_calls_is_safe_to_run_again(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    make_challenge(cast["city"], cast["officer"], state="open", due=True)
    assert close_due_calls() == 1
    assert close_due_calls() == 0
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "close_call")).all()) == 1


def test_close_due_calls_runs_every_minute():
    task = PERIODIC["challenges.jobs.close_due_calls"]
    assert task.every == timedelta(minutes=1)
