"""Email when people want it: a kind for every email, each person's choice per kind, the daily digest."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auth.services.profile import anonymise_account
from challenges.models import Follow, Question
from challenges.services.dialogue import publish_answers
from challenges.notifications.dialogue import answers_published
from core.extensions import db, mail
from core.jobs import PERIODIC
from core.mail import OutboxMessage
from core.notifications import (
    EVENT_KINDS,
    ESSENTIAL,
    Delivery,
    DigestItem,
    Kind,
    NotificationPreference,
    digest_cutoff,
    save_preferences,
    send_digests,
)
from tests.factories import PASSWORD, as_user, audit_count, count_queries, error_next_to, html, make_org

UTC = timezone.utc
EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


def _events() -> set[str]:
    """Every email event: a templates/email/<event>.txt that is not a partial."""
    return {path.stem for path in EMAIL_TEMPLATES.glob("*.txt") if not path.name.startswith("_")}


def test_every_email_template_has_a_kind_or_is_marked_essential():
    """An email added without saying what it is about fails here, not silently in somebody's inbox."""
    unmapped = sorted(_events() - set(EVENT_KINDS))
    assert unmapped == [], f"add these events to core.notifications.EVENT_KINDS: {unmapped}"
    assert all(kind == ESSENTIAL or isinstance(kind, Kind) for kind in EVENT_KINDS.values())


def test_account_emails_are_essential_and_everyday_news_is_not():
    for event in ("password_reset", "verify_email", "invitation", "host_invitation", "notification_digest"):
        assert EVENT_KINDS[event] == ESSENTIAL
    assert EVENT_KINDS["dialogue_answer_published"] is Kind.ANSWERS
    assert EVENT_KINDS["challenge_call_opened"] is Kind.CALLS


def _chosen(user_id: int) -> dict[str, str]:
    """The stored choices of a person (no row: at once)."""
    return dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                   .where(NotificationPreference.user_id == user_id)).all())


def _checked(page: str, kind: str) -> list[str]:
    """The values of the checked radio buttons of a kind on the page."""
    return re.findall(rf'<input checked [^>]*name="{kind}"[^>]*value="(\w+)"', page)


def test_account_page_shows_one_row_per_kind_with_its_three_choices(app, make_user):
    user = make_user(make_org("city"), ("officer",), locale="sv")
    save_preferences(user.id, {"events": "daily"})
    db.session.commit()
    page = html(as_user(app, user).get("/account"))
    assert 'id="notifications"' in page and page.count("<fieldset") >= len(Kind)
    for kind in Kind:
        assert page.count(f'name="{kind.value}"') == 3
        assert _checked(page, kind.value) == (["daily"] if kind is Kind.EVENTS else ["immediate"])
    assert "Dagligt sammandrag" in page and "Evenemang som du har anmält dig till" in page  # in Swedish


def test_account_page_asks_a_company_only_about_emails_it_can_get(app, make_user):
    company = make_user(make_org("company"), ("owner",), locale="fi")
    client = as_user(app, company)
    page = html(client.get("/account"))
    assert 'name="questions"' not in page and 'name="approvals"' not in page
    assert "hyväksyttäväksi" not in page and page.count('name="answers"') == 3
    everything = {kind.value: "off" for kind in Kind}
    assert client.post("/account/notifications", data=everything).status_code == 302
    assert _chosen(company.id) == {kind.value: "off" for kind in Kind if kind not in (Kind.QUESTIONS, Kind.APPROVALS)}
    decision_maker = make_user(make_org("city"), ("decision_maker",))
    page = html(as_user(app, decision_maker).get("/account"))
    assert 'name="approvals"' in page and 'name="questions"' not in page


def test_account_notifications_saves_each_kind_and_audits_the_change(app, make_user):
    user = make_user()
    choices = {kind.value: "immediate" for kind in Kind} | {"answers": "daily", "calls": "off"}
    response = as_user(app, user).post("/account/notifications", data=choices)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#notifications")
    assert _chosen(user.id) == {"answers": "daily", "calls": "off"}
    assert audit_count("notification_preferences_changed") == 1
    back = {kind.value: "immediate" for kind in Kind}
    as_user(app, user).post("/account/notifications", data=back)
    assert _chosen(user.id) == {}  # at once is the default: no rows kept for it


