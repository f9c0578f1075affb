"""The challenge lifecycle: every transition of both tables as every role, guards, pages and emails."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from auth.models import OrgKind, Role
from challenges.models import (Challenge, ChallengeState, Criterion, DialogueEvent, EventRegistration, Follow,
                               MeetingSlot, PilotSite, Question, Subscription)
from challenges.services.challenges import create_challenge, transition_challenge
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT, WITH_DIALOGUE, direct, with_dialogue, workflow_of
from core.audit import AuditEntry
from core.extensions import db
from core.mail import OutboxMessage
from core.models import utcnow
from core.workflow import SYSTEM, Blocked, NotAllowed

S = ChallengeState
WORKFLOWS = {WITH_DIALOGUE: with_dialogue, DIRECT: direct}
ACTORS = ("officer", "decision_maker", "city_admin", "platform_admin", "company_owner", "other_city_officer",
          "system")

# Who may take each action, written out independently of the tables so that a slip in a table shows.
EXPECTED = {
    "submit_for_approval": ({"officer"}, S.AWAITING_APPROVAL),
    "return_to_draft": ({"officer", "decision_maker"}, S.DRAFT),
    "approve": ({"decision_maker"}, S.APPROVED),
    "start_dialogue": ({"officer"}, S.MARKET_DIALOGUE),
    "open_call": ({"officer"}, S.OPEN),
    "close_call": ({"system"}, S.CLOSED),
    "start_evaluation": ({"officer"}, S.EVALUATION),
    "award": ({"decision_maker"}, S.AWARDED),
    "declare_unsuccessful": ({"decision_maker"}, S.UNSUCCESSFUL),
    "start_piloting": ({"officer"}, S.PILOTING),
    "complete": ({"officer"}, S.COMPLETED),
    "cancel": ({"officer", "decision_maker"}, S.CANCELLED),
}
PUBLISHED_STATES = {s.value for s in S} - {S.DRAFT.value, S.AWAITING_APPROVAL.value}
LOCKED_STATES = {S.OPEN.value, S.CLOSED.value, S.EVALUATION.value, S.AWARDED.value, S.UNSUCCESSFUL.value,
                 S.PILOTING.value, S.COMPLETED.value}


@pytest.fixture(autouse=True)
def english(app):
    """Service calls outside a request speak the default language; these tests read English messages."""
    with force_locale("en"):
        yield


# --- factories shared by the challenge tests ---------------------------------------------

def make_cast(make_org, make_user, city=None) -> dict[str, Any]:
    """A city and one person in every role the lifecycle knows, plus outsiders."""
    city = city or make_org(OrgKind.CITY.value, name="Helsinki", name_sv="Helsingfors", name_en="Helsinki")
    company = make_org(OrgKind.COMPANY.value)
    return {
        "city": city, "company": company,
        "officer": make_user(city, (Role.OFFICER.value,), name="Olli Officer"),
        "decision_maker": make_user(city, (Role.DECISION_MAKER.value,), name="Dora Decider"),
        "city_admin": make_user(city, (Role.CITY_ADMIN.value,)),
        "platform_admin": make_user(platform_admin=True),
        "company_owner": make_user(company, (Role.OWNER.value,)),
        "other_city_officer": make_user(make_org(OrgKind.CITY.value), (Role.OFFICER.value,)),
        "system": None,
    }


def make_challenge(city, officer, *, variant: str = WITH_DIALOGUE, state: str = S.DRAFT.value,
                   due: bool = False, complete: bool = True, pilot_kind: str = "paid",
                   **fields: Any) -> Challenge:
    """A challenge with every publication requirement met, put in `state` as the lifecycle would leave it.

    `due` puts the proposal deadline in the past (for closing); otherwise it is a month ahead.
    """
    challenge = create_challenge(city, officer, variant, pilot_kind, "Koulujen sisäilma",
                                 "Ratkaisuja luokkien ilmanlaatuun.", title_sv="Skolornas inneluft")
    if complete:
        now = utcnow()
        deadline = now - timedelta(days=1) if due else now + timedelta(days=30)
        challenge.problem = "Luokkien ilma on huonoa iltapäivisin."
        challenge.sites.append(PilotSite(name="Kallion koulu", kind="school", address="Porvoonkatu 2"))
        if pilot_kind == "paid":
            challenge.max_per_pilot, challenge.total_budget, challenge.pilot_count = (
                Decimal("20000"), Decimal("40000"), 2)
        if variant == WITH_DIALOGUE:
            challenge.dialogue_starts_at = deadline - timedelta(days=40)
            challenge.dialogue_ends_at = deadline - timedelta(days=20)
        challenge.questions_close_at = deadline - timedelta(days=10)
        challenge.proposals_close_at = deadline
        challenge.criteria.extend([
            Criterion(position=0, name="Sopivuus", weight=60, scale=["0", "1", "2", "3", "4", "5"]),
            Criterion(position=1, name="Toteutettavuus", weight=40, scale=["0", "1", "2", "3", "4", "5"])])
    challenge.state = state
    if state in PUBLISHED_STATES:
        challenge.published_at = utcnow() - timedelta(days=50)
    if state in LOCKED_STATES:
        challenge.opened_at = challenge.criteria_locked_at = utcnow() - timedelta(days=45)
    if variant == WITH_DIALOGUE and state != S.DRAFT.value:
        challenge.dialogue_summary = "Opimme paljon."
        challenge.dialogue_summary_published_at = utcnow() - timedelta(days=46)
    for name, value in fields.items():
        setattr(challenge, name, value)
    db.session.commit()
    return challenge


# --- the tables, role by role ------------------------------------------------------------

@pytest.mark.parametrize("variant", [WITH_DIALOGUE, DIRECT])
def test_tables_grant_each_action_to_the_expected_roles(variant):
    role_names = {"officer": "officer", "decision_maker": "decision_maker", "system": SYSTEM}
    for t in WORKFLOWS[variant].transitions:
        allowed, target = EXPECTED[t.action]
        assert t.roles == {role_names[r] for r in allowed}, t.action
        assert t.target == target.value, t.action


CASES = [(variant, t.action, source, actor)
         for variant, workflow in WORKFLOWS.items()
         for t in workflow.transitions for source in t.sources for actor in ACTORS]


@pytest.mark.parametrize("variant, action, source, actor", CASES,
                         ids=[f"{v.split('.')[-1]}-{a}-{s}-{r}" for v, a, s, r in CASES])
def test_transition_is_taken_only_by_the_roles_in_the_table(db, make_org, make_user, variant, action, source,
                                                            actor):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=variant, state=source,
                               due=action == "close_call")
    user = cast[actor]
    allowed = actor in EXPECTED[action][0]
    offered = {o.transition.action: o for o in workflow_of(challenge).allowed(challenge, user)}
    assert (action in offered) == allowed
    if allowed:
        assert offered[action].enabled, offered[action].reason
        entry = transition_challenge(challenge, action, user, "Perustelu", seen_state=source)
        db.session.commit()
        assert challenge.state == EXPECTED[action][1].value
        assert (entry.actor_id, entry.from_state, entry.to_state) == (
            user.id if user else None, source, challenge.state)
    else:
        with pytest.raises(NotAllowed):
            transition_challenge(challenge, action, user, "Perustelu", seen_state=source)
        db.session.rollback()
        assert db.session.get(Challenge, challenge.id).state == source


# --- guards --------------------------------------------------------------------------------

def _reason(challenge, action, user) -> str:
    """The reason the action is offered disabled to the user."""
    option = next(o for o in workflow_of(challenge).allowed(challenge, user) if o.transition.action == action)
    assert not option.enabled
    return str(option.reason)


def _clear_sites(challenge):
    challenge.sites.clear()


def _weights_90(challenge):
    challenge.criteria[0].weight = 50


@pytest.mark.parametrize("variant", [WITH_DIALOGUE, DIRECT])
@pytest.mark.parametrize("breaks, reason", [
    (lambda c: setattr(c, "problem", None), "a problem statement"),
    (_clear_sites, "at least one pilot site"),
    (lambda c: setattr(c, "max_per_pilot", None), "a budget"),
    (lambda c: setattr(c, "proposals_close_at", None), "a schedule"),
    (_weights_90, "weights sum to 100 (now 90)"),
], ids=["problem", "site", "budget", "schedule", "weights"])
def test_submit_and_approve_are_blocked_until_publication_needs_are_met(db, make_org, make_user, variant,
                                                                        breaks, reason):
    cast = make_cast(make_org, make_user)
    draft = make_challenge(cast["city"], cast["officer"], variant=variant)
    breaks(draft)
    db.session.commit()
    assert reason in _reason(draft, "submit_for_approval", cast["officer"])
    with pytest.raises(Blocked) as refused:
        transition_challenge(draft, "submit_for_approval", cast["officer"], seen_state="draft")
    assert refused.value.status_code == 409 and reason in str(refused.value.message)
    db.session.rollback()
    waiting = make_challenge(cast["city"], cast["officer"], variant=variant, state="awaiting_approval")
    breaks(waiting)
    db.session.commit()
    assert reason in _reason(waiting, "approve", cast["decision_maker"])


def test_free_co_development_needs_no_budget(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], pilot_kind="co_development")
    transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    assert challenge.state == "awaiting_approval"


@pytest.mark.parametrize("variant, source", [(DIRECT, "approved"), (WITH_DIALOGUE, "market_dialogue")])
def test_call_cannot_open_after_its_deadline(db, make_org, make_user, variant, source):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=variant, state=source, due=True)
    assert "proposal deadline has passed" in _reason(challenge, "open_call", cast["officer"])


def test_call_is_not_closed_before_its_deadline(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    with pytest.raises(Blocked, match="has not passed yet"):
        transition_challenge(challenge, "close_call", None)


def test_dialogue_cannot_close_with_a_meeting_without_minutes(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    start = utcnow() - timedelta(days=3)
    db.session.add(MeetingSlot(challenge_id=challenge.id, starts_at=start, ends_at=start + timedelta(hours=1),
                               place="Teams", booked_by_org_id=cast["company"].id,
                               booked_by_user_id=cast["company_owner"].id,
                               booked_at=start - timedelta(days=1)))
    db.session.commit()
    assert "minutes of every one-to-one meeting" in _reason(challenge, "open_call", cast["officer"])


def test_dialogue_cannot_close_before_its_summary_is_published(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue",
                               dialogue_summary_published_at=None)
    assert "Publish the dialogue summary" in _reason(challenge, "open_call", cast["officer"])


def test_opening_the_call_locks_the_criteria(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="approved")
    transition_challenge(challenge, "open_call", cast["officer"], seen_state="approved")
    assert challenge.criteria_locked and challenge.opened_at is not None


# --- the overview page and the transition endpoint ---------------------------------------

def test_overview_shows_blocked_actions_with_their_reason(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], problem=None)
    login(cast["officer"])
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert 'aria-describedby="reason-submit_for_approval"' in html
    assert 'id="reason-submit_for_approval"' in html and "a problem statement" in html
    assert 'name="action" value="cancel"' in html and 'id="comment-cancel"' in html


def test_overview_offers_enabled_actions_with_the_seen_state(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert 'name="action" value="submit_for_approval"' in html
    assert 'name="seen_state" value="draft"' in html
    assert "Everything needed for publication is in place." in html


def test_submit_for_approval_through_the_page_emails_the_decision_makers(client, make_org, make_user, login,
                                                                         outbox):
    cast = make_cast(make_org, make_user)
    other_decider = make_user(make_org(OrgKind.CITY.value), (Role.DECISION_MAKER.value,))
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "submit_for_approval", "seen_state": "draft"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == "awaiting_approval"
    assert [m.recipients for m in outbox] == [[cast["decision_maker"].email]]
    assert other_decider.email not in outbox[0].recipients
    assert f"/manage/challenges/{challenge.id}" in outbox[0].body
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert "Sent for approval" in html and "Olli Officer" in html  # in the timeline


def test_approve_and_return_to_draft_email_the_creator(client, make_org, make_user, login, outbox):
    cast = make_cast(make_org, make_user)
    approved = make_challenge(cast["city"], cast["officer"], state="awaiting_approval")
    returned = make_challenge(cast["city"], cast["officer"], state="awaiting_approval")
    login(cast["decision_maker"])
    assert client.post(f"/manage/challenges/{approved.id}/transition",
                       data={"action": "approve", "seen_state": "awaiting_approval"}).status_code == 302
    assert client.post(f"/manage/challenges/{returned.id}/transition",
                       data={"action": "return_to_draft", "seen_state": "awaiting_approval",
                             "comment": "Budjetti puuttuu perusteluista."}).status_code == 302
    assert [m.recipients for m in outbox] == [[cast["officer"].email]] * 2
    assert "approved" in outbox[0].subject.lower()
    assert "Budjetti puuttuu perusteluista." in outbox[1].body
    db.session.expire_all()
    assert db.session.get(Challenge, approved.id).published_at is not None


def test_transition_on_a_stale_page_is_refused_with_409(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="awaiting_approval")
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "submit_for_approval", "seen_state": "draft"})
    assert response.status_code == 409
    assert "out of date" in response.get_data(as_text=True)


def test_transition_the_role_may_not_take_is_403_on_the_page(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="awaiting_approval")
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "approve", "seen_state": "awaiting_approval"})
    assert response.status_code == 403
    assert "permission" in response.get_data(as_text=True)


def test_blocked_transition_is_409_with_the_reason(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], problem=None)
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "submit_for_approval", "seen_state": "draft"})
    assert response.status_code == 409 and "a problem statement" in response.get_data(as_text=True)


def test_unreadable_transition_form_is_400(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/transition", data={}).status_code == 400
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "no_such_action", "seen_state": "draft"})
    assert response.status_code == 403


@pytest.mark.parametrize("state, outsider, status", [
    ("draft", "other_city_officer", 404), ("draft", "company_owner", 404),
    ("open", "other_city_officer", 403), ("open", "company_owner", 403),
])
def test_transition_by_an_outsider_is_404_or_403(client, make_org, make_user, login, state, outsider, status):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state=state)
    login(cast[outsider])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "cancel", "seen_state": state, "comment": "x"})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == state


def test_visitor_is_sent_to_log_in(client, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "cancel", "seen_state": "draft"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- cancellation and the opening of the call ---------------------------------------------

def test_cancel_needs_a_reason_next_to_the_field(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "cancel", "seen_state": "open", "comment": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="comment-cancel-error"' in html and "Write a reason" in html
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == "open"


def test_cancel_tells_everyone_involved_once_in_their_language(client, make_org, make_user, login, outbox):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    follower = make_user(locale="fi")
    participant = make_user(cast["company"], (Role.MEMBER.value,), locale="sv")
    waiting = make_user(cast["company"], (Role.MEMBER.value,), locale="en")
    asker_company = make_org(OrgKind.COMPANY.value)
    asker = make_user(asker_company, (Role.OWNER.value,), locale="en")
    bystander = make_user(locale="fi")
    start = utcnow() + timedelta(days=2)
    event = DialogueEvent(challenge_id=challenge.id, kind="info_session", title="Infotilaisuus",
                          starts_at=start, ends_at=start + timedelta(hours=2), location="Kaupungintalo")
    db.session.add(event)
    db.session.flush()
    db.session.add_all([
        Follow(user_id=follower.id, challenge_id=challenge.id),
        Follow(user_id=participant.id, challenge_id=challenge.id),  # also registered: told once
        EventRegistration(event_id=event.id, user_id=participant.id, organisation_id=cast["company"].id,
                          status="registered"),
        EventRegistration(event_id=event.id, user_id=waiting.id, organisation_id=cast["company"].id,
                          status="cancelled"),
        Question(challenge_id=challenge.id, asked_by_id=asker.id, organisation_id=asker_company.id,
                 text="Saako käyttää pilveä?"),
    ])
    db.session.commit()
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "cancel", "seen_state": "market_dialogue",
                                 "comment": "Rahoitus peruuntui."})
    assert response.status_code == 302
    told = sorted(r for m in outbox for r in m.recipients)
    assert told == sorted([follower.email, participant.email, asker.email])
    assert bystander.email not in told and waiting.email not in told
    assert all("Rahoitus peruuntui." in m.body and "Rahoitus peruuntui." in m.html for m in outbox)
    locales = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.locale)
                                      .where(OutboxMessage.event == "challenge_cancelled")).all())
    assert locales == {follower.email: "fi", participant.email: "sv", asker.email: "en"}
    by_recipient = {m.recipients[0]: m for m in outbox}
    assert '<html lang="sv">' in by_recipient[participant.email].html
    assert '<html lang="fi">' in by_recipient[follower.email].html
    assert f"/challenges/{challenge.id}" in by_recipient[follower.email].body


def test_open_call_emails_followers_and_subscribers_once_each(client, make_org, make_user, login, outbox):
    cast = make_cast(make_org, make_user)
    themes = {t.slug: t for t in ensure_themes()}
    learning, climate, mobility = themes["learning"], themes["climate"], themes["mobility"]
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="approved")
    challenge.themes = [learning, climate]
    both = make_user(locale="sv")      # city and two themes, and follows: one email
    city_only = make_user(locale="fi")
    other = make_user()                # another city and another theme: nothing
    db.session.add_all([
        Subscription(user_id=both.id, city_id=cast["city"].id),
        Subscription(user_id=both.id, theme_id=learning.id),
        Subscription(user_id=both.id, theme_id=climate.id),
        Follow(user_id=both.id, challenge_id=challenge.id),
        Subscription(user_id=city_only.id, city_id=cast["city"].id),
        Subscription(user_id=other.id, city_id=make_org(OrgKind.CITY.value).id),
        Subscription(user_id=other.id, theme_id=mobility.id),
    ])
    db.session.commit()
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "open_call", "seen_state": "approved"})
    assert response.status_code == 302
    assert sorted(r for m in outbox for r in m.recipients) == sorted([both.email, city_only.email])
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.event == "challenge_call_opened"))
    assert sent == 2


def test_system_moves_are_audited_without_an_actor(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="open", due=True)
    transition_challenge(challenge, "close_call", None)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "close_call")).one()
    assert entry.actor_id is None and (entry.from_state, entry.to_state) == ("open", "closed")


# --- separation of duties ----------------------------------------------------------------------

def test_approve_is_refused_to_whoever_sent_the_challenge_for_approval(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    both = make_user(cast["city"], (Role.OFFICER.value, Role.DECISION_MAKER.value))
    challenge = make_challenge(cast["city"], cast["officer"])
    transition_challenge(challenge, "submit_for_approval", both, seen_state="draft")
    db.session.commit()
    login(both)
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert "You sent this challenge for approval, so another decision maker must approve it." in html
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "approve", "seen_state": "awaiting_approval"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == "awaiting_approval"
    transition_challenge(db.session.get(Challenge, challenge.id), "approve", cast["decision_maker"],
                         seen_state="awaiting_approval")
    db.session.commit()
    assert db.session.get(Challenge, challenge.id).state == "approved"


def test_approve_stays_refused_after_a_return_to_draft_and_resubmission_by_another(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    both = make_user(cast["city"], (Role.OFFICER.value, Role.DECISION_MAKER.value))
    challenge = make_challenge(cast["city"], both)
    transition_challenge(challenge, "submit_for_approval", both, seen_state="draft")
    transition_challenge(challenge, "return_to_draft", cast["decision_maker"], "Tarkenna.",
                         seen_state="awaiting_approval")
    transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    db.session.commit()
    with pytest.raises(Blocked):
        transition_challenge(challenge, "approve", both, seen_state="awaiting_approval")
