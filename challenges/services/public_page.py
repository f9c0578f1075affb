"""What a challenge's public page tells beyond its content: where it stands, what changed, why it ended.

The phase stepper reads the state and the schedule; the change log and a
cancellation's reason come from the audit log in one query (the amendments
`challenges.services.challenges.amend` records, the `cancel` transition's comment).
The values of a change are typed again here so the page and the followers' email
format them in the reader's language (templates/challenges/_change_value.html).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from challenges.models import Challenge, ChallengeState, Compensation, PilotKind
from challenges.services.challenges import (AMENDED_ACTION, BUDGET_FIELDS, FIELD_LABELS, SCHEDULE_FIELDS,
                                            TERMS_FIELDS)
from core import audit
from core.extensions import db

S = ChallengeState

CHANGE_LOG_SIZE = 20
# How a changed value is shown (the page's and email's `change_value` macro); others are text.
VALUE_KINDS = {"max_per_pilot": "money", "total_budget": "money", "pilot_count": "number",
               **{name: "datetime" for name in SCHEDULE_FIELDS if name.endswith("_at")},
               **{name: "date" for name in SCHEDULE_FIELDS if name.endswith("_on")},
               **{name: "yes_no" for name in BUDGET_FIELDS + TERMS_FIELDS
                  if name.startswith("offers_") or name == "personal_data_allowed"},
               "pilot_kind": "choice", "compensation": "choice"}
CHOICES = {"pilot_kind": PilotKind, "compensation": Compensation}
# What each amended field is called in the change log: the edit form's own words, one per field
# (FIELD_LABELS groups fields, such as both amounts under "budget", which would not say which one moved).
CHANGE_LABELS = {
    "pilot_kind": _l("Kind of pilot"), "max_per_pilot": _l("Maximum per pilot (excluding VAT)"),
    "total_budget": _l("Total budget (excluding VAT)"), "pilot_count": _l("Number of pilots"),
    "compensation": _l("Compensation"), "offers_site_access": _l("Access to a real setting for the pilot"),
    "offers_facilitation": _l("Facilitation: the city helps to arrange the pilot"),
    "offers_data": _l("Data for the pilot"), "offers_compensation": _l("Compensation for the pilot"),
    "offer_details": _l("Details of what the city offers"),
    "dialogue_starts_at": _l("Market dialogue starts"), "dialogue_ends_at": _l("Market dialogue ends"),
    "questions_close_at": _l("Deadline for questions"), "proposals_close_at": _l("Deadline for proposals"),
    "selection_on": _l("Selection date"), "pilot_starts_on": _l("Pilots start"), "pilot_ends_on": _l("Pilots end"),
    "ipr_terms": _l("Intellectual property rights"), "reporting_duties": _l("Reporting duties"),
    "personal_data_allowed": _l("The pilot may process personal data of pupils or other end users"),
}
# A text's Swedish and English versions are named with their language, so that a reader of the log can tell
# the three versions of, say, the IPR terms apart (FIELD_LABELS' "contract terms" would not).
CHANGE_LABELS.update({f"{name}_{lang}": label for name in ("offer_details", "ipr_terms", "reporting_duties")
                      for lang, label in (("sv", _l("%(field)s in Swedish", field=CHANGE_LABELS[name])),
                                          ("en", _l("%(field)s in English", field=CHANGE_LABELS[name])))})


@dataclass(frozen=True)
class Change:
    """One field's change after publication, its values typed again for formatting in the reader's language."""

    field: str
    label: Any
    kind: str
    old: Any
    new: Any


def _typed(field: str, value: Any) -> Any:
    """A stored value back as the type its kind is formatted from; a choice as its label."""
    kind = VALUE_KINDS.get(field, "text")
    if value is None:
        return None
    if kind == "money":
        return Decimal(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "choice":
        return CHOICES[field].label_of(value)
    return value


def changes_of(raw: list[dict[str, Any]] | None) -> list[Change]:
    """The changes an amendment recorded (`challenge_amended` data), typed and labelled."""
    return [Change(c["field"], CHANGE_LABELS.get(c["field"], FIELD_LABELS.get(c["field"], c["field"])),
                   VALUE_KINDS.get(c["field"], "text"),
                   _typed(c["field"], c.get("old")), _typed(c["field"], c.get("new"))) for c in raw or ()]


@dataclass(frozen=True)
class Amendment:
    """A change to the published challenge as its public change log shows it."""

    at: datetime
    reason: str | None
    changes: list[Change]


@dataclass(frozen=True)
class PublicHistory:
    """What the public page tells of a challenge's history: its changes, newest first, and why it was cancelled."""

    amendments: list[Amendment]
    cancel_reason: str | None


