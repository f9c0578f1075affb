"""Emails to many: the request records one fan-out, the worker emails everyone once, each in their language.

A call opened with fifty subscribers costs the request what it costs with one;
the worker expands the fan-out in batches by user id. Retried or duplicated
jobs, and a job that stops half-way, email nobody twice and leave nobody out.
The last tests run a real RQ worker on Redis (TEST_REDIS_URL, which scripts/test.sh sets).
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from flask_babel import force_locale
from rq import SimpleWorker
from sqlalchemy import func, select

from auth.models import User
from challenges.models import Challenge, Follow, Question, Subscription
from challenges.services.challenges import FIELD_LABELS, transition_challenge, update_texts
from challenges.services.dialogue.questions import publish_answers
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT
from core.extensions import db
from core.mail import MailFanOut, OutboxMessage, deliver_fanout, requeue_unsent, unfinished_fanouts
from core.models import utcnow
from tests.factories import count_queries, make_cast, make_challenge

LOCALES = ("fi", "sv", "en")
SUBJECTS = {"fi": "Haku on avoinna: Koulujen sisäilma", "sv": "Utlysningen är öppen för förslag: Skolornas inneluft",
            "en": "Call open for proposals: Koulujen sisäilma"}


def add_people(count: int, prefix: str) -> list[User]:
    """People with confirmed addresses, in turn Finnish, Swedish and English speakers."""
    people = [User(email=f"{prefix}{n}@example.org", name=f"Person {n}", locale=LOCALES[n % 3],
                   email_verified_at=utcnow()) for n in range(count)]
    db.session.add_all(people)
    db.session.commit()
    return people


def subscribe_to_city(challenge: Challenge, people: list[User], theme: int) -> None:
    """Everyone subscribes to the challenge's city; every third also follows it, every fifth its theme too."""
    theme = ensure_themes()[theme]
    challenge.themes = [theme]
    for n, person in enumerate(people):
        db.session.add(Subscription(user_id=person.id, city_id=challenge.lead_city_id))
        if n % 3 == 0:
            db.session.add(Follow(user_id=person.id, challenge_id=challenge.id))
        if n % 5 == 0:
            db.session.add(Subscription(user_id=person.id, theme_id=theme.id))
    db.session.commit()


def approved_call(make_org, make_user, subscribers: int, prefix: str,
                  theme: int = 0) -> tuple[dict[str, Any], Challenge, list]:
    """A city's approved challenge (ready to open) on one of the themes, and its subscribers."""
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="approved")
    people = add_people(subscribers, prefix)
    subscribe_to_city(challenge, people, theme)
    return cast, challenge, people


def told(outbox: list) -> Counter:
    """How many emails each address received."""
    return Counter(r for m in outbox for r in m.recipients)


# --- the request -------------------------------------------------------------------------------

def _queries_of_opening(make_org, make_user, subscribers: int) -> int:
    """The SQL statements of opening a call with so many subscribers, up to the commit (then undone)."""
    cast, challenge, _people = approved_call(make_org, make_user, subscribers, f"open{subscribers}-")
    db.session.expire_all()
    with count_queries() as statements:
        transition_challenge(challenge, "open_call", cast["officer"], seen_state="approved")
        db.session.flush()
    db.session.rollback()
    return len(statements)


def test_opening_a_call_costs_the_same_queries_for_fifty_subscribers_as_for_one(make_org, make_user):
    assert _queries_of_opening(make_org, make_user, 1) == _queries_of_opening(make_org, make_user, 50)


def _queries_of_an_edit(make_org, make_user, followers: int) -> int:
    """The SQL statements of editing a published challenge with so many followers (then undone)."""
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="open")
    db.session.add_all([Follow(user_id=p.id, challenge_id=challenge.id)
                        for p in add_people(followers, f"edit{followers}-")])
    db.session.commit()
    db.session.expire_all()
    with count_queries() as statements:
        update_texts(challenge, cast["officer"], {"summary_fi": "Uusi tiivistelmä."},
                     seen_version=challenge.state_version)
        db.session.flush()
    db.session.rollback()
    return len(statements)


