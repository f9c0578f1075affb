"""The challenge's workflow without surprises, and what its public page tells (issue 10).

The six-day rule in the schedule; no edits while awaiting approval; a published
challenge's budget, schedule and terms change only with a reason, kept with old
and new values in a public change log and emailed to followers; public state
words; the phase stepper; a cancellation's reason; how to take part; the email
when a market dialogue starts, sent once whether an officer or the scheduler starts it.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import re

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale
from sqlalchemy import select

from challenges.jobs import start_due_dialogues
from challenges.models import Attachment, Challenge, ChallengeState, Follow, Subscription
from challenges.services import challenges as services
from challenges.services.attachments import delete_attachment
from challenges.services.criteria import replace_criteria
from challenges.services.public_page import phases, public_history
from challenges.services.sites import save_sites
from challenges.workflow import DIRECT
from core.dates import format_datetime
from core.extensions import db
from core.i18n import to_helsinki
from core.jobs import PERIODIC
from core.mail import MailFanOut
from core.models import utcnow
from core.refusals import Conflict, Refused
from tests.factories import (add_attachment, as_user, audit_entries, count_queries, error_next_to, html,
                             make_challenge)

S = ChallengeState
pytestmark = pytest.mark.usefixtures("in_english")


def _fresh(challenge: Challenge) -> Challenge:
    """The challenge as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


def _schedule(challenge: Challenge, **overrides) -> dict:
    """The schedule form's data for the challenge, on the Helsinki clock, with overrides."""
    data = {"version": challenge.state_version}
    for name in services.SCHEDULE_FIELDS:
        value = getattr(challenge, name)
        if value is not None and name.endswith("_at"):
            value = to_helsinki(value).strftime("%Y-%m-%dT%H:%M")
        data[name] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
    data.update(overrides)
    return data


def _on_the_minute(challenge: Challenge) -> Challenge:
    """The challenge with its deadlines on whole minutes, as the schedule form sends them."""
    for name in ("dialogue_starts_at", "dialogue_ends_at", "questions_close_at", "proposals_close_at"):
        value = getattr(challenge, name)
        if value is not None:
            setattr(challenge, name, value.replace(second=0, microsecond=0))
    db.session.commit()
    return challenge


def _budget(challenge: Challenge, **overrides) -> dict:
    """The budget form's data, as it stands, with overrides."""
    data = {"version": challenge.state_version, "pilot_kind": challenge.pilot_kind,
            "max_per_pilot": str(challenge.max_per_pilot), "total_budget": str(challenge.total_budget or ""),
            "pilot_count": str(challenge.pilot_count), "compensation": challenge.compensation,
            "offer_details": challenge.offer_details or ""}
    data.update({name: "y" for name in services.BUDGET_FIELDS if name.startswith("offers_") and getattr(challenge, name)})
    data.update(overrides)
    return data


# --- the six-day rule ----------------------------------------------------------------------

def test_schedule_refuses_questions_closing_within_six_days_of_the_proposal_deadline(cast):
    challenge = make_challenge(cast["city"], cast["officer"])
    proposals = challenge.proposals_close_at
    with pytest.raises(Refused) as refused:
        services.update_schedule(challenge, cast["officer"], {
            "questions_close_at": proposals - timedelta(days=5), "proposals_close_at": proposals})
    db.session.rollback()
    message = str(refused.value.errors["questions_close_at"])
    latest = to_helsinki(proposals - timedelta(days=6))  # the date that would satisfy the rule, Helsinki time
    assert "six days" in message and "(Finnish time)" in message
    assert f"{latest:%a} {latest.day} {latest:%b} {latest.year}, {latest:%H:%M}" in message


def test_schedule_accepts_questions_closing_exactly_six_days_before_proposals(cast):
    challenge = make_challenge(cast["city"], cast["officer"])
    proposals = challenge.proposals_close_at
    changed = services.update_schedule(challenge, cast["officer"], {
        "questions_close_at": proposals - timedelta(days=6), "proposals_close_at": proposals})
    assert changed == ["questions_close_at"]


