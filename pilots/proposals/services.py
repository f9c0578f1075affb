"""Verbs on proposals: start, save, submit, resubmit, withdraw, and the readers the pages use.

Each verb flushes and never commits; the view commits, so the change, its audit
row and its receipt email stand or fall together.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from auth.models import Organisation, User
from challenges.models import Challenge, Compensation
from core import audit
from core.extensions import db
from core.models import lock_row
from core.refusals import Conflict, Stale
from pilots.proposals.models import SECTIONS, SUBMITTED_STATES, Proposal, ProposalVersion
from pilots.proposals.permissions import visible_proposals
from pilots.proposals.states import ProposalState
from pilots.proposals.workflow import CURRENT, arrival_time, call_open_at, workflow_of

# What a submission needs, by section; the rest may stay empty.
REQUIRED = {"solution": _l("the solution"), "maturity": _l("its maturity"), "plan_what": _l("what is piloted"),
            "plan_where": _l("where"), "plan_with_whom": _l("with whom"), "plan_when": _l("when"),
            "kpis": _l("the proposed KPIs"), "end_user_participation": _l("how end users take part")}


def scores_price(challenge: Challenge) -> bool:
    """The call asks for a price when its price is scored."""
    return challenge.compensation == Compensation.PRICE_SCORED.value


# --- reading -----------------------------------------------------------------------------------

def proposal_of(challenge: Challenge, organisation: Organisation) -> Proposal | None:
    """The company's proposal to the challenge, if it has started one."""
    return db.session.scalar(select(Proposal).where(Proposal.challenge_id == challenge.id,
                                                    Proposal.organisation_id == organisation.id))


def readable(user: Any, proposal_id: int) -> Proposal | None:
    """One proposal through the scoped query (None when the user may not read it), its challenge joined."""
    return db.session.scalar(visible_proposals(user).where(Proposal.id == proposal_id)
                             .options(joinedload(Proposal.challenge), joinedload(Proposal.organisation)))


def submitted_to(challenge: Challenge, user: Any) -> list[Proposal]:
    """The challenge's submitted proposals the user may read, by company name, in one query."""
    stmt = (visible_proposals(user)
            .where(Proposal.challenge_id == challenge.id, Proposal.state.in_(SUBMITTED_STATES))
            .join(Proposal.organisation).options(joinedload(Proposal.organisation))
            .order_by(Organisation.name, Proposal.id))
    return list(db.session.scalars(stmt))


def missing_sections(proposal: Proposal) -> list[Any]:
    """What a submission still lacks: required sections, the price when scored, each criterion's answer."""
    missing = [label for name, label in REQUIRED.items() if not (getattr(proposal, name) or "").strip()]
    if scores_price(proposal.challenge) and proposal.price is None:
        missing.append(_l("the price"))
    answers = proposal.criterion_answers or {}
    if any(not (answers.get(str(c.id)) or "").strip() for c in proposal.challenge.criteria):
        missing.append(_l("an answer to every evaluation criterion"))
    return missing


# --- the content and its hash ------------------------------------------------------------------

def content_of(proposal: Proposal) -> dict[str, Any]:
    """The proposal's content as JSON-ready data: what a version stores and its hash covers."""
    content: dict[str, Any] = {name: getattr(proposal, name) or "" for name in SECTIONS}
    content.update(language=proposal.language, data_processing=proposal.data_processing,
                   price=None if proposal.price is None else str(proposal.price),
                   criterion_answers={str(k): v for k, v in sorted((proposal.criterion_answers or {}).items())},
                   secret_sections=sorted(proposal.secret_sections or []),
                   challenge_id=proposal.challenge_id, organisation_id=proposal.organisation_id)
    return content


def canonical(content: dict[str, Any]) -> bytes:
    """The content's one byte form: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_of(content: dict[str, Any]) -> str:
    """The SHA-256 of the canonical content, as hex (the receipt's checksum)."""
    return hashlib.sha256(canonical(content)).hexdigest()


def has_unsubmitted_changes(proposal: Proposal) -> bool:
    """True when the text differs from the latest submitted version."""
    return bool(proposal.versions) and proposal.versions[-1].sha256 != sha256_of(content_of(proposal))


# --- verbs ---------------------------------------------------------------------------------------

def start_proposal(challenge: Challenge, organisation: Organisation, user: User, language: str) -> Proposal:
    """A new draft of the company's proposal; only while the call is open (one per company: a constraint)."""
    reason = call_open_at(challenge, arrival_time())
    if reason:
        raise Conflict(reason)
    proposal = Proposal(challenge=challenge, organisation=organisation, created_by=user, workflow=CURRENT,
                        state=ProposalState.DRAFT.value, language=language, criterion_answers={},
                        secret_sections=[])
    db.session.add(proposal)
    db.session.flush()
    audit.record("proposal_started", proposal, user)
    return proposal


def save_proposal(proposal: Proposal, user: User, values: dict[str, Any]) -> None:
    """Store what the company typed. A submitted proposal changes only while the call is open."""
    if proposal.state not in ProposalState.states_where(editable=True):
        raise Conflict(_l("This proposal can no longer be changed."))
    if proposal.state == ProposalState.SUBMITTED.value:
        reason = call_open_at(proposal.challenge, arrival_time())
        if reason:
            raise Conflict(reason)
    for name in (*SECTIONS, "language", "data_processing", "criterion_answers", "secret_sections"):
        if name in values:
            setattr(proposal, name, values[name])
    if scores_price(proposal.challenge) and "price" in values:
        proposal.price = values["price"] if values["price"] is None else Decimal(values["price"])
    db.session.flush()
    audit.record("proposal_saved", proposal, user)


def submit(proposal: Proposal, user: User, seen_state: str | None = None) -> ProposalVersion:
    """Submit (or resubmit an edited) proposal: a new version with its SHA-256, and a receipt email.

    The row is locked first, so a double submit acts once: the second finds the
    state moved (a stale page) or the same content already submitted.
    """
    lock_row(proposal)
    if seen_state is not None and seen_state != proposal.state:
        if proposal.state == ProposalState.SUBMITTED.value:  # the same page sent twice
            raise Conflict(_l("This proposal was already submitted: see its receipt below."))
        raise Stale(_l("This page was out of date: the proposal has changed since you opened it. "
                       "Review it and try again."))
    action = "resubmit_proposal" if proposal.state == ProposalState.SUBMITTED.value else "submit_proposal"
    content = content_of(proposal)
    digest = sha256_of(content)
    if action == "resubmit_proposal" and proposal.versions and proposal.versions[-1].sha256 == digest:
        raise Conflict(_l("Nothing has changed since your last submitted version."))
    number = (db.session.scalar(select(func.max(ProposalVersion.number))
                                .where(ProposalVersion.proposal_id == proposal.id)) or 0) + 1
    workflow_of(proposal).apply(proposal, action, user, data={"version": number, "sha256": digest})
    version = ProposalVersion(proposal=proposal, number=number, content=content, sha256=digest,
                              submitted_at=proposal.submitted_at, submitted_by=user)
    db.session.add(version)
    db.session.flush()
    from pilots.proposals.notifications import send_receipt

    send_receipt(proposal, version, user)
    return version


def withdraw(proposal: Proposal, user: User, seen_state: str | None = None) -> None:
    """Take a submitted proposal back before the deadline; it stays as a draft the company may submit again."""
    lock_row(proposal)
    workflow_of(proposal).apply(proposal, "withdraw_proposal", user, seen_state=seen_state)
