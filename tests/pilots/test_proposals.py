"""Pilot proposals: the company drafts, submits and withdraws while the call is open; the city reads what was sent."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import Compensation
from challenges.workflow import DIRECT
from core.dates import format_datetime
from core.extensions import db
from core.i18n import helsinki_to_utc
from core.mail import OutboxMessage
from core.models import utcnow
from core.workflow import NotAllowed
from pilots.proposals.models import Proposal, ProposalVersion
from pilots.proposals.states import ProposalState
from pilots.proposals.workflow import call_open_at, workflow_of
from tests.factories import (PROPOSAL_TEXTS, add_proposal, as_user, audit_count, count_queries, error_next_to,
                             html, make_cast, make_challenge, make_org, make_user)

pytestmark = pytest.mark.usefixtures("english")
P = ProposalState


@pytest.fixture
def world(db) -> dict:
    """Helsinki's open call with two criteria; Acme and Beta with a member each; a Tampere officer."""
    cast = make_cast()
    cast["challenge"] = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="open")
    cast["acme"], cast["beta"] = make_org(OrgKind.COMPANY.value, name="Acme Oy"), make_org(OrgKind.COMPANY.value,
                                                                                           name="Beta Ab")
    cast["member"] = make_user(cast["acme"], (Role.MEMBER.value,), name="Alice Acme", email="alice@acme.example")
    cast["beta_member"] = make_user(cast["beta"], (Role.OWNER.value,), name="Bob Beta")
    return cast


def _form(challenge, **overrides) -> dict:
    """A complete editor form for the challenge (criteria answered)."""
    data = {**PROPOSAL_TEXTS, "language": "fi", "data_processing": "none", "seen_state": "draft",
            **{f"c{c.id}": f"Vastaus {c.name}" for c in challenge.criteria}}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _edit_url(world) -> str:
    return f"/challenges/{world['challenge'].id}/proposal"


def _proposal(world, company="acme") -> Proposal | None:
    db.session.expire_all()
    return db.session.scalar(select(Proposal).where(Proposal.organisation_id == world[company].id))


# --- the workflow table, per role ------------------------------------------------------------------

@pytest.mark.parametrize(("action", "state", "role", "allowed"), [
    ("submit_proposal", P.DRAFT, "member", True),
    ("submit_proposal", P.WITHDRAWN, "member", True),
    ("resubmit_proposal", P.SUBMITTED, "member", True),
    ("withdraw_proposal", P.SUBMITTED, "member", True),
    ("submit_proposal", P.DRAFT, "beta_member", False),
    ("withdraw_proposal", P.SUBMITTED, "beta_member", False),
    ("submit_proposal", P.DRAFT, "officer", False),
    ("withdraw_proposal", P.SUBMITTED, "officer", False),
    ("withdraw_proposal", P.SUBMITTED, "decision_maker", False),
    ("withdraw_proposal", P.SUBMITTED, "platform_admin", False),
    ("withdraw_proposal", P.SUBMITTED, "other_city_officer", False),
    ("declare_eligible", P.SUBMITTED, "member", False),
])
def test_proposal_workflow_lets_only_the_company_move_its_proposal(world, action, state, role, allowed):
    proposal = add_proposal(world["challenge"], world["acme"], world["member"], state=state.value)
    workflow = workflow_of(proposal)
    if allowed:
        assert workflow.check(proposal, action, world[role]).action == action
    else:
        with pytest.raises(NotAllowed):
            workflow.check(proposal, action, world[role])


# --- the deadline, by the request's arrival in Helsinki time -----------------------------------------

@pytest.mark.parametrize("wall", [datetime(2026, 3, 29, 4, 30), datetime(2026, 10, 25, 12, 0)])
def test_call_open_at_judges_the_deadline_in_helsinki_across_the_dst_change(world, wall):
    challenge = world["challenge"]
    challenge.proposals_close_at = helsinki_to_utc(wall)  # 01:30 UTC in spring (EEST), 10:00 UTC in autumn (EET)
    offset = 3 if wall.month == 3 else 2
    deadline_utc = wall - timedelta(hours=offset)
    assert challenge.proposals_close_at.replace(tzinfo=None) == deadline_utc
    just_before = challenge.proposals_close_at - timedelta(seconds=1)
    assert call_open_at(challenge, just_before) is None
    assert call_open_at(challenge, challenge.proposals_close_at) is not None