def test_schedule_form_shows_the_six_day_rule_next_to_the_question_deadline(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    proposals = to_helsinki(challenge.proposals_close_at)
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/schedule", data=_schedule(
        challenge, questions_close_at=(proposals - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 400
    assert "at least six days before proposals close" in error_next_to(html(response), "questions_close_at")
    assert _fresh(challenge).questions_close_at == challenge.questions_close_at


# --- no edits while awaiting approval ------------------------------------------------------

def _awaiting(cast) -> Challenge:
    """A complete challenge sent for approval by its officer."""
    challenge = make_challenge(cast["city"], cast["officer"])
    services.transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    db.session.commit()
    return challenge


EDITS = {
    "texts": lambda c, u: services.update_texts(c, u, {"problem": "Uusi ongelma"}),
    "budget": lambda c, u: services.update_budget(c, u, {"max_per_pilot": Decimal("1")}),
    "schedule": lambda c, u: services.update_schedule(c, u, {"selection_on": None}),
    "terms": lambda c, u: services.update_terms(c, u, {"ipr_terms": "Toisin"}),
    "themes": lambda c, u: services.update_texts(c, u, {}, theme_ids=[]),
    "sites": lambda c, u: save_sites(c, u, []),
    "criteria": lambda c, u: replace_criteria(c, u, []),
}


@pytest.mark.parametrize("edit", EDITS)
def test_services_refuse_every_edit_while_awaiting_approval(cast, edit):
    challenge = _awaiting(cast)
    with pytest.raises(Conflict) as refused:
        EDITS[edit](challenge, cast["officer"])
    db.session.rollback()
    assert "awaiting approval" in str(refused.value.message)
    assert audit_entries("challenge_updated") == []


def test_removing_an_attachment_while_awaiting_approval_is_refused(cast):
    challenge = make_challenge(cast["city"], cast["officer"])
    attachment = add_attachment(challenge, cast["officer"])
    services.transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    db.session.commit()
    with pytest.raises(PermissionError):  # attachments' owners decide who manages them: editors only
        delete_attachment(attachment, cast["officer"])
    db.session.rollback()
    assert db.session.get(Attachment, attachment.id) is not None


@pytest.mark.parametrize("section", ["texts", "budget", "schedule", "terms", "sites", "criteria"])
def test_edit_pages_refuse_with_a_message_while_awaiting_approval(client, cast, login, section):
    challenge = _awaiting(cast)
    login(cast["officer"])
    url = f"/manage/challenges/{challenge.id}/edit/{section}"
    for response in (client.get(url), client.post(url, data={"version": challenge.state_version})):
        assert response.status_code == 403
        assert "return it to draft first" in html(response)
    assert client.get(f"/manage/challenges/{challenge.id}/attachments").status_code == 403


def test_overview_hides_edit_links_while_awaiting_approval_and_returning_to_draft_reopens_them(client, cast,
                                                                                             login):
    challenge = _awaiting(cast)
    login(cast["officer"])
    page = html(client.get(f"/manage/challenges/{challenge.id}"))
    assert f"/manage/challenges/{challenge.id}/edit/" not in page
    assert "return it to draft first" in page
    assert 'value="return_to_draft"' in page
    response = client.post(f"/manage/challenges/{challenge.id}/transition", data={
        "action": "return_to_draft", "seen_state": "awaiting_approval", "comment": "Korjaan budjetin"})
    assert response.status_code == 302
    page = html(client.get(f"/manage/challenges/{challenge.id}"))
    assert f"/manage/challenges/{challenge.id}/edit/budget" in page
    assert client.get(f"/manage/challenges/{challenge.id}/edit/budget").status_code == 200


# --- changes after publication: a reason, old and new values, a public log, the email --------

def test_change_of_a_published_challenge_without_a_reason_is_refused_and_nothing_changes(client, cast, login,
                                                                                         outbox):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    login(cast["officer"])
    form = html(client.get(f"/manage/challenges/{challenge.id}/edit/budget"))
    assert 'name="reason"' in form
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                           data=_budget(challenge, max_per_pilot="25000"))
    assert response.status_code == 400
    assert "Say why the published challenge changes" in error_next_to(html(response), "reason")
    assert _fresh(challenge).max_per_pilot == challenge.max_per_pilot
    assert outbox == []


def test_no_reason_is_asked_before_publication(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert 'name="reason"' not in html(client.get(f"/manage/challenges/{challenge.id}/edit/budget"))
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                           data=_budget(challenge, max_per_pilot="25000"))
    assert response.status_code == 302
    assert audit_entries("challenge_amended") == [] and len(audit_entries("challenge_updated")) == 1


def test_published_change_keeps_old_and_new_values_and_the_reason(client, cast, login):
    challenge = _on_the_minute(make_challenge(cast["city"], cast["officer"], state="open"))
    old_max, old_deadline = challenge.max_per_pilot, challenge.proposals_close_at
    new_deadline = to_helsinki(old_deadline + timedelta(days=7))
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/budget", data=_budget(
        challenge, max_per_pilot="25000", reason="Lisärahoitus saatiin")).status_code == 302
    assert client.post(f"/manage/challenges/{challenge.id}/edit/schedule", data=_schedule(
        _fresh(challenge), proposals_close_at=new_deadline.strftime("%Y-%m-%dT%H:%M"),
        reason="Lisäaikaa kysymysten vuoksi")).status_code == 302
    budget, schedule = audit_entries("challenge_amended")
    assert budget.comment == "Lisärahoitus saatiin" and budget.actor_id == cast["officer"].id
    assert [(c["field"], Decimal(c["old"]), Decimal(c["new"])) for c in budget.data["changes"]] == [
        ("max_per_pilot", old_max, Decimal("25000"))]
    assert schedule.data["changes"] == [{"field": "proposals_close_at", "old": old_deadline.isoformat(),
                                         "new": (old_deadline + timedelta(days=7)).isoformat()}]


