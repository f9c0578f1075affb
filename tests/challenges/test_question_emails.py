"""Questions by email: officers hear of new questions at most hourly; askers when answered and when published."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import Follow, Question
from challenges.ownership import add_partner
from challenges.services import dialogue as service
from challenges.services.dialogue.questions import announce_new_questions
from core.extensions import db
from core.jobs import PERIODIC
from core.notifications import DigestItem, save_preferences
from tests.factories import as_user, count_queries, dialogue_challenge, make_org, make_user

UTC = timezone.utc
HOUR = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 11.00 in Helsinki


def asked(dw, text: str, at: datetime, challenge=None) -> Question:
    """A company's question asked at a given time."""
    question = service.ask_question(challenge or dw.challenge, dw.member, dw.company, text)
    question.asked_at = at
    db.session.commit()
    return question


def _to(outbox, email: str) -> list:
    """The emails sent to an address."""
    return [m for m in outbox if m.recipients == [email]]


def test_officers_get_one_email_an_hour_listing_the_new_questions(app, dw, outbox):
    asked(dw, "Montako koulua?", HOUR - timedelta(minutes=50))
    asked(dw, "Entä päiväkodit?", HOUR - timedelta(minutes=5))
    later = asked(dw, "Ja kirjastot?", HOUR + timedelta(minutes=2))
    assert announce_new_questions(HOUR + timedelta(minutes=3)) == 1
    db.session.commit()
    assert announce_new_questions(HOUR + timedelta(minutes=13)) == 0  # the scheduler's next run: nothing twice
    db.session.commit()
    [email] = outbox
    assert email.recipients == [dw.officer.email]  # not the other city's officer, not the decision maker
    assert "Montako koulua?" in email.body and "Entä päiväkodit?" in email.body and "Ja kirjastot?" not in email.body
    assert email.subject == "2 new questions from companies"
    assert f"/manage/challenges/{dw.challenge.id}/dialogue/questions" in email.body
    assert "Acme Robotics Oy" in email.body and "7 Dec 2026, 10:10" in email.body  # Helsinki time, one format
    assert announce_new_questions(HOUR + timedelta(hours=1, minutes=1)) == 1  # the next hour brings the third
    db.session.commit()
    assert "Ja kirjastot?" in outbox[-1].body and "Montako koulua?" not in outbox[-1].body
    db.session.expire_all()
    assert db.session.get(Question, later.id).officers_notified_at is not None


def test_officers_of_every_owning_city_hear_of_questions_in_one_email_each(app, dw, outbox):
    add_partner(dw.challenge, dw.other_city)
    second = dialogue_challenge(dw.city, dw.officer)
    db.session.commit()
    asked(dw, "Kysymys yksi?", HOUR - timedelta(minutes=30))
    asked(dw, "Kysymys kaksi?", HOUR - timedelta(minutes=20), challenge=second)
    with count_queries() as statements:
        assert announce_new_questions(HOUR) == 2
        db.session.commit()
    [ours] = _to(outbox, dw.officer.email)
    [partners] = _to(outbox, dw.other_officer.email)
    assert "Kysymys yksi?" in ours.body and "Kysymys kaksi?" in ours.body
    assert "Kysymys yksi?" in partners.body and "Kysymys kaksi?" not in partners.body
    assert len(statements) < 20  # claimed, loaded and addressed in a few queries, not one per officer


def test_an_officer_who_chose_the_daily_digest_gets_new_questions_there(app, dw, outbox):
    save_preferences(dw.officer.id, {"questions": "daily"})
    db.session.commit()
    asked(dw, "Kysymys?", HOUR - timedelta(minutes=30))
    announce_new_questions(HOUR)
    db.session.commit()
    assert outbox == []
    item = db.session.scalar(select(DigestItem))
    assert (item.user_id, item.kind, item.subject) == (dw.officer.id, "questions", "1 new question from companies")


def test_the_question_batch_runs_from_the_scheduler():
    assert PERIODIC["challenges.dialogue_jobs.tell_officers_of_new_questions"].every <= timedelta(hours=1)


# --- the asker ------------------------------------------------------------------------------------

def test_asker_is_told_when_answered_without_the_answer_then_when_published_with_it(app, dw, outbox):
    question = asked(dw, "Can the pilot run in two schools?", HOUR)
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}", data={"answer": "Yes, in two."})
    assert response.status_code == 302
    [answered] = outbox
    assert answered.recipients == [dw.member.email] and answered.subject.startswith("Your question was answered")
    assert "Yes, in two." not in answered.body  # every company learns the answer at the same moment
    assert f"/challenges/{dw.challenge.id}/dialogue/questions" in answered.body
    as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}",
                                  data={"answer": "Yes, in two or three."})
    assert len(outbox) == 1  # a rewrite before publication is no news
    as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/questions/publish",
                                  data={"question_ids": [question.id]})
    [published] = _to(outbox, dw.member.email)[1:]
    assert "Yes, in two or three." in published.body and "published the answer" in published.body


def test_answering_and_publishing_in_one_action_tells_the_asker_once_in_their_language(app, dw, outbox):
    dw.member.locale = "fi"
    question = asked(dw, "Kuinka monta koulua?", HOUR)
    service.answer_question(question, "Kaksi.", dw.officer)
    service.publish_answers(dw.challenge, [question], dw.officer)
    db.session.commit()
    [email] = _to(outbox, dw.member.email)
    assert "Kaksi." in email.body and "julkaisi vastauksen" in email.body


def test_nothing_is_told_of_an_answer_that_rolled_back(app, dw, outbox):
    question = asked(dw, "Kysymys?", HOUR)
    service.answer_question(question, "Vastaus.", dw.officer)
    db.session.rollback()
    db.session.commit()
    assert outbox == []


def test_an_asker_who_turned_answers_off_is_not_told(app, dw, outbox):
    save_preferences(dw.member.id, {"answers": "off"})
    question = asked(dw, "Kysymys?", HOUR)
    service.answer_question(question, "Vastaus.", dw.officer)
    db.session.commit()
    assert outbox == []


def test_askers_of_other_companies_hear_only_of_their_own_questions(app, dw, outbox):
    other = make_user(make_org(OrgKind.COMPANY.value, name="Gamma Oy"), (Role.MEMBER.value,))
    mine = asked(dw, "Minun kysymykseni?", HOUR)
    theirs = service.ask_question(dw.challenge, other, other.memberships[0].organisation, "Heidän kysymyksensä?")
    for question in (mine, theirs):
        service.answer_question(question, "Vastaus.", dw.officer)
    service.publish_answers(dw.challenge, [mine, theirs], dw.officer)
    db.session.commit()
    [to_me] = _to(outbox, dw.member.email)
    [to_them] = _to(outbox, other.email)
    assert "Minun kysymykseni?" in to_me.body and "Heidän kysymyksensä?" not in to_me.body
    assert "Heidän kysymyksensä?" in to_them.body and "Minun kysymykseni?" not in to_them.body


def test_an_asker_who_follows_the_challenge_gets_one_email_of_the_publication(app, dw, outbox):
    db.session.add(Follow(user_id=dw.member.id, challenge_id=dw.challenge.id))
    question = asked(dw, "Kysymys?", HOUR)
    service.answer_question(question, "Vastaus.", dw.officer)
    db.session.commit()
    outbox.clear()
    service.publish_answers(dw.challenge, [question], dw.officer)
    db.session.commit()
    [email] = outbox
    assert email.recipients == [dw.member.email] and "Vastaus." in email.body