def test_account_notifications_refuses_an_unknown_choice_next_to_the_field(app, make_user):
    user = make_user()
    choices = {kind.value: "immediate" for kind in Kind} | {"events": "weekly"}
    response = as_user(app, user).post("/account/notifications", data=choices)
    assert response.status_code == 400
    assert error_next_to(html(response), "events")
    assert _chosen(user.id) == {}


# --- a fan-out honours everyone's choice with one query per batch ----------------------------------

def _answered_questions(cast_challenge, asker, company, n: int = 1) -> list[Question]:
    """Answered, unpublished questions of the challenge."""
    questions = [Question(challenge_id=cast_challenge.id, asked_by_id=asker.id, organisation_id=company.id,
                          text=f"Kysymys {i}?", answer=f"Vastaus {i}.") for i in range(n)]
    db.session.add_all(questions)
    db.session.commit()
    return questions


def _followers(make_user, challenge, deliveries: list[str], locale: str = "sv") -> list:
    """Followers of the challenge, each with the given choice for answers."""
    people = []
    for delivery in deliveries:
        person = make_user(locale=locale)
        db.session.add(Follow(user_id=person.id, challenge_id=challenge.id))
        if delivery != "immediate":
            save_preferences(person.id, {"answers": delivery})
        people.append(person)
    db.session.commit()
    return people


def test_fan_out_sends_at_once_holds_for_the_digest_and_drops_what_is_off(dw, make_user, outbox):
    at_once, daily, off = _followers(make_user, dw.challenge, ["immediate", "daily", "off"])
    save_preferences(dw.member.id, {"answers": "off"})  # the asker too
    db.session.commit()
    publish_answers(dw.challenge, _answered_questions(dw.challenge, dw.member, dw.company), dw.officer)
    db.session.commit()
    assert [m.recipients for m in outbox] == [[at_once.email]]
    [held] = db.session.scalars(select(DigestItem)).all()
    assert (held.user_id, held.kind, held.event, held.sent_at) == (daily.id, "answers",
                                                                    "dialogue_answer_published", None)
    assert held.subject.startswith("Nya svar")  # in the reader's language
    assert held.link.endswith(f"/challenges/{dw.challenge.id}/dialogue")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient.in_([daily.email, off.email]))) == 0


def test_everyday_news_says_where_to_change_the_settings_and_account_emails_do_not(client, dw, make_user, outbox):
    [follower] = _followers(make_user, dw.challenge, ["immediate"])
    publish_answers(dw.challenge, _answered_questions(dw.challenge, dw.member, dw.company), dw.officer)
    db.session.commit()
    news = next(m for m in outbox if m.recipients == [follower.email])
    assert "/account#notifications" in news.body and 'href="http' in news.html
    assert "/account#notifications" in news.html
    outbox.clear()
    client.post("/password/reset", data={"email": follower.email})
    [reset] = outbox
    assert "#notifications" not in reset.body and "#notifications" not in reset.html


def _fan_out_queries(dw, people: list) -> tuple[int, int]:
    """Queries of the choices, and emails sent, as one answers fan-out reaches the challenge's followers."""
    questions = _answered_questions(dw.challenge, dw.member, dw.company)
    answers_published(dw.challenge, questions)
    with count_queries() as statements, mail.record_messages() as sent:
        db.session.commit()  # the fan-out runs in-process after the commit
    return len([s for s in statements if "notification_preferences" in s]), len(sent)


def test_fan_out_reads_the_choices_of_a_batch_in_one_query(app, dw, make_user):
    few = _followers(make_user, dw.challenge, ["daily", "immediate"])
    assert _fan_out_queries(dw, few) == (1, 1)
    _followers(make_user, dw.challenge, ["daily", "off", "immediate"] * 10)
    assert _fan_out_queries(dw, few) == (1, 11)


# --- the daily digest, on a controlled clock ---------------------------------------------------------

