"""The challenge lifecycle as transition tables, one per variant (with or without market dialogue).

DESIGN.md section 2. The states and what each allows are in challenges/states.py;
guards are pure and say why they block; effects record the facts of a move
(publication time, criteria lock). A challenge keeps the table it was created with
(`Challenge.workflow` stores its versioned name): a changed table is registered as
a new version beside the old one, and only new challenges start on it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from auth.roles import Role
from challenges.models import Challenge, ChallengeState, PilotKind
from core.models import utcnow
from core.workflow import SYSTEM, Transition, Workflow, not_actor_of, registry

S = ChallengeState
# Partner cities' officers act as officers too; decisions are the lead city's (challenges/permissions.py).
OFFICER, DECISION_MAKER = Role.OFFICER, Role.DECISION_MAKER
FAMILY = "challenge"
SYSTEM_USER = None  # the engine's actor when the scheduler moves a challenge
# The tables new challenges start on; older versions stay registered for the challenges that use them.
WITH_DIALOGUE = "challenge.with_dialogue.v1"
DIRECT = "challenge.direct.v1"
VARIANTS = (WITH_DIALOGUE, DIRECT)


# --- guards: pure, return a reason when they block --------------------------------------

# The texts every required language needs before publication (English is optional).
REQUIRED_TEXTS = {"title": _l("the title"), "summary": _l("the summary"), "problem": _l("a problem statement"),
                  "end_users": _l("the end users"), "ipr_terms": _l("the intellectual property terms"),
                  "reporting_duties": _l("the reporting duties")}
MISSING_IN = {"fi": _l("in Finnish: %(texts)s"), "sv": _l("in Swedish: %(texts)s")}


def required_languages(challenge: Challenge) -> tuple[str, ...]:
    """Finnish always; Swedish too when any owning city is bilingual (Helsinki, Espoo, Vantaa, Turku)."""
    from challenges.ownership import owning_cities

    return ("fi", "sv") if any(city.bilingual for city in owning_cities(challenge)) else ("fi",)


def missing_texts(challenge: Challenge) -> dict[str, list[str]]:
    """For each required language, the names of the texts still blank in it."""
    missing = {}
    for language in required_languages(challenge):
        blank = [name for name in REQUIRED_TEXTS
                 if not (challenge.text_in(name, language) or "").strip()]
        if blank:
            missing[language] = blank
    return missing


def missing_for_publication(challenge: Challenge) -> list[Any]:
    """What a challenge still lacks before it can be published, the texts listed per language."""
    missing = [MISSING_IN[language] % {"texts": ", ".join(str(REQUIRED_TEXTS[name]) for name in names)}
               for language, names in missing_texts(challenge).items()]
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
    """Publication needs the texts in each required language, a site, a budget, a schedule and criteria summing to 100."""
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


def dialogue_date_reached(challenge: Challenge, user: Any) -> Any:
    """The scheduler starts a dialogue on its start date; an officer may start it earlier."""
    if user is SYSTEM_USER and (challenge.dialogue_starts_at is None or challenge.dialogue_starts_at > utcnow()):
        return _l("The market dialogue's start date has not come yet.")
    return None


def dialogue_complete(challenge: Challenge, user: Any) -> Any:
    """Closing the dialogue needs minutes of every held meeting and a published summary."""
    from challenges.services.dialogue import meetings_without_minutes

    if meetings_without_minutes(challenge):
        return _l("Record the minutes of every one-to-one meeting first.")
    if challenge.dialogue_summary_published_at is None:
        return _l("Publish the dialogue summary first.")
    return None


def ends_dialogue_early(challenge: Challenge) -> bool:
    """Ending the market dialogue before its scheduled end needs a reason (what is ahead gets cancelled)."""
    return challenge.dialogue_ends_at is not None and utcnow() < challenge.dialogue_ends_at


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

T = Transition

COMMON_START = [
    T("submit_for_approval", (S.DRAFT,), S.AWAITING_APPROVAL, {OFFICER}, _l("Send for approval"),
      guards=(ready_to_publish,)),
    T("return_to_draft", (S.AWAITING_APPROVAL,), S.DRAFT, {OFFICER, DECISION_MAKER}, _l("Return to draft"),
      comment_required=True, style="secondary"),
    T("approve", (S.AWAITING_APPROVAL,), S.APPROVED, {DECISION_MAKER}, _l("Approve for publication"),
      guards=(ready_to_publish, not_actor_of("submit_for_approval", reason=_l(
          "You sent this challenge for approval, so another decision maker must approve it."))),
      effect=mark_published),
]

COMMON_END = [
    T("close_call", (S.OPEN,), S.CLOSED, {SYSTEM}, _l("Close the call"), guards=(deadline_passed,)),
    T("start_evaluation", (S.CLOSED,), S.EVALUATION, {OFFICER}, _l("Start evaluation")),
    T("award", (S.EVALUATION,), S.AWARDED, {DECISION_MAKER}, _l("Sign the award decision"),
      comment_required=True),
    T("declare_unsuccessful", (S.EVALUATION,), S.UNSUCCESSFUL, {DECISION_MAKER},
      _l("Declare unsuccessful"), comment_required=True, style="secondary"),
    T("start_piloting", (S.AWARDED,), S.PILOTING, {OFFICER}, _l("Start piloting")),
    T("complete", (S.PILOTING,), S.COMPLETED, {OFFICER}, _l("Mark completed")),
]


def _roles(user: Any, challenge: Challenge) -> set[str]:
    """Roles come from auth's one answer."""
    from auth.permissions import roles_for

    return roles_for(user, challenge)


def _workflow(name: str, label: Any, middle: list[Transition],
              states: tuple[ChallengeState, ...]) -> Workflow:
    """One variant of the challenge table over the given states; cancel is offered where a state allows it."""
    cancel = T("cancel", tuple(s for s in states if s.state.has(cancellable=True)), S.CANCELLED,
               {OFFICER, DECISION_MAKER}, _l("Cancel the challenge"), comment_required=True, style="danger")
    return registry.register(Workflow(name, S.DRAFT, states, COMMON_START + middle + COMMON_END + [cancel],
                                      roles_for=_roles, label=label))


with_dialogue = _workflow(WITH_DIALOGUE, _l("With a market dialogue before the call"), [
    T("start_dialogue", (S.APPROVED,), S.MARKET_DIALOGUE, {OFFICER, SYSTEM}, _l("Start the market dialogue"),
      guards=(dialogue_date_reached,)),
    T("open_call", (S.MARKET_DIALOGUE,), S.OPEN, {OFFICER}, _l("Close the dialogue and open the call"),
      guards=(dialogue_complete, deadline_ahead), effect=lock_criteria, comment_required=ends_dialogue_early),
], tuple(S))

direct = _workflow(DIRECT, _l("Without a market dialogue: the call opens after approval"), [
    T("open_call", (S.APPROVED,), S.OPEN, {OFFICER}, _l("Open the call"),
      guards=(deadline_ahead,), effect=lock_criteria),
], tuple(s for s in S if s is not S.MARKET_DIALOGUE))


def variants() -> list[Workflow]:
    """The tables a new challenge can start on, for the officer's choice."""
    return [registry.get(name) for name in VARIANTS]


def workflow_of(challenge: Challenge) -> Workflow:
    """The table this challenge started with (its stored, versioned name)."""
    return registry.get(challenge.workflow)
