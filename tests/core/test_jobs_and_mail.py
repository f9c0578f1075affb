"""Jobs wait for the commit; the outbox records every email and delivers it exactly once.

The last tests run the real thing: Redis, an `rq` worker started as `flask worker`,
and an aiosmtpd SMTP sink on loopback.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from redis import Redis
from sqlalchemy import select, update

from core import jobs
from core.feedback import AccessibilityFeedback
from core.mail import OutboxMessage, deliver_messages, queue_email, render_email, requeue_unsent, unsent_ids
from core.models import utcnow

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _Feedback:
    """What the accessibility feedback emails need to render."""

    page = "/"
    name = "Reporter"
    email = "reporter@example.org"
    description = "The menu cannot be reached by keyboard."


def queue_receipt(to: str = "reporter@example.org", locale: str = "en") -> OutboxMessage:
    """Queue one real email of the app."""
    return queue_email("accessibility_feedback_receipt", to=to, locale=locale, feedback=_Feedback())


def test_job_queued_after_commit_runs_only_after_the_commit(db):
    ran = []
    jobs.enqueue_after_commit(ran.append, "done")
    assert ran == []
    db.session.commit()
    assert ran == ["done"]


def test_job_of_a_rolled_back_transaction_never_runs(db):
    ran = []
    jobs.enqueue_after_commit(ran.append, "done")
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_in_process_job_starts_after_the_callers_connection_is_back_in_the_pool(db):
    """A job opens its own session: were the caller's connection still out, a crowd of requests
    would hold every pooled connection while their jobs waited for one more."""
    checked_out = []
    db.session.execute(select(1))
    jobs.enqueue_after_commit(lambda: checked_out.append(db.engine.pool.checkedout()))
    db.session.commit()
    assert checked_out == [0]


def test_in_process_job_waits_for_the_callers_open_transaction_to_end(db):
    """On SQLite the caller's transaction holds the write lock the job would wait for."""
    ran = []
    db.session.execute(select(1))
    jobs.enqueue(ran.append, "done")
    assert ran == []
    db.session.rollback()
    assert ran == ["done"]


def test_batched_items_of_one_transaction_go_to_one_job(db):
    calls = []
    for item in (1, 2, 3):
        jobs.enqueue_batch_after_commit(calls.append, item)
    db.session.commit()
    jobs.enqueue_batch_after_commit(calls.append, 4)
    db.session.commit()
    assert calls == [[1, 2, 3], [4]]


def test_failing_in_process_job_does_not_break_the_commit(db, caplog):
    def broken():
        raise RuntimeError("SMTP is down")

    jobs.enqueue_after_commit(broken)
    db.session.commit()
    assert "in-process job broken failed" in caplog.text


def test_email_is_rendered_in_the_recipients_language(app):
    subject_sv, text_sv, html_sv = render_email("accessibility_feedback_receipt", "sv", feedback=_Feedback())
    subject_en, _text, _html = render_email("accessibility_feedback_receipt", "en", feedback=_Feedback())
    assert subject_en == "We received your accessibility feedback"
    assert subject_sv == "Vi har tagit emot din respons om tillgänglighet"
    assert "14" in text_sv and '<html lang="sv">' in html_sv


def test_queued_email_is_recorded_then_sent_after_commit(db, outbox):
    message = queue_receipt()
    assert message.sent_at is None and outbox == []
    db.session.commit()
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 1
    assert [m.subject for m in outbox] == ["We received your accessibility feedback"]
    assert outbox[0].html and "within 14 days" in outbox[0].body


def test_email_of_a_rolled_back_transaction_is_neither_stored_nor_sent(db, outbox):
    queue_receipt()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).all() == [] and outbox == []


def test_delivering_the_same_ids_twice_sends_once(app, db, outbox):
    app.config["REDIS_URL"] = None
    message = queue_receipt()
    db.session.commit()
    assert deliver_messages([message.id]) == 0
    assert len(outbox) == 1


def test_failed_delivery_stays_in_the_outbox_and_is_requeued(app, db, outbox):
    app.config.update(MAIL_SUPPRESS_SEND=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port())
    from core.extensions import mail
    mail.init_app(app)
    message = queue_receipt()
    db.session.commit()
    db.session.refresh(message)
    assert message.sent_at is None and message.claimed_at is None
    assert "ConnectionRefusedError" in message.last_error
    # Nothing is due until the message has waited a minute.
    assert unsent_ids() == []
    db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert unsent_ids() == [message.id]
    app.config.update(MAIL_SUPPRESS_SEND=True)
    mail.init_app(app)
    requeue_unsent()
    db.session.commit()  # the scheduler's job context ends here; the delivery job runs once it has
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 2 and len(outbox) == 1