def test_editing_a_challenge_costs_the_same_queries_for_fifty_followers_as_for_one(make_org, make_user):
    assert _queries_of_an_edit(make_org, make_user, 1) == _queries_of_an_edit(make_org, make_user, 50)


def test_opening_a_call_records_one_fan_out_and_no_email_before_the_commit(make_org, make_user):
    cast, challenge, _people = approved_call(make_org, make_user, 50, "pending-")
    transition_challenge(challenge, "open_call", cast["officer"], seen_state="approved")
    db.session.flush()
    fanouts = db.session.scalars(select(MailFanOut)).all()
    assert [(f.event, f.subject_id, f.finished_at) for f in fanouts] == [("challenge_call_opened", challenge.id,
                                                                        None)]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MailFanOut)) == 0  # a rolled-back move tells nobody


# --- the worker, in-process (no Redis) ----------------------------------------------------------

def test_opened_call_reaches_each_subscriber_once_in_their_language(client, make_org, make_user, login, outbox):
    cast, challenge, people = approved_call(make_org, make_user, 50, "lang-")
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "open_call", "seen_state": "approved"})
    assert response.status_code == 302
    assert told(outbox) == Counter({p.email: 1 for p in people})  # subscribed twice, following too: once
    by_address = {m.recipients[0]: m for m in outbox}
    for person in people:
        email = by_address[person.email]
        assert email.subject == SUBJECTS[person.locale]
        assert f'<html lang="{person.locale}">' in email.html and f"/challenges/{challenge.id}" in email.body
    assert db.session.scalar(select(MailFanOut.finished_at)) is not None


def test_fan_out_in_batches_leaves_out_inactive_people(make_org, make_user, outbox):
    cast, challenge, people = approved_call(make_org, make_user, 45, "batch-")
    people[7].active = False
    people[30].anonymised_at = utcnow()
    fanout = MailFanOut(event="challenge_call_opened", subject_id=challenge.id)
    db.session.add(fanout)
    db.session.commit()
    assert deliver_fanout(fanout.id, size=10, batches=100) == 43
    assert told(outbox) == Counter({p.email: 1 for n, p in enumerate(people) if n not in (7, 30)})
    db.session.refresh(fanout)
    assert fanout.finished_at is not None and fanout.done_through == people[-1].id


def test_fan_out_run_again_emails_nobody_twice(make_org, make_user, outbox):
    """A retried job (RQ retry, or the scheduler's re-queue of an unfinished fan-out) finds nothing left to do."""
    cast, challenge, people = approved_call(make_org, make_user, 12, "again-")
    fanout = MailFanOut(event="challenge_call_opened", subject_id=challenge.id)
    db.session.add(fanout)
    db.session.commit()
    assert deliver_fanout(fanout.id, size=5) == 12
    assert deliver_fanout(fanout.id, size=5) == 0
    assert told(outbox) == Counter({p.email: 1 for p in people})
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 12


def test_scheduler_finishes_a_fan_out_whose_job_was_lost(make_org, make_user, outbox):
    """Redis was down after the commit, say: the row waits, and the periodic re-queue expands it."""
    cast, challenge, people = approved_call(make_org, make_user, 4, "lost-")
    fanout = MailFanOut(event="challenge_call_opened", subject_id=challenge.id)
    db.session.add(fanout)
    db.session.commit()
    requeue_unsent()
    assert outbox == []  # a minute's grace: its own job may still be coming
    fanout.created_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    requeue_unsent()
    db.session.commit()  # the scheduler's job context ends here; in-process jobs run once it has
    assert told(outbox) == Counter({p.email: 1 for p in people})
    assert unfinished_fanouts() == []