def test_proposal_late_submit_keeps_the_draft_and_what_was_typed(app, world):
    client = as_user(app, world["member"])
    assert client.post(_edit_url(world), data=_form(world["challenge"], save="1")).status_code == 302
    world["challenge"].proposals_close_at = utcnow() - timedelta(minutes=1)  # the call is still marked open
    db.session.commit()
    response = client.post(_edit_url(world), data=_form(world["challenge"], solution="Viime hetken teksti",
                                                        submit="1"))
    assert response.status_code == 409
    assert "The proposal deadline has passed" in html(response)
    proposal = _proposal(world)
    assert proposal.state == P.DRAFT.value and proposal.solution == "Viime hetken teksti"
    assert proposal.versions == [] and audit_count("submit_proposal") == 0


def test_proposal_cannot_be_started_when_the_call_is_not_open(app, world):
    world["challenge"].proposals_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = as_user(app, world["member"]).post(_edit_url(world), data=_form(world["challenge"], save="1"))
    assert response.status_code == 409 and _proposal(world) is None


# --- submitting, the receipt, versions ---------------------------------------------------------------

def test_proposal_submit_gives_a_receipt_whose_hash_is_the_stored_snapshots(app, world, outbox):
    client = as_user(app, world["member"])
    response = client.post(_edit_url(world), data=_form(world["challenge"], submit="1"))
    assert response.status_code == 302
    proposal = _proposal(world)
    assert proposal.state == P.SUBMITTED.value
    version = proposal.versions[0]
    expected = hashlib.sha256(json.dumps(version.content, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert version.sha256 == expected and version.content["solution"] == PROPOSAL_TEXTS["solution"]
    page = html(client.get(response.headers["Location"]))
    assert expected in page
    receipt = [m for m in outbox if "alice@acme.example" in m.recipients]
    assert len(receipt) == 1 and expected in receipt[0].body
    assert audit_count("submit_proposal") == 1


def test_proposal_double_submit_acts_once(app, world, outbox):
    client = as_user(app, world["member"])
    form = _form(world["challenge"], submit="1")
    assert client.post(_edit_url(world), data=form).status_code == 302
    second = client.post(_edit_url(world), data=form)  # the same page sent again (a double click)
    assert second.status_code == 409
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
    assert audit_count("submit_proposal") == 1 and audit_count("resubmit_proposal") == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_proposal_edit_while_open_resubmits_a_second_version(app, world):
    client = as_user(app, world["member"])
    client.post(_edit_url(world), data=_form(world["challenge"], submit="1"))
    unchanged = client.post(_edit_url(world), data=_form(world["challenge"], seen_state="submitted", submit="1"))
    assert unchanged.status_code == 409 and "Nothing has changed" in html(unchanged)
    edited = client.post(_edit_url(world), data=_form(world["challenge"], seen_state="submitted",
                                                      kpis="Uusi mittari", submit="1"))
    assert edited.status_code == 302
    versions = _proposal(world).versions
    assert [v.number for v in versions] == [1, 2] and versions[1].content["kpis"] == "Uusi mittari"
    assert versions[0].content["kpis"] == PROPOSAL_TEXTS["kpis"]


def test_proposal_withdraw_until_the_deadline_then_not(app, world):
    proposal = add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    client = as_user(app, world["member"])
    url = f"/proposals/{proposal.id}/withdraw"
    assert client.post(url, data={"seen_state": "submitted"}).status_code == 302
    assert _proposal(world).state == P.WITHDRAWN.value
    assert client.post(_edit_url(world), data=_form(world["challenge"], seen_state="withdrawn",
                                                    submit="1")).status_code == 302
    world["challenge"].proposals_close_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = client.post(url, data={"seen_state": "submitted"})
    assert late.status_code == 409 and "deadline has passed" in html(late)
    assert _proposal(world).state == P.SUBMITTED.value


def test_proposal_missing_sections_block_the_submission_and_keep_the_text(app, world):
    response = as_user(app, world["member"]).post(_edit_url(world), data=_form(world["challenge"], kpis="",
                                                                                submit="1"))
    assert response.status_code == 409 and "the proposed KPIs" in html(response)
    proposal = _proposal(world)
    assert proposal.state == P.DRAFT.value and proposal.solution == PROPOSAL_TEXTS["solution"]


def test_proposal_bad_price_is_shown_next_to_the_field_and_nothing_is_lost(app, world):
    world["challenge"].compensation = Compensation.PRICE_SCORED.value
    db.session.commit()
    response = as_user(app, world["member"]).post(_edit_url(world), data=_form(
        world["challenge"], price="-5", solution="Tärkeä teksti", save="1"))
    assert response.status_code == 400
    page = html(response)
    assert "Enter a price from 0" in error_next_to(page, "price") and "Tärkeä teksti" in page
    ok = as_user(app, world["member"]).post(_edit_url(world), data=_form(world["challenge"], price="1200.50",
                                                                          save="1"))
    assert ok.status_code == 302 and _proposal(world).price == Decimal("1200.50")


# --- one proposal per company ------------------------------------------------------------------------

def test_proposal_one_per_company_is_a_database_constraint(world):
    add_proposal(world["challenge"], world["acme"], world["member"])
    with pytest.raises(IntegrityError):
        add_proposal(world["challenge"], world["acme"], world["member"])
    db.session.rollback()


def test_proposal_saving_twice_edits_the_one_proposal(app, world):
    client = as_user(app, world["member"])
    client.post(_edit_url(world), data=_form(world["challenge"], save="1"))
    client.post(_edit_url(world), data=_form(world["challenge"], risks="Sää", save="1"))
    assert db.session.scalar(select(func.count(Proposal.id))) == 1
    assert _proposal(world).risks == "Sää"


# --- who reads what --------------------------------------------------------------------------------

def test_proposal_another_company_can_neither_read_nor_withdraw_it(app, world):
    proposal = add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    other = as_user(app, world["beta_member"])
    assert other.get(f"/proposals/{proposal.id}").status_code == 404
    assert other.get(f"/proposals/{proposal.id}/versions/1").status_code == 404
    assert other.post(f"/proposals/{proposal.id}/withdraw", data={"seen_state": "submitted"}).status_code == 404
    assert _proposal(world).state == P.SUBMITTED.value
    editor = html(other.get(_edit_url(world)))
    assert PROPOSAL_TEXTS["solution"] not in editor


def test_proposal_staff_of_the_owning_city_read_submitted_ones_only(app, world):
    draft = add_proposal(world["challenge"], world["beta"], world["beta_member"])
    sent = add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    officer = as_user(app, world["officer"])
    assert officer.get(f"/proposals/{sent.id}").status_code == 200
    assert officer.get(f"/proposals/{draft.id}").status_code == 404
    assert officer.post(f"/proposals/{sent.id}/withdraw", data={"seen_state": "submitted"}).status_code == 403
    listing = html(officer.get(f"/manage/challenges/{world['challenge'].id}/proposals"))
    assert "Acme Oy" in listing and "Beta Ab" not in listing


def test_proposal_staff_of_another_city_and_platform_admins_cannot_read_it(app, world):
    sent = add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    for role in ("other_city_officer", "platform_admin"):
        assert as_user(app, world[role]).get(f"/proposals/{sent.id}").status_code == 404
    listing = as_user(app, world["other_city_officer"]).get(f"/manage/challenges/{world['challenge'].id}/proposals")
    assert listing.status_code == 403


def test_proposal_list_for_the_officer_runs_a_bounded_number_of_queries(app, world):
    client = as_user(app, world["officer"])
    url = f"/manage/challenges/{world['challenge'].id}/proposals"

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    few = queries()
    for n in range(6):
        company = make_org(OrgKind.COMPANY.value, name=f"Yritys {n}")
        add_proposal(world["challenge"], company, make_user(company, (Role.MEMBER.value,)), state="submitted")
    assert queries() == few


# --- where companies find it -----------------------------------------------------------------------

def test_proposal_link_on_the_challenge_page_for_companies_only(app, world, client):
    url = f"/challenges/{world['challenge'].id}"
    assert _edit_url(world) in html(as_user(app, world["member"]).get(url))
    assert _edit_url(world) not in html(client.get(url))  # the visitors' cached page stays the same for all


def test_proposal_start_page_lists_the_companys_proposals_with_state(app, world):
    add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    page = html(as_user(app, world["member"]).get("/start"))
    assert "Your proposals" in page and "Submitted" in page and world["challenge"].title in page
    assert "Your proposals" not in html(as_user(app, world["officer"]).get("/start"))


def test_proposal_receipt_email_is_in_the_submitters_language_with_helsinki_time(app, world, outbox):
    world["member"].locale = "sv"
    db.session.commit()
    as_user(app, world["member"]).post(_edit_url(world), data=_form(world["challenge"], submit="1"))
    version = _proposal(world).versions[0]
    (receipt,) = [m for m in outbox if "alice@acme.example" in m.recipients]
    assert receipt.subject.startswith("Förslaget har tagits emot")
    assert format_datetime(version.submitted_at, language="sv") in receipt.body
    assert version.sha256 in receipt.html


def test_proposal_submit_from_a_stale_page_is_refused(app, world):
    proposal = add_proposal(world["challenge"], world["acme"], world["member"], state="submitted")
    client = as_user(app, world["member"])
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={"seen_state": "submitted"}).status_code == 302
    stale = client.post(_edit_url(world), data=_form(world["challenge"], seen_state="submitted", kpis="Uusi",
                                                     submit="1"))  # a tab opened before the withdrawal
    assert stale.status_code == 409 and "out of date" in html(stale)
    assert _proposal(world).state == P.WITHDRAWN.value and len(_proposal(world).versions) == 1
