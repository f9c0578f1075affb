"""A proposal's lifecycle as one transition table run by the engine (DESIGN.md sections 2 and 4).

The company submits, resubmits an edited version and withdraws, only while the
challenge's call is open and before its proposal deadline, judged by the time the
request arrived (`arrival_time`), not by when the server got round to it. The
later rows (eligibility, shortlist, selection, the company's answer) are declared
now so that a proposal keeps one table from draft to decision; their pages come
with the evaluation step.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from auth.roles import COMPANY, Role
from challenges.models import ChallengeState
from core.models import utcnow
from core.workflow import Transition, Workflow, registry
from pilots.proposals.states import ProposalState

S = ProposalState
FAMILY = "proposal"
CURRENT = "proposal.v1"
OFFICER, DECISION_MAKER = Role.OFFICER, Role.DECISION_MAKER


def arrival_time() -> datetime:
    """When the current request arrived (set first thing by pilots' before_request), else now."""
    if has_request_context() and getattr(g, "arrived_at", None) is not None:
        return g.arrived_at
    return utcnow()


def mark_arrival() -> None:
    """Remember when the request arrived, before any waiting for locks or queues."""
    g.arrived_at = utcnow()


def call_open_at(challenge: Any, at: datetime) -> Any:
    """The reason a company cannot move its proposal at `at`, or None while the call is open."""
    if challenge.state != ChallengeState.OPEN.value:
        return _l("The call for proposals of this challenge is not open.")
    if challenge.proposals_close_at is None or at >= challenge.proposals_close_at:
        return _l("The proposal deadline has passed. Your draft is kept, but it can no longer be submitted "
                  "or withdrawn.")
    return None


def call_open(proposal: Any, user: Any) -> Any:
    """A company submits, resubmits or withdraws only before the deadline, by the request's arrival."""
    return call_open_at(proposal.challenge, arrival_time())


def complete(proposal: Any, user: Any) -> Any:
    """A proposal is submitted with its required sections and an answer to every criterion."""
    from pilots.proposals.services import missing_sections

    missing = missing_sections(proposal)
    if missing:
        return _l("Fill in before submitting: %(items)s.", items=", ".join(str(m) for m in missing))
    return None


def evaluation_phase(*states: ChallengeState) -> Any:
    """A guard: the challenge must be in one of states (staff decide only after the call has closed)."""
    names = {s.value for s in states}

    def guard(proposal: Any, user: Any) -> Any:
        return None if proposal.challenge.state in names else _l("The challenge is not at this step yet.")

    guard.__name__ = f"challenge_in_{'_'.join(sorted(names))}"
    return guard


def mark_submitted(proposal: Any, user: Any) -> None:
    """The latest submission's time is the request's arrival."""
    proposal.submitted_at = arrival_time()


T = Transition
after_close = evaluation_phase(ChallengeState.CLOSED, ChallengeState.EVALUATION)
in_evaluation = evaluation_phase(ChallengeState.EVALUATION)

proposal_v1 = registry.register(Workflow(CURRENT, S.DRAFT, tuple(S), [
    T("submit_proposal", (S.DRAFT, S.WITHDRAWN), S.SUBMITTED, {COMPANY}, _l("Submit the proposal"),
      guards=(call_open, complete), effect=mark_submitted),
    T("resubmit_proposal", (S.SUBMITTED,), S.SUBMITTED, {COMPANY}, _l("Submit the edited version"),
      guards=(call_open, complete), effect=mark_submitted),
    T("withdraw_proposal", (S.SUBMITTED,), S.WITHDRAWN, {COMPANY}, _l("Withdraw the proposal"),
      guards=(call_open,), style="danger"),
    T("declare_eligible", (S.SUBMITTED,), S.ELIGIBLE, {OFFICER}, _l("Eligible"), guards=(after_close,)),
    T("declare_ineligible", (S.SUBMITTED,), S.INELIGIBLE, {OFFICER}, _l("Ineligible"),
      guards=(after_close,), comment_required=True, style="secondary"),
    T("shortlist", (S.ELIGIBLE,), S.SHORTLISTED, {OFFICER}, _l("Shortlist"), guards=(in_evaluation,)),
    T("select_proposal", (S.ELIGIBLE, S.SHORTLISTED), S.SELECTED, {DECISION_MAKER}, _l("Select"),
      guards=(in_evaluation,), comment_required=True),
    T("not_select_proposal", (S.ELIGIBLE, S.SHORTLISTED), S.NOT_SELECTED, {DECISION_MAKER}, _l("Do not select"),
      guards=(in_evaluation,), comment_required=True, style="secondary"),
    T("accept_selection", (S.SELECTED,), S.ACCEPTED, {COMPANY}, _l("Accept the selection")),
    T("decline_selection", (S.SELECTED,), S.DECLINED, {COMPANY}, _l("Decline the selection"), comment_required=True,
      style="secondary"),
], roles_for=lambda user, proposal: _roles(user, proposal), label=_l("Pilot proposal")))


def _roles(user: Any, proposal: Any) -> set[str]:
    """Roles come from auth's one answer."""
    from auth.permissions import roles_for

    return roles_for(user, proposal)


def workflow_of(proposal: Any) -> Workflow:
    """The table the proposal started with."""
    return registry.get(proposal.workflow)