def _hold(user, subject: str, link: str | None, at: datetime, kind: str = "answers") -> DigestItem:
    """An email held for user's digest at a given time."""
    item = DigestItem(user_id=user.id, kind=kind, event="dialogue_answer_published", subject=subject, link=link,
                      created_at=at)
    db.session.add(item)
    db.session.commit()
    return item


@pytest.mark.parametrize("now,cutoff", [
    (datetime(2026, 12, 6, 5, 0, tzinfo=UTC), datetime(2026, 12, 6, 5, 0, tzinfo=UTC)),  # 07.00 winter
    (datetime(2026, 12, 6, 4, 59, tzinfo=UTC), datetime(2026, 12, 5, 5, 0, tzinfo=UTC)),
    (datetime(2026, 7, 1, 4, 0, tzinfo=UTC), datetime(2026, 7, 1, 4, 0, tzinfo=UTC)),  # 07.00 summer
    (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 4, 0, tzinfo=UTC)),  # the day DST begins
])
def test_digest_cutoff_is_seven_in_the_morning_helsinki_time(now, cutoff):
    assert digest_cutoff(now) == cutoff


def test_digest_goes_out_once_a_day_in_the_readers_language(app, make_user, outbox):
    swede = make_user(locale="sv", name="Sven")
    morning = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # Monday 07.00 in Helsinki
    _hold(swede, "Nya svar: Skolor", "https://kokeilu.example/c/1", morning - timedelta(hours=10))
    _hold(swede, "Utmaningen ändrades", None, morning - timedelta(hours=2), kind="challenges")
    late = _hold(swede, "För sent för i dag", "https://kokeilu.example/c/2", morning + timedelta(minutes=5))
    assert send_digests(morning - timedelta(minutes=1)) == 0  # Sunday's digest went out yesterday
    assert send_digests(morning + timedelta(minutes=10)) == 1
    assert send_digests(morning + timedelta(minutes=25)) == 0  # the scheduler runs again: nothing twice
    [digest] = outbox
    assert digest.recipients == [swede.email] and digest.subject == "Kokeilu: 2 nya aviseringar"
    assert "Hej Sven" in digest.body and "Nya svar: Skolor" in digest.body and "https://kokeilu.example/c/1" in \
        digest.body and "Utmaningen ändrades" in digest.body and "För sent för i dag" not in digest.body
    assert digest.body.index("Nya svar") < digest.body.index("Utmaningen ändrades")  # grouped by kind
    assert "/account#notifications" in digest.body
    db.session.expire_all()
    assert db.session.get(DigestItem, late.id).sent_at is None
    assert send_digests(morning + timedelta(days=1, minutes=1)) == 1  # the next morning, the late one


def test_digest_is_not_sent_to_a_deactivated_account(app, make_user, outbox):
    gone = make_user()
    _hold(gone, "Old news", None, datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    gone.active = False
    db.session.commit()
    assert send_digests(datetime(2026, 12, 7, 6, 0, tzinfo=UTC)) == 0
    assert outbox == [] and db.session.scalar(select(DigestItem.sent_at)) is not None


def test_essential_emails_come_at_once_whatever_was_chosen(client, make_user, outbox):
    user = make_user()
    save_preferences(user.id, {kind.value: Delivery.OFF.value for kind in Kind})
    db.session.commit()
    client.post("/password/reset", data={"email": user.email})
    assert [m.recipients for m in outbox] == [[user.email]]


def test_digests_run_from_the_scheduler():
    assert PERIODIC["core.notifications.send_daily_digests"].every <= timedelta(minutes=15)


def test_deleting_an_account_deletes_its_choices_and_held_emails(app, make_user):
    user = make_user()
    save_preferences(user.id, {"answers": "daily"})
    _hold(user, "Uudet vastaukset: Koulut", None, datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    anonymise_account(user, PASSWORD)
    db.session.commit()
    assert _chosen(user.id) == {} and db.session.scalar(select(func.count()).select_from(DigestItem)) == 0


def test_personal_data_export_includes_the_email_choices(app, make_user):
    user = make_user()
    save_preferences(user.id, {"calls": "off"})
    db.session.commit()
    exported = as_user(app, user).get("/account/export").get_json()
    assert exported["notifications"]["calls"] == "off" and exported["notifications"]["answers"] == "immediate"