def test_public_page_shows_the_change_log_with_values_in_the_readers_language(app, client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue", max_per_pilot=15000)
    services.update_budget(challenge, cast["officer"], {"max_per_pilot": Decimal("25000.50")},
                           reason="Lisärahoitus saatiin")
    db.session.commit()
    for language in ("fi", "sv"):
        page = html(client.get(f"/challenges/{challenge.id}", headers={"Accept-Language": language}))
        assert 'id="changes-heading"' in page
        assert format_decimal(Decimal("15000"), format="#,##0.## €", locale=language) in page
        assert format_decimal(Decimal("25000.50"), format="#,##0.## €", locale=language) in page
        assert "Lisärahoitus saatiin" in page
    assert "Muutokset julkaisun jälkeen" in html(client.get(f"/challenges/{challenge.id}",
                                                             headers={"Accept-Language": "fi"}))


def test_public_history_reads_the_audit_log_in_one_bounded_query(cast):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    for n in range(services_log_size() + 5):
        services.update_terms(challenge, cast["officer"], {"ipr_terms": f"Ehdot {n}"}, reason=f"Syy {n}")
    services.transition_challenge(challenge, "cancel", cast["officer"], "Rahoitus peruttiin",
                                  seen_state="market_dialogue")
    db.session.commit()
    challenge = _fresh(challenge)
    with count_queries() as statements:
        history = public_history(challenge)
    assert len(statements) == 1
    assert history.cancel_reason == "Rahoitus peruttiin"
    assert len(history.amendments) == services_log_size() - 1
    assert history.amendments[0].reason == f"Syy {services_log_size() + 4}"
    assert history.amendments[0].changes[0].new == f"Ehdot {services_log_size() + 4}"


def services_log_size() -> int:
    """How many entries the public page reads at most."""
    from challenges.services.public_page import CHANGE_LOG_SIZE

    return CHANGE_LOG_SIZE


def test_followers_email_says_what_changed_from_what_to_what_and_why(client, cast, login, make_user, outbox):
    challenge = _on_the_minute(make_challenge(cast["city"], cast["officer"], state="market_dialogue",
                                              max_per_pilot=15000))
    follower = make_user(locale="sv")
    db.session.add(Follow(user_id=follower.id, challenge_id=challenge.id))
    db.session.commit()
    old_deadline = challenge.questions_close_at
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/budget", data=_budget(
        challenge, max_per_pilot="25000", reason="Mer pengar")).status_code == 302
    assert client.post(f"/manage/challenges/{challenge.id}/edit/schedule", data=_schedule(
        _fresh(challenge), questions_close_at=to_helsinki(old_deadline - timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"), reason="Tidigare frågor")).status_code == 302
    assert [m.recipients for m in outbox] == [[follower.email], [follower.email]]
    budget, schedule = outbox
    expected = (f"Högst per pilotprojekt (exklusive moms): från "
                f"{format_decimal(15000, format='#,##0.## €', locale='sv')} till "
                f"{format_decimal(25000, format='#,##0.## €', locale='sv')}")
    assert expected in budget.body and "Mer pengar" in budget.body
    assert "Mer pengar" in budget.html and format_decimal(25000, format="#,##0.## €", locale="sv") in budget.html
    old_local, new_local = to_helsinki(old_deadline), to_helsinki(old_deadline - timedelta(days=1))
    lines = [line for line in schedule.body.splitlines() if line.startswith("- ")]
    assert len(lines) == 1 and lines[0].startswith("- Sista dag för frågor: från ")
    assert f"{old_local.day}" in lines[0] and f"{new_local.day}" in lines[0] and f"{new_local:%H}" in lines[0]
    assert "Tidigare frågor" in schedule.body and "finsk tid" in schedule.body
    assert "finsk tid" not in budget.body  # no time among the budget's changes
    fanouts = db.session.scalars(select(MailFanOut).where(MailFanOut.event == "challenge_changed")).all()
    assert len(fanouts) == 2  # one row each, whoever listens


def test_followers_email_names_the_language_of_a_changed_text_and_keeps_its_apostrophes(client, cast, login,
                                                                                        make_user, outbox):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    follower = make_user(locale="en")
    db.session.add(Follow(user_id=follower.id, challenge_id=challenge.id))
    db.session.commit()
    login(cast["officer"])
    data = {"version": challenge.state_version, "reason": "Clearer terms",
            **{name: getattr(challenge, name) or "" for name in services.TERMS_FIELDS}}
    data.pop("personal_data_allowed")
    data["ipr_terms_en"] = "The company's rights & the city's <use>"
    assert client.post(f"/manage/challenges/{challenge.id}/edit/terms", data=data).status_code == 302
    [email] = outbox
    assert "- Intellectual property rights in English: from " in email.body
    assert "to The company's rights & the city's <use>" in email.body  # plain text, not HTML-escaped
    assert "contract terms" not in email.body
    assert "Intellectual property rights in English" in html(client.get(f"/challenges/{challenge.id}"))


# --- public words, the stepper, a cancellation, taking part ------------------------------------

@pytest.mark.parametrize("state", [s for s in S if s.state.public])
def test_public_page_shows_the_public_word_for_the_state(client, cast, login, state):
    challenge = make_challenge(cast["city"], cast["officer"], state=state.value)
    login(cast["company_owner"])
    page = html(client.get(f"/challenges/{challenge.id}"))
    badge = re.search(r'<span class="pill[^"]*">([^<]*)</span>', page[page.index("<h1"):]).group(1)
    assert badge == str(state.public_label)


def test_company_never_reads_approved(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], state="approved")
    login(cast["company_owner"])
    page = html(client.get(f"/challenges/{challenge.id}"))
    assert "Published" in page and "Approved" not in page


def test_phase_stepper_marks_the_current_phase_and_lists_its_dates(client, cast):
    selection = (utcnow() + timedelta(days=60)).date()
    challenge = make_challenge(cast["city"], cast["officer"], state="open", selection_on=selection)
    page = html(client.get(f"/challenges/{challenge.id}"))
    stepper = page[page.index('aria-label="Phases of the challenge"'):]
    stepper = stepper[:stepper.index("</nav>")]
    assert stepper.count('aria-current="step"') == 1
    current = stepper[:stepper.index('aria-current="step"')].rsplit("<li", 1)[1] + stepper[
        stepper.index('aria-current="step"'):].split("</li>", 1)[0]
    assert "Call for proposals" in current
    assert "questions close" in current and "proposals close" in current
    assert stepper.index("Market dialogue") < stepper.index("Call for proposals") < stepper.index("Pilots")
    assert f'selection <time datetime="{selection.isoformat()}"' in stepper
    # Deadlines and dates alike carry their weekday, as every appointment does ("Mon 18 Jan 2027, 16:00").
    with force_locale("en"):
        deadline = format_datetime(challenge.proposals_close_at)
    assert deadline[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} and f">{deadline}</time>" in stepper


def test_draft_preview_without_dates_says_so_instead_of_an_empty_schedule(client, cast, login):
    draft = make_challenge(cast["city"], cast["officer"])
    for name in services.SCHEDULE_FIELDS:
        setattr(draft, name, None)
    db.session.commit()
    login(cast["officer"])
    page = html(client.get(f"/challenges/{draft.id}"))
    schedule = page[page.index('id="schedule-heading"'):page.index('id="budget-heading"')]
    assert "No dates have been set yet." in schedule and "<dl>" not in schedule
    published = make_challenge(cast["city"], cast["officer"], state="open")
    assert "No dates have been set yet." not in html(client.get(f"/challenges/{published.id}"))


def test_phases_follow_the_lifecycle_and_the_variant(cast):
    statuses = {}
    for state in ("approved", "market_dialogue", "open", "evaluation", "unsuccessful", "piloting", "completed",
                  "cancelled"):
        challenge = make_challenge(cast["city"], cast["officer"], state=state)
        statuses[state] = [p.key for p in phases(challenge) if p.status == "current"]
    assert statuses == {"approved": ["published"], "market_dialogue": ["dialogue"], "open": ["call"],
                        "evaluation": ["evaluation"], "unsuccessful": ["evaluation"], "piloting": ["pilots"],
                        "completed": ["completed"], "cancelled": []}
    direct = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="open")
    assert [p.key for p in phases(direct)][:2] == ["published", "call"]
    assert [p.status for p in phases(direct)][:3] == ["done", "current", "upcoming"]


def test_cancelled_challenge_shows_its_reason(client, cast):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    services.transition_challenge(challenge, "cancel", cast["officer"], "Budjettia ei myönnetty",
                                  seen_state="open")
    db.session.commit()
    page = html(client.get(f"/challenges/{challenge.id}"))
    assert "This challenge was cancelled." in page and "Budjettia ei myönnetty" in page
    assert 'aria-label="Phases of the challenge"' not in page
    assert "How to take part" not in page


def test_visitors_are_told_how_to_take_part_the_same_way(app, cast):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    db.session.commit()
    first = as_user(app).get(f"/challenges/{challenge.id}")
    second = as_user(app).get(f"/challenges/{challenge.id}", headers={"User-Agent": "another visitor"})
    page = html(first)
    assert "How to take part" in page and 'href="/register"' in page
    assert f'href="/login?next=/challenges/{challenge.id}"' in page
    assert "book a one-to-one meeting" in page
    assert html(second) == page  # nothing per visitor: the page can be cached whole


def test_signed_in_readers_see_their_own_next_step(app, cast, make_user):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    db.session.commit()
    company_page = html(as_user(app, cast["company_owner"]).get(f"/challenges/{challenge.id}"))
    assert "Your next step: prepare your proposal" in company_page and 'href="/register"' not in company_page
    loner_page = html(as_user(app, make_user()).get(f"/challenges/{challenge.id}"))
    assert "does not act for a company yet" in loner_page
    staff_page = html(as_user(app, cast["officer"]).get(f"/challenges/{challenge.id}"))
    assert "How to take part" not in staff_page


@pytest.mark.parametrize("state", ["closed", "evaluation", "piloting", "completed", "unsuccessful"])
def test_finished_challenge_says_companies_can_no_longer_take_part(client, cast, state):
    challenge = make_challenge(cast["city"], cast["officer"], state=state)
    page = html(client.get(f"/challenges/{challenge.id}"))
    assert "How to take part" not in page and "companies can no longer take part" in page


# --- the market dialogue starts: one email, from the officer or the scheduler ------------------

def _listeners(challenge: Challenge, make_user) -> tuple:
    """A follower and a subscriber of the challenge's city."""
    follower, subscriber = make_user(), make_user(locale="sv")
    db.session.add_all([Follow(user_id=follower.id, challenge_id=challenge.id),
                        Subscription(user_id=subscriber.id, city_id=challenge.lead_city_id)])
    db.session.commit()
    return follower, subscriber


def _dialogue_emails(outbox) -> list:
    """The emails about a started market dialogue."""
    return [m for m in outbox if "dialogue" in m.subject.lower() or "dialog" in m.subject.lower()]


def test_officer_starting_the_dialogue_emails_followers_and_subscribers(client, cast, login, make_user, outbox):
    challenge = make_challenge(cast["city"], cast["officer"], state="approved")
    follower, subscriber = _listeners(challenge, make_user)
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/transition", data={
        "action": "start_dialogue", "seen_state": "approved"}).status_code == 302
    emails = _dialogue_emails(outbox)
    assert sorted(m.recipients[0] for m in emails) == sorted([follower.email, subscriber.email])
    swedish = next(m for m in emails if m.recipients == [subscriber.email])
    assert swedish.subject.startswith("Marknadsdialogen har börjat") and f"/challenges/{challenge.id}" in swedish.body
    assert start_due_dialogues() == 0  # already started: the scheduler sends nothing more
    assert len(_dialogue_emails(outbox)) == 2


