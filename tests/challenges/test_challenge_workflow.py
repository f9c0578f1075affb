"""The challenge lifecycle: every transition of both tables as every role, guards, pages and emails."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import (Challenge, ChallengeState, DialogueEvent, EventRegistration, Follow,
                               MeetingSlot, Question, Subscription)
from challenges.services.challenges import transition_challenge
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT, FAMILY, WITH_DIALOGUE, direct, with_dialogue, workflow_of
from core import audit
from core.audit import AuditEntry
from core.extensions import db
from core.mail import OutboxMessage
from core.models import utcnow
from core.workflow import SYSTEM, Blocked, NotAllowed, StaleState, Workflow, registry, transitioned
from tests.factories import make_cast, make_challenge

S = ChallengeState
WORKFLOWS = {WITH_DIALOGUE: with_dialogue, DIRECT: direct}
ACTORS = ("officer", "decision_maker", "city_admin", "platform_admin", "company_owner", "other_city_officer",
          "system")

# Who may take each action, written out independently of the tables so that a slip in a table shows.
EXPECTED = {
    "submit_for_approval": ({"officer"}, S.AWAITING_APPROVAL),
    "return_to_draft": ({"officer", "decision_maker"}, S.DRAFT),
    "approve": ({"decision_maker"}, S.APPROVED),
    "start_dialogue": ({"officer", "system"}, S.MARKET_DIALOGUE),
    "open_call": ({"officer"}, S.OPEN),
    "close_call": ({"system"}, S.CLOSED),
    "start_evaluation": ({"officer"}, S.EVALUATION),
    "award": ({"decision_maker"}, S.AWARDED),
    "declare_unsuccessful": ({"decision_maker"}, S.UNSUCCESSFUL),
    "start_piloting": ({"officer"}, S.PILOTING),
    "complete": ({"officer"}, S.COMPLETED),
    "cancel": ({"officer", "decision_maker"}, S.CANCELLED),
}


@pytest.fixture(autouse=True)
def english(app):
    """Service calls outside a request speak the default language; these tests read English messages."""
    with force_locale("en"):
        yield


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


def test_overview_of_a_published_challenge_no_longer_asks_whether_it_is_ready(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    assert challenge.published_at is not None
    login(cast["officer"])
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert 'id="ready-heading"' not in html and "Everything needed for publication" not in html


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


# --- versions: a challenge keeps the table it started on --------------------------------------

@pytest.fixture
def with_dialogue_v2():
    """A second version of the dialogue table, registered for one test: decision makers may also start the
    evaluation. Removed afterwards, as a table no stored challenge uses can be."""
    rows = [replace(t, roles=t.roles | {"decision_maker"}) if t.action == "start_evaluation" else t
            for t in with_dialogue.transitions]
    v2 = registry.register(Workflow("challenge.with_dialogue.v2", S.DRAFT, tuple(S), rows,
                                    roles_for=with_dialogue.roles_for, label=with_dialogue.label))
    yield v2
    registry.unregister(v2.name)


def test_challenge_on_v1_keeps_v1s_table_when_v2_is_registered(db, make_org, make_user, with_dialogue_v2):
    cast = make_cast(make_org, make_user)
    old = make_challenge(cast["city"], cast["officer"], state="closed")
    new = make_challenge(cast["city"], cast["officer"], state="closed", workflow=with_dialogue_v2.name)
    assert old.workflow == WITH_DIALOGUE and workflow_of(old) is with_dialogue
    assert workflow_of(new) is with_dialogue_v2 and new.has_dialogue
    with pytest.raises(NotAllowed):
        transition_challenge(old, "start_evaluation", cast["decision_maker"], seen_state="closed")
    db.session.rollback()
    transition_challenge(new, "start_evaluation", cast["decision_maker"], seen_state="closed")
    db.session.commit()
    assert (db.session.get(Challenge, old.id).state, new.state) == ("closed", "evaluation")


def test_has_dialogue_comes_from_the_variants_states(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    assert make_challenge(cast["city"], cast["officer"], variant=WITH_DIALOGUE).has_dialogue
    assert not make_challenge(cast["city"], cast["officer"], variant=DIRECT).has_dialogue
    assert S.MARKET_DIALOGUE not in direct.states and with_dialogue.label != direct.label


# --- the family's extension points, on the real tables -------------------------------------------

@pytest.fixture
def scores_guard():
    """What pilots/ will do in its init_app: make the award wait for every assigned score, in every version
    and variant of the challenge table. Taken back afterwards so that other tests see the tables as they are."""
    pending: dict[int, int] = {}

    def every_score_submitted(challenge, user):
        """The award waits for the evaluators (here a count a test sets)."""
        return f"{pending[challenge.id]} scores missing." if pending.get(challenge.id) else None

    registry.add_guard(FAMILY, "award", every_score_submitted)
    yield pending
    registry.remove_guard(FAMILY, "award", every_score_submitted)


@pytest.mark.parametrize("variant", [WITH_DIALOGUE, DIRECT])
def test_award_waits_for_a_guard_another_package_added(client, make_org, make_user, login, scores_guard,
                                                       variant):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"], variant=variant, state="evaluation")
    scores_guard[challenge.id] = 3
    login(cast["decision_maker"])
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert 'id="reason-award"' in html and "3 scores missing." in html
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "award", "seen_state": "evaluation", "comment": "Paras ratkaisu."})
    assert response.status_code == 409 and "3 scores missing." in response.get_data(as_text=True)
    scores_guard[challenge.id] = 0
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "award", "seen_state": "evaluation", "comment": "Paras ratkaisu."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == "awarded"


def test_challenge_moves_reach_the_lifecycle_subscriber_through_the_signal(db, make_org, make_user, outbox):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    assert transitioned.has_receivers_for(FAMILY)
    transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    assert outbox == []  # queued in the outbox, sent after the commit
    db.session.commit()
    assert [m.recipients for m in outbox] == [[cast["decision_maker"].email]]


# --- a simultaneous move: refused, and the caller decides about the session ---------------------

def test_simultaneous_move_raises_stale_state_and_leaves_the_rollback_to_the_caller(db, make_org, make_user):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    # Another request moved it first: its row's version is no longer the one this session read.
    db.session.execute(text("UPDATE challenges SET state_version = state_version + 1 WHERE id = :id"),
                       {"id": challenge.id})
    with pytest.raises(StaleState, match="Someone else changed this item"):
        transition_challenge(challenge, "submit_for_approval", cast["officer"], seen_state="draft")
    assert not db.session.is_active  # not rolled back by the engine: the failed flush awaits the caller
    db.session.rollback()
    assert db.session.get(Challenge, challenge.id).state == "draft"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "submit_for_approval")) == 0


# --- the history on the overview page: newest first, a page at a time ----------------------------

def test_overview_history_shows_the_newest_first_and_pages_back(client, make_org, make_user, login):
    cast = make_cast(make_org, make_user)
    challenge = make_challenge(cast["city"], cast["officer"])
    for n in range(60):
        audit.record("challenge_updated", challenge, cast["officer"], data={"fields": ["problem"]},
                     comment=f"Muutos {n:02d}")
    db.session.commit()
    login(cast["officer"])
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert "Muutos 59" in html and "Muutos 10" in html and "Muutos 09" not in html
    assert "<strong>Created</strong>" not in html
    assert html.index("Muutos 59") < html.index("Muutos 58")
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Show older entries', html).group(1).replace("&amp;", "&")
    html = client.get(older).get_data(as_text=True)
    assert "Muutos 09" in html and "Muutos 00" in html and "Muutos 10" not in html
    assert "<strong>Created</strong>" in html and "Show older entries" not in html
    assert "Show the newest entries" in html
