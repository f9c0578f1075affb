"""The challenge lifecycle as transition tables, one per variant (with or without market dialogue).

DESIGN.md section 2. Guards are pure and say why they block; effects record the
facts of a move (publication time, criteria lock). A challenge keeps the
variant it was created with (`Challenge.workflow`).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from challenges.models import STATE_LABELS, Challenge, ChallengeState, PilotKind
from core.models import utcnow
from core.workflow import SYSTEM, Transition, Workflow, not_actor_of, registry

S = ChallengeState
OFFICER, DECISION_MAKER = "officer", "decision_maker"
WITH_DIALOGUE = "challenge.with_dialogue"
DIRECT = "challenge.direct"
VARIANTS = (WITH_DIALOGUE, DIRECT)


# --- guards: pure, return a reason when they block --------------------------------------

def missing_for_publication(challenge: Challenge) -> list[Any]:
    """What a challenge still lacks before it can be published."""
    missing = []
    if not (challenge.problem or "").strip():
        missing.append(_l("a problem statement"))
    if not challenge.sites:
        missing.append(_l("at least one pilot site"))
    if challenge.pilot_kind == PilotKind.PAID.value and not (challenge.max_per_pilot and challenge.pilot_count):
        missing.append(_l("a budget (maximum per pilot and number of pilots)"))
    if challenge.proposals_close_at is None or challenge.questions_close_at is None:
        missing.append(_l("a schedule with the question and proposal deadlines"))
    if challenge.has_dialogue and (challenge.dialogue_starts_at is None or challenge.dialogue_ends_at is None):
        missing.append(_l("the dates of the market dialogue"))
    if not challenge.criteria or challenge.weight_total != 100:
        missing.append(_l("evaluation criteria whose weights sum to 100 (now %(total)s)",
                          total=challenge.weight_total))
    return missing


def ready_to_publish(challenge: Challenge, user: Any) -> Any:
    """Publication needs the problem, a site, a budget, a schedule and criteria summing to 100."""
    missing = missing_for_publication(challenge)
    if missing:
        return _l("Still missing: %(items)s.", items=", ".join(str(m) for m in missing))
    return None


def deadline_ahead(challenge: Challenge, user: Any) -> Any:
    """A call can only open while its proposal deadline is in the future."""
    if challenge.proposals_close_at is None or challenge.proposals_close_at <= utcnow():
        return _l("The proposal deadline has passed: extend it before opening the call.")
    return None


def deadline_passed(challenge: Challenge, user: Any) -> Any:
    """The call closes when its proposal deadline has passed."""
    if challenge.proposals_close_at is not None and challenge.proposals_close_at > utcnow():
        return _l("The proposal deadline has not passed yet.")
    return None


def dialogue_complete(challenge: Challenge, user: Any) -> Any:
    """Closing the dialogue needs minutes of every held meeting and a published summary."""
    from challenges.services.dialogue import meetings_without_minutes

    if meetings_without_minutes(challenge):
        return _l("Record the minutes of every one-to-one meeting first.")
    if challenge.dialogue_summary_published_at is None:
        return _l("Publish the dialogue summary first.")
    return None


# --- effects: facts recorded with the move -----------------------------------------------

def mark_published(challenge: Challenge, user: Any) -> None:
    """The challenge becomes public when it is approved."""
    challenge.published_at = challenge.published_at or utcnow()


def lock_criteria(challenge: Challenge, user: Any) -> None:
    """Criteria and weights are fixed from the moment the call opens."""
    now = utcnow()
    challenge.opened_at = now
    challenge.criteria_locked_at = now


# --- the tables --------------------------------------------------------------------------

BEFORE_AWARD = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.MARKET_DIALOGUE, S.OPEN, S.CLOSED, S.EVALUATION)


def _t(action: str, sources: tuple, target: ChallengeState, roles: set[str], label: Any, **kw: Any) -> Transition:
    """A transition row with states given as enum members."""
    return Transition(action, tuple(s.value for s in sources), target.value, frozenset(roles), label, **kw)


COMMON_START = [
    _t("submit_for_approval", (S.DRAFT,), S.AWAITING_APPROVAL, {OFFICER}, _l("Send for approval"),
       guards=(ready_to_publish,)),
    _t("return_to_draft", (S.AWAITING_APPROVAL,), S.DRAFT, {OFFICER, DECISION_MAKER}, _l("Return to draft"),
       comment_required=True, style="secondary"),
    _t("approve", (S.AWAITING_APPROVAL,), S.APPROVED, {DECISION_MAKER}, _l("Approve for publication"),
       guards=(ready_to_publish, not_actor_of("submit_for_approval", reason=_l(
           "You sent this challenge for approval, so another decision maker must approve it."))),
       effect=mark_published),
]

COMMON_END = [
    _t("close_call", (S.OPEN,), S.CLOSED, {SYSTEM}, _l("Close the call"), guards=(deadline_passed,)),
    _t("start_evaluation", (S.CLOSED,), S.EVALUATION, {OFFICER}, _l("Start evaluation")),
    _t("award", (S.EVALUATION,), S.AWARDED, {DECISION_MAKER}, _l("Sign the award decision"),
       comment_required=True),
    _t("declare_unsuccessful", (S.EVALUATION,), S.UNSUCCESSFUL, {DECISION_MAKER},
       _l("Declare unsuccessful"), comment_required=True, style="secondary"),
    _t("start_piloting", (S.AWARDED,), S.PILOTING, {OFFICER}, _l("Start piloting")),
    _t("complete", (S.PILOTING,), S.COMPLETED, {OFFICER}, _l("Mark completed")),
]


def _roles(user: Any, challenge: Challenge) -> set[str]:
    """Roles come from auth's one answer."""
    from auth.permissions import roles_for

    return roles_for(user, challenge)


def _notify(challenge: Challenge, transition: Transition, user: Any, entry: Any) -> None:
    """Who is told what lives in notifications.py."""
    from challenges.notifications.lifecycle import challenge_transitioned

    challenge_transitioned(challenge, transition, user, entry)


def _workflow(name: str, middle: list[Transition], states: tuple[ChallengeState, ...]) -> Workflow:
    """One variant of the challenge table over the given states."""
    cancel = _t("cancel", tuple(s for s in BEFORE_AWARD if s in states), S.CANCELLED, {OFFICER, DECISION_MAKER},
                _l("Cancel the challenge"), comment_required=True, style="danger")
    return registry.register(Workflow(name, S.DRAFT.value, {s.value: STATE_LABELS[s] for s in states},
                                      COMMON_START + middle + COMMON_END + [cancel],
                                      roles_for=_roles, notify=_notify))


with_dialogue = _workflow(WITH_DIALOGUE, [
    _t("start_dialogue", (S.APPROVED,), S.MARKET_DIALOGUE, {OFFICER}, _l("Start the market dialogue")),
    _t("open_call", (S.MARKET_DIALOGUE,), S.OPEN, {OFFICER}, _l("Close the dialogue and open the call"),
       guards=(dialogue_complete, deadline_ahead), effect=lock_criteria),
], tuple(S))

direct = _workflow(DIRECT, [
    _t("open_call", (S.APPROVED,), S.OPEN, {OFFICER}, _l("Open the call"),
       guards=(deadline_ahead,), effect=lock_criteria),
], tuple(s for s in S if s is not S.MARKET_DIALOGUE))


def workflow_of(challenge: Challenge) -> Workflow:
    """The definition this challenge started with."""
    return registry.get(challenge.workflow)