def test_periodic_tasks_run_when_due(app):
    last_run: dict[str, float] = {}
    assert "core.mail.requeue_unsent" in jobs.run_due(last_run, now=1000.0)
    assert jobs.run_due(last_run, now=1010.0) == []
    assert "core.mail.requeue_unsent" in jobs.run_due(last_run, now=1000.0 + 300)


# --- the real thing: Redis, an rq worker and an SMTP sink -----------------------------------

def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink(MessageHandler):
    """Keeps every message the SMTP server receives, and the client end of each connection it came over."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []
        self.peers: set = set()

    def prepare_message(self, session, envelope):
        self.peers.add(session.peer)
        return super().prepare_message(session, envelope)

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_sink():
    """A real SMTP server on a loopback port."""
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_closed_port())
    controller.start()
    yield controller, sink
    controller.stop()


def test_one_delivery_job_sends_its_messages_over_one_smtp_connection(app, db, smtp_sink):
    controller, sink = smtp_sink
    app.config.update(MAIL_SUPPRESS_SEND=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    from core.extensions import mail
    mail.init_app(app)
    for n in range(3):
        queue_receipt(to=f"reader{n}@example.org")
    db.session.commit()
    assert sorted(m["To"] for m in sink.messages) == [f"reader{n}@example.org" for n in range(3)]
    assert len(sink.peers) == 1


@pytest.fixture
def queued_app(app, redis_url, smtp_sink):
    """The app with a real queue (a queue name of its own) and real SMTP."""
    controller, _sink = smtp_sink
    queue_name = f"kokeilu-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=queue_name, MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=controller.port, MAIL_SUPPRESS_SEND=False)
    from core.extensions import mail
    mail.init_app(app)
    Redis.from_url(redis_url).delete(f"rq:queue:{queue_name}")
    return app


def _run_worker(app) -> subprocess.CompletedProcess:
    """Run `flask worker --burst` in a separate process against the same database and Redis."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.config["REDIS_URL"], RQ_QUEUE=app.config["RQ_QUEUE"],
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]))
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)


def test_email_goes_through_redis_and_an_rq_worker_to_smtp_exactly_once(queued_app, db, smtp_sink):
    _controller, sink = smtp_sink
    message = queue_receipt(to="company@example.org", locale="en")
    queue = jobs.get_queue()
    assert queue.count == 0  # nothing before the commit
    db.session.commit()
    assert queue.count == 1 and sink.messages == []
    worker = _run_worker(queued_app)
    assert worker.returncode == 0, worker.stderr
    assert [m["To"] for m in sink.messages] == ["company@example.org"]
    assert sink.messages[0]["Subject"] == "We received your accessibility feedback"
    # A retried job (the same ids queued again) sends nothing more.
    queue.enqueue(deliver_messages, [message.id])
    assert _run_worker(queued_app).returncode == 0
    assert len(sink.messages) == 1
    db.session.refresh(message)
    assert message.sent_at is not None


def test_rolled_back_email_never_reaches_redis(queued_app, db):
    queue_receipt()
    db.session.rollback()
    db.session.commit()
    assert jobs.get_queue().count == 0


def test_worker_command_explains_when_redis_is_missing(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def test_job_queued_inside_a_savepoint_waits_for_the_outer_commit(db, make_user):
    ran = []
    make_user()
    with db.session.begin_nested():
        jobs.enqueue_after_commit(ran.append, "done")
    assert ran == []
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_redis_down_after_commit_keeps_the_change_and_the_email_for_the_scheduler(app, db, client):
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    app.extensions.pop("kokeilu_redis", None)
    response = client.post("/accessibility/feedback", data={"description": "The menu cannot be reached."})
    assert response.status_code == 302  # the report is saved; the user is not shown an error
    assert db.session.scalar(select(AccessibilityFeedback.description)) == "The menu cannot be reached."
    waiting = db.session.scalars(select(OutboxMessage)).all()
    assert waiting and all(m.sent_at is None for m in waiting)
    app.extensions.pop("kokeilu_redis", None)