def public_history(challenge: Challenge) -> PublicHistory:
    """The change log and the cancellation's reason of a published challenge, from the audit log in one query."""
    if challenge.published_at is None:
        return PublicHistory([], None)
    object_type, object_id = audit.object_key(challenge)
    entries = db.session.scalars(
        select(audit.AuditEntry)
        .where(audit.AuditEntry.object_type == object_type, audit.AuditEntry.object_id == object_id,
               audit.AuditEntry.action.in_((AMENDED_ACTION, "cancel")))
        .order_by(audit.AuditEntry.id.desc()).limit(CHANGE_LOG_SIZE))
    amendments, cancel_reason = [], None
    for entry in entries:
        if entry.action == "cancel":
            cancel_reason = cancel_reason or entry.comment
        else:
            amendments.append(Amendment(entry.created_at, entry.comment, changes_of(entry.data.get("changes"))))
    return PublicHistory(amendments, cancel_reason)


# --- the phase stepper ---------------------------------------------------------------------

@dataclass(frozen=True)
class Phase:
    """One step of the stepper: its name, its dates (label, value, "datetime" or "date") and where it stands."""

    key: str
    label: Any
    dates: list[tuple[Any, Any, str]] = field(default_factory=list)
    status: str = "upcoming"  # "done", "current" or "upcoming"


# The phase each public state stands in: an unsuccessful challenge ended in evaluation (the page says so);
# a cancelled one has no stepper (the page gives the reason instead).
PHASE_OF_STATE = {S.APPROVED: "published", S.MARKET_DIALOGUE: "dialogue", S.OPEN: "call", S.CLOSED: "evaluation",
                  S.EVALUATION: "evaluation", S.UNSUCCESSFUL: "evaluation", S.AWARDED: "pilots",
                  S.PILOTING: "pilots", S.COMPLETED: "completed"}


def _dated(*points: tuple[Any, Any, str]) -> list[tuple[Any, Any, str]]:
    """The schedule points that are set."""
    return [p for p in points if p[1] is not None]


def phases(challenge: Challenge) -> list[Phase]:
    """The public phases of the challenge in order, each with its dates, marked done, current or upcoming.

    None for a cancelled challenge, and all upcoming for one not yet published (its staff preview).
    """
    c = challenge
    if c.state == S.CANCELLED.value:
        return []
    steps = [Phase("published", _l("Published"))]
    if c.has_dialogue:
        steps.append(Phase("dialogue", _l("Market dialogue"), _dated(
            (_l("starts"), c.dialogue_starts_at, "datetime"), (_l("ends"), c.dialogue_ends_at, "datetime"))))
    steps += [
        Phase("call", _l("Call for proposals"), _dated(
            (_l("questions close"), c.questions_close_at, "datetime"),
            (_l("proposals close"), c.proposals_close_at, "datetime"))),
        Phase("evaluation", _l("Evaluation and selection"), _dated((_l("selection"), c.selection_on, "date"))),
        Phase("pilots", _l("Pilots"), _dated((_l("start"), c.pilot_starts_on, "date"),
                                             (_l("end"), c.pilot_ends_on, "date"))),
        Phase("completed", _l("Completed")),
    ]
    current = PHASE_OF_STATE.get(S(c.state))
    keys = [p.key for p in steps]
    at = keys.index(current) if current in keys else None
    if at is None:
        return steps
    return [Phase(p.key, p.label, p.dates, "done" if i < at else "current" if i == at else "upcoming")
            for i, p in enumerate(steps)]


# --- how to take part ----------------------------------------------------------------------

# The states in which a company can still take part (register, book, ask or propose).
TAKING_PART = (S.APPROVED.value, S.MARKET_DIALOGUE.value, S.OPEN.value)


def takes_part(challenge: Challenge) -> bool:
    """True while companies can still take part in the challenge."""
    return challenge.state in TAKING_PART