def test_changed_challenge_tells_followers_what_changed_in_their_language(make_org, make_user, outbox):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="open")
    people = add_people(3, "changed-")
    db.session.add_all([Follow(user_id=p.id, challenge_id=challenge.id) for p in people])
    db.session.commit()
    update_texts(challenge, cast["officer"], {"summary_fi": "Uusi tiivistelmä."}, seen_version=challenge.state_version)
    db.session.commit()
    bodies = {m.recipients[0]: m.body for m in outbox}
    with force_locale("sv"):
        swedish = str(FIELD_LABELS["summary_fi"])
    assert sorted(bodies) == sorted(p.email for p in people)
    assert swedish in bodies[people[1].email] and swedish != str(FIELD_LABELS["summary_fi"])


def test_published_answers_reach_confirmed_followers_in_the_order_published(make_org, make_user, outbox):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    confirmed, unconfirmed = add_people(2, "answers-")
    unconfirmed.email_verified_at = None
    db.session.add_all([Follow(user_id=confirmed.id, challenge_id=challenge.id),
                        Follow(user_id=unconfirmed.id, challenge_id=challenge.id)])
    questions = [Question(challenge_id=challenge.id, asked_by_id=cast["company_owner"].id,
                          organisation_id=cast["company"].id, text=f"Kysymys {n}?", answer=f"Vastaus {n}.")
                 for n in range(3)]
    db.session.add_all(questions)
    db.session.commit()
    publish_answers(challenge, [questions[2], questions[0]], cast["officer"])
    db.session.commit()
    [email] = [m for m in outbox if m.recipients != [cast["company_owner"].email]]  # not the asker's own
    assert email.recipients == [confirmed.email]
    assert email.body.index("Vastaus 2.") < email.body.index("Vastaus 0.") and "Vastaus 1." not in email.body


# --- the real thing: Redis and an RQ worker -----------------------------------------------------

def run_worker(queue) -> None:
    """An RQ worker in this process (so Flask-Mail's recorder sees what it sends) until the queue is empty."""
    assert SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_request_queues_one_job_and_the_rq_worker_emails_everyone(client, make_org, make_user, login, outbox,
                                                                  redis_queue):
    cast, challenge, people = approved_call(make_org, make_user, 50, "rq-")
    login(cast["officer"])
    with count_queries() as statements:
        response = client.post(f"/manage/challenges/{challenge.id}/transition",
                               data={"action": "open_call", "seen_state": "approved"})
    assert response.status_code == 302
    assert [job.func_name for job in redis_queue.jobs] == ["core.mail.deliver_fanout"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0 and outbox == []
    lone, other, [alone] = approved_call(make_org, make_user, 1, "rq-lone-", theme=1)
    login(lone["officer"])
    with count_queries() as lone_statements:
        client.post(f"/manage/challenges/{other.id}/transition", data={"action": "open_call",
                                                                       "seen_state": "approved"})
    assert len(statements) == len(lone_statements)
    run_worker(redis_queue)
    assert told(outbox) == Counter({p.email: 1 for p in [*people, alone]})
    assert {m.recipients[0]: m.subject for m in outbox if m.recipients[0] in {p.email for p in people}} == {
        p.email: SUBJECTS[p.locale] for p in people}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0


def test_fan_out_stopped_half_way_is_finished_by_a_retry_without_doubles(make_org, make_user, outbox, redis_queue):
    """The first job writes one batch and dies; the retry does the rest; the dead job's sequel finds it done."""
    cast, challenge, people = approved_call(make_org, make_user, 50, "retry-")
    fanout = MailFanOut(event="challenge_call_opened", subject_id=challenge.id)
    db.session.add(fanout)
    db.session.commit()
    assert deliver_fanout(fanout.id, size=20, batches=1) == 20  # then it queues its sequel
    assert deliver_fanout(fanout.id, size=20) == 30  # a retry, say the scheduler's re-queue
    run_worker(redis_queue)  # the sequel and the delivery jobs
    assert told(outbox) == Counter({p.email: 1 for p in people})
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 50