def test_subscriptions_page_says_a_starting_dialogue_is_emailed_too(client, cast, login, make_user):
    login(make_user(locale="fi"))
    page = html(client.get("/subscriptions"))
    assert "Kun jossakin niistä alkaa markkinavuoropuhelu tai avautuu haku" in page


def test_scheduler_starts_due_dialogues_once_and_leaves_others(cast, make_user, outbox):
    due = make_challenge(cast["city"], cast["officer"], state="approved")
    later = make_challenge(cast["city"], cast["officer"], state="approved",
                           dialogue_starts_at=utcnow() + timedelta(days=2))
    direct = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="approved",
                            dialogue_starts_at=utcnow() - timedelta(days=1))  # dates a direct call never uses
    follower, subscriber = _listeners(due, make_user)
    assert start_due_dialogues() == 1
    assert start_due_dialogues() == 0
    assert [_fresh(c).state for c in (due, later, direct)] == ["market_dialogue", "approved", "approved"]
    entry = audit_entries("start_dialogue")[0]
    assert entry.actor_id is None and entry.object_id == due.id
    recipients = sorted(m.recipients[0] for m in _dialogue_emails(outbox))
    assert recipients == sorted([follower.email, subscriber.email])


def test_scheduler_may_not_start_a_dialogue_before_its_date(cast):
    challenge = make_challenge(cast["city"], cast["officer"], state="approved",
                               dialogue_starts_at=utcnow() + timedelta(hours=1))
    with force_locale("en"), pytest.raises(Refused) as refused:
        services.transition_challenge(challenge, "start_dialogue", None, seen_state="approved")
    db.session.rollback()
    assert "start date has not come yet" in str(refused.value.message)


def test_start_due_dialogues_runs_every_minute():
    assert PERIODIC["challenges.jobs.start_due_dialogues"].every == timedelta(minutes=1)
