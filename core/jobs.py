"""Background jobs: an RQ queue when REDIS_URL is set, in-process otherwise.

Side effects wait for the commit: `enqueue_after_commit()` holds a job until
the current transaction commits and drops it if the transaction rolls back.
An in-process job opens its own session, so it runs only once its caller's
session has ended its transaction and given its connection back: a caller
holding one would keep the job waiting for a pooled connection, or on SQLite
for the write lock, that the caller itself holds.
Periodic work is registered with `@periodic` and run by `flask scheduler`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PENDING_KEY = "kokeilu_pending_jobs"  # waiting for the commit
BATCH_KEY = "kokeilu_pending_batches"
READY_KEY = "kokeilu_ready_jobs"  # committed, waiting for the session to give its connection back


def _redis(app: Flask):
    """The app's Redis connection, made once; None without REDIS_URL."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("kokeilu_redis")
    if conn is None:
        from redis import Redis

        conn = app.extensions["kokeilu_redis"] = Redis.from_url(url)
    return conn


def get_queue(app: Flask | None = None):
    """The RQ queue, or None when jobs run in-process."""
    app = app or current_app._get_current_object()
    conn = _redis(app)
    if conn is None:
        return None
    from rq import Queue

    return Queue(app.config["RQ_QUEUE"], connection=conn)


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run func(*args) as a job: on the queue now, or in-process once the caller's transaction has ended."""
    app = current_app._get_current_object()
    queue = get_queue(app)
    if queue is not None:
        queue.enqueue(func, *args, job_timeout=300, result_ttl=3600, failure_ttl=7 * 86400)
        return
    from core.extensions import db

    session = db.session()
    if session.in_transaction():
        session.info.setdefault(READY_KEY, []).append((func, args))
        return
    _run_in_process(app, func, args)


def _run_in_process(app: Flask, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run a job in a fresh app context, which gives it its own database session, as a worker would."""
    with app.app_context():
        try:
            func(*args)
        except Exception:  # a failed job must not break the request that queued it
            log.exception("in-process job %s failed", getattr(func, "__name__", func))


def _in_transaction(session: Session) -> Session:
    """Begin the session's transaction if needed, so a later rollback is seen and drops the jobs."""
    if not session.in_transaction():
        session.begin()
    return session


def enqueue_after_commit(func: Callable[..., Any], *args: Any, session: Session | None = None) -> None:
    """Queue func(*args) once the current transaction commits; forget it on rollback."""
    from core.extensions import db

    session = _in_transaction(session or db.session())
    session.info.setdefault(PENDING_KEY, []).append((func, args))


def enqueue_batch_after_commit(func: Callable[[list[Any]], Any], item: Any,
                               session: Session | None = None) -> None:
    """Collect item; after commit, run func once with every item the transaction collected."""
    from core.extensions import db

    session = _in_transaction(session or db.session())
    session.info.setdefault(BATCH_KEY, {}).setdefault(func, []).append(item)


@event.listens_for(Session, "after_commit")
def _commit_pending(session: Session) -> None:
    """The jobs of a committed transaction are ready; they start when the transaction has closed.

    SQLAlchemy also signals the release of a savepoint here; the jobs wait for the outer commit.
    """
    if session.in_nested_transaction():
        return
    ready = session.info.setdefault(READY_KEY, [])
    ready.extend(session.info.pop(PENDING_KEY, []))
    ready.extend((func, (items,)) for func, items in session.info.pop(BATCH_KEY, {}).items())


@event.listens_for(Session, "after_transaction_end")
def _run_ready(session: Session, transaction) -> None:
    """Hand the ready jobs over once the outermost transaction has closed and its connection is back in the pool."""
    if transaction.parent is not None:
        return
    for func, args in session.info.pop(READY_KEY, []):
        try:
            enqueue(func, *args)
        except RedisError:  # the change is committed: the user must not see an error for it
            log.exception("job %s could not be queued; emails wait in the outbox for `flask scheduler`",
                          getattr(func, "__name__", func))


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    """Nothing is sent for a transaction that rolled back.

    A savepoint's rollback leaves the outer transaction, and its jobs, alive.
    """
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)
        session.info.pop(BATCH_KEY, None)


@dataclass(frozen=True)
class PeriodicTask:
    """A function the scheduler runs every `every`."""

    func: Callable[[], Any]
    every: timedelta

    @property
    def name(self) -> str:
        """The task's dotted name, for logs."""
        return f"{self.func.__module__}.{self.func.__name__}"


PERIODIC: dict[str, PeriodicTask] = {}


def periodic(every: timedelta) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a function for `flask scheduler` to run every `every`."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        task = PeriodicTask(func, every)
        PERIODIC[task.name] = task
        return func

    return register


def run_due(last_run: dict[str, float], now: float | None = None) -> list[str]:
    """Queue every periodic task whose interval has passed; returns their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for name, task in sorted(PERIODIC.items()):
        if now - last_run.get(name, float("-inf")) >= task.every.total_seconds():
            last_run[name] = now
            enqueue(task.func)
            ran.append(name)
    return ran
