"""A city's challenge record as its officers write it: creation, texts, budget, schedule, terms, state changes.

Every function takes domain objects and the acting user, checks its business
rules, flushes and never commits. Edits compare what changed, keep the search
document current, write a `challenge_updated` audit row, and once the
challenge is public tell its followers. Only an editable state may change
(awaiting approval is not: the decision maker approves what they read). After
publication a change of the budget, schedule or terms needs a reason and is
audited as `challenge_amended` with its old and new values: the public page's
change log and the followers' email read them. `transition_challenge` is the
only code that changes a challenge's state. Themes, sites, criteria and
attachments have modules of their own and share the helpers defined here.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import raiseload

from auth.models import Organisation, User
from auth.permissions import organisation_ids
from auth.roles import Role
from challenges.models import Challenge, ChallengeState, Compensation, PilotKind, Question, Theme
from challenges.notifications import lifecycle
from challenges.ownership import owning_cities, start_ownership
from challenges.permissions import EDITABLE_STATES, managed_challenges
from challenges.services.dialogue.common import ANSWER_CUTOFF
from challenges.workflow import VARIANTS, workflow_of
from core import audit
from core.dates import format_datetime
from core.extensions import db
from core.i18n import FALLBACK_LANGUAGE, LANGUAGES, supported, to_helsinki, translations
from core.limits import FIRST_YEAR, LAST_YEAR, MAX_AMOUNT
from core.models import lock_row, utcnow
from core.pagination import Page, keyset_page
from core.refusals import Conflict, Refused, Stale, refuse_if

MAX_PILOTS = 1000
STAFF_PAGE_SIZE = 25


# --- vocabulary ----------------------------------------------------------------------------

# What each changed field is called in the timeline and in the followers' email;
# fields that share a label share one object, so the label is listed once.
_OFFER, _BUDGET, _DIALOGUE = _l("what the city offers"), _l("budget"), _l("market dialogue dates")
_PILOT_DATES, _TERMS = _l("pilot dates"), _l("contract terms")
FIELD_LABELS = {
    "language": _l("authoritative language"),
    "title_fi": _l("title in Finnish"), "title_sv": _l("title in Swedish"),
    "title_en": _l("title in English"),
    "summary_fi": _l("summary in Finnish"), "summary_sv": _l("summary in Swedish"),
    "summary_en": _l("summary in English"),
    "problem": _l("problem statement"), "end_users": _l("end users"), "themes": _l("themes"),
    "sites": _l("pilot sites"),
    "offers_site_access": _OFFER, "offers_facilitation": _OFFER, "offers_data": _OFFER,
    "offers_compensation": _OFFER, "offer_details": _OFFER,
    "pilot_kind": _l("kind of pilot"), "max_per_pilot": _BUDGET, "total_budget": _BUDGET,
    "pilot_count": _l("number of pilots"), "compensation": _l("compensation"),
    "dialogue_starts_at": _DIALOGUE, "dialogue_ends_at": _DIALOGUE,
    "questions_close_at": _l("question deadline"), "proposals_close_at": _l("proposal deadline"),
    "selection_on": _l("selection date"), "pilot_starts_on": _PILOT_DATES, "pilot_ends_on": _PILOT_DATES,
    "criteria": _l("evaluation criteria"),
    "ipr_terms": _TERMS, "reporting_duties": _TERMS, "personal_data_allowed": _TERMS,
    "attachments": _l("attachments"),
}
# The Swedish and English versions of a text are called what its Finnish one is.
FIELD_LABELS.update({f"{name}_{lang}": FIELD_LABELS[name] for name in (
    "problem", "end_users", "offer_details", "ipr_terms", "reporting_duties") for lang in ("sv", "en")})


def versions(*names: str) -> tuple[str, ...]:
    """Each text column and its Swedish and English versions (the plain column is the Finnish one)."""
    return tuple(f"{name}{suffix}" for name in names for suffix in ("", "_sv", "_en"))


TEXT_FIELDS = ("language", *(f"{name}_{lang}" for name in ("title", "summary") for lang in LANGUAGES),
               *versions("problem", "end_users"))
BUDGET_FIELDS = ("pilot_kind", "max_per_pilot", "total_budget", "pilot_count", "compensation",
                 "offers_site_access", "offers_facilitation", "offers_data", "offers_compensation",
                 *versions("offer_details"))
SCHEDULE_FIELDS = ("dialogue_starts_at", "dialogue_ends_at", "questions_close_at", "proposals_close_at",
                   "selection_on", "pilot_starts_on", "pilot_ends_on")
TERMS_FIELDS = (*versions("ipr_terms", "reporting_duties"), "personal_data_allowed")

# The schedule in order; True where the later date must be strictly after the earlier one.
SCHEDULE_ORDER = (("dialogue_starts_at", True), ("dialogue_ends_at", False), ("questions_close_at", True),
                  ("proposals_close_at", True), ("selection_on", False), ("pilot_starts_on", True),
                  ("pilot_ends_on", None))
SCHEDULE_MESSAGES = {
    ("dialogue_starts_at", "dialogue_ends_at"): _l("The dialogue must end after it starts."),
    ("dialogue_ends_at", "questions_close_at"):
        _l("The question deadline cannot be before the dialogue ends."),
    ("questions_close_at", "proposals_close_at"):
        _l("The proposal deadline must be after the question deadline."),
    ("proposals_close_at", "selection_on"): _l("The selection date must be after the proposal deadline."),
    ("selection_on", "pilot_starts_on"): _l("Pilots cannot start before the selection date."),
    ("pilot_starts_on", "pilot_ends_on"): _l("Pilots must end after they start."),
}
SCHEDULE_NAMES = {
    "dialogue_starts_at": _l("the start of the dialogue"), "dialogue_ends_at": _l("the end of the dialogue"),
    "questions_close_at": _l("the question deadline"), "proposals_close_at": _l("the proposal deadline"),
    "selection_on": _l("the selection date"), "pilot_starts_on": _l("the start of the pilots"),
}

# After publication the budget, schedule and terms change only with a reason, kept with old and new values.
AMENDED_ACTION = "challenge_amended"  # the audit action of a change after publication

DEFAULT_IPR_TERMS = _l("Intellectual property rights stay with the company unless stated otherwise. "
                       "The city may use the pilot's results and reports freely.")
DEFAULT_REPORTING = _l("The company reports on the pilot halfway through and at the end, and takes part "
                       "in the evaluation of the trial.")


# --- helpers -------------------------------------------------------------------------------

def clean(value: Any) -> Any:
    """Strings without surrounding space; an empty string is no value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# Said by the service (409) and by the edit pages (403), which refuse before showing a form.
AWAITING_APPROVAL_REFUSAL = _l("The challenge is awaiting approval, so it cannot be edited. To change it, "
                               "return it to draft first; it then needs approval again.")


def require_editable(challenge: Challenge) -> None:
    """Refuse (409) a change to a challenge whose state is not editable, saying what to do instead."""
    if challenge.state in EDITABLE_STATES:
        return
    if challenge.state == ChallengeState.AWAITING_APPROVAL.value:
        raise Conflict(str(AWAITING_APPROVAL_REFUSAL))
    raise Conflict(_("The challenge can no longer be edited in its current state."))


def check_version(challenge: Challenge, seen_version: Any) -> None:
    """Refuse an edit of a challenge that is not editable, or from a form of an older version (None skips that).

    The version is read under a row lock before anything changes: of two saves of the
    same version sent at once, the second waits for the first to commit and is refused
    here, with what its user typed kept, instead of failing at the commit.
    """
    require_editable(challenge)
    if seen_version in (None, ""):
        return
    lock_row(challenge)
    if str(seen_version) != str(challenge.state_version):
        raise Stale(_("Someone changed this challenge after you opened the form. What you typed "
                               "is kept below: check the current challenge and save again to replace it."))


def build_search_document(challenge: Challenge) -> str:
    """The lower-case text the catalogue's search reads: titles, summaries, problem, end users, owning cities.

    Every language's version goes in, so a word of any of them finds the challenge.
    """
    cities = [name for city in owning_cities(challenge) for name in translations(city, "name", finnish="name")]
    parts = [*translations(challenge, "title"), *translations(challenge, "summary"),
             *translations(challenge, "problem", finnish="problem"),
             *translations(challenge, "end_users", finnish="end_users"), *cities]
    return " ".join(p.strip() for p in parts if p and p.strip()).lower()


def assign(obj: Any, values: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """Set the named values that differ on obj; returns the names that changed."""
    changed = []
    for name in names:
        if name in values and getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed.append(name)
    return changed


def record_change(challenge: Challenge, user: User | None, fields: list[str], **data: Any) -> None:
    """After an edit: bump the version, refresh the search text, audit, and tell followers once public."""
    if not fields:
        return
    require_editable(challenge)
    challenge.updated_at = utcnow()
    challenge.search_document = build_search_document(challenge)
    fields = sorted(set(fields))
    audit.record("challenge_updated", challenge, user, data={"fields": fields, **data})
    if challenge.published_at is not None:
        lifecycle.challenge_changed(challenge, fields)


def _stored(value: Any) -> Any:
    """A value as the audit log's JSON keeps it: amounts and dates as ISO text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def amend(challenge: Challenge, user: User, values: dict[str, Any], names: tuple[str, ...],
          reason: str | None) -> list[str]:
    """Assign the values and record the edit; after publication, a change needs a reason and keeps old and new.

    Before publication this is an ordinary edit (`record_change`). After it, the
    audit row `challenge_amended` holds each field's old and new value and the
    reason as its comment, and the followers' email says what changed from what to what.
    """
    if challenge.published_at is None:
        changed = assign(challenge, values, names)
        record_change(challenge, user, changed)
        return changed
    before = {name: getattr(challenge, name) for name in names}
    fields = sorted(n for n in names if n in values and before[n] != values[n])
    if not fields:
        return []
    reason = clean(reason)
    refuse_if(not reason, _("Say why the published challenge changes: the reason is shown in its public "
                            "change log and sent to its followers."), "reason")
    require_editable(challenge)
    changed = assign(challenge, values, names)
    changes = [{"field": f, "old": _stored(before[f]), "new": _stored(getattr(challenge, f))} for f in fields]
    challenge.updated_at = utcnow()
    audit.record("challenge_amended", challenge, user, comment=reason, data={"fields": fields, "changes": changes})
    lifecycle.challenge_changed(challenge, fields, changes=changes, reason=reason)
    return changed


def changed_labels(fields: list[str]) -> list[Any]:
    """The labels of changed fields, each once, in a stable order."""
    labels = {id(FIELD_LABELS.get(f, f)): FIELD_LABELS.get(f, f) for f in sorted(fields)}
    return list(labels.values())


def default_terms() -> dict[str, str]:
    """The default rights and reporting duties in Finnish, Swedish and English, by column."""
    terms = {}
    for language in LANGUAGES:
        suffix = "" if language == FALLBACK_LANGUAGE else f"_{language}"
        with force_locale(language):
            terms[f"ipr_terms{suffix}"] = str(DEFAULT_IPR_TERMS)
            terms[f"reporting_duties{suffix}"] = str(DEFAULT_REPORTING)
    return terms


# --- the staff list and creation ----------------------------------------------------------

def staff_challenges(user: User, state: str | None = None, after: int | None = None,
                     size: int = STAFF_PAGE_SIZE) -> Page[Challenge]:
    """The challenges of the user's cities (all for platform admins), in a state if given, newest first."""
    stmt = managed_challenges(user)
    if state:
        stmt = stmt.where(Challenge.state == state)
    # The list shows none of these; raising keeps a later template change from querying per row.
    return keyset_page(stmt, (Challenge.id.desc(),), after, size, cursor=Challenge.id,
                       options=[raiseload(Challenge.sites), raiseload(Challenge.criteria),
                                raiseload(Challenge.themes)])


def unanswered_questions(challenges: list[Challenge]) -> dict[int, int]:
    """How many questions wait for an answer, per challenge id (absent: none), counted in one query."""
    ids = [c.id for c in challenges]
    if not ids:
        return {}
    rows = db.session.execute(select(Question.challenge_id, func.count(Question.id))
                              .where(Question.challenge_id.in_(ids), Question.answer.is_(None))
                              .group_by(Question.challenge_id))
    return {challenge_id: count for challenge_id, count in rows}


def officer_cities(user: User) -> list[Organisation]:
    """The cities where the user may create challenges, by name."""
    ids = organisation_ids(user, [Role.OFFICER])
    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def create_challenge(city: Organisation, user: User, variant: str, pilot_kind: str, title_fi: str,
                     summary_fi: str, *, language: str = FALLBACK_LANGUAGE, **texts: Any) -> Challenge:
    """A new draft challenge led by a city, with the default contract terms in every language."""
    if city.id not in organisation_ids(user, [Role.OFFICER]):
        raise Refused(_("Only the city's officers can create its challenges."), field="city_id")
    if variant not in VARIANTS:
        raise Refused(_("Choose whether the challenge has a market dialogue."), field="variant")
    if pilot_kind not in {k.value for k in PilotKind}:
        raise Refused(_("Choose the kind of pilot."), field="pilot_kind")
    if not clean(title_fi) or not clean(summary_fi):
        raise Refused(_("Write the title and summary in Finnish."), field="title_fi")
    refuse_if(not supported(language), _("Choose Finnish, Swedish or English."), "language")
    challenge = Challenge(created_by_id=user.id, workflow=variant, pilot_kind=pilot_kind,
                          language=language, title_fi=clean(title_fi), summary_fi=clean(summary_fi),
                          **default_terms(), personal_data_allowed=False,
                          offers_compensation=pilot_kind == PilotKind.PAID.value,
                          state=ChallengeState.DRAFT.value,
                          **{k: clean(v) for k, v in texts.items() if k in TEXT_FIELDS})
    start_ownership(challenge, city)
    from challenges.services.criteria import start_criteria  # criteria.py builds on this module
    start_criteria(challenge, city)
    challenge.search_document = build_search_document(challenge)
    db.session.add(challenge)
    db.session.flush()
    audit.record("challenge_created", challenge, user, to_state=challenge.state,
                 data={"workflow": variant, "pilot_kind": pilot_kind})
    return challenge


# --- sections ------------------------------------------------------------------------------

def update_texts(challenge: Challenge, user: User, values: dict[str, Any], *,
                 theme_ids: list[int] | None = None, seen_version: Any = None) -> list[str]:
    """Titles and summaries (Finnish and the authoritative language required), problem, end users, themes."""
    check_version(challenge, seen_version)
    values = {k: clean(v) for k, v in values.items() if k in TEXT_FIELDS}
    language = values.get("language") or challenge.language
    refuse_if(not supported(language), _("Choose Finnish, Swedish or English."), "language")
    errors = {}
    for lang in dict.fromkeys((FALLBACK_LANGUAGE, language)):
        for name, message in (("title", _("Write the title in this language.")),
                              ("summary", _("Write the summary in this language."))):
            if not values.get(f"{name}_{lang}", getattr(challenge, f"{name}_{lang}")):
                errors[f"{name}_{lang}"] = message
    if errors:
        raise Refused.with_errors(errors)
    changed = assign(challenge, values, TEXT_FIELDS)
    if theme_ids is not None:
        themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.slug)))
        if {t.id for t in themes} != {t.id for t in challenge.themes}:
            challenge.themes = themes
            changed.append("themes")
    record_change(challenge, user, changed)
    return changed


def update_budget(challenge: Challenge, user: User, values: dict[str, Any], *,
                  seen_version: Any = None, reason: str | None = None) -> list[str]:
    """The kind of pilot, money (euros, VAT 0) and what the city offers; co-development has no payment."""
    check_version(challenge, seen_version)
    values = {k: clean(v) for k, v in values.items() if k in BUDGET_FIELDS}
    kind = values.get("pilot_kind") or challenge.pilot_kind
    errors: dict[Any, Any] = {}
    if kind not in {k.value for k in PilotKind}:
        errors["pilot_kind"] = _("Choose the kind of pilot.")
    if values.get("compensation", challenge.compensation) not in {c.value for c in Compensation}:
        errors["compensation"] = _("Choose how the compensation is set.")
    if kind == PilotKind.CO_DEVELOPMENT.value:
        for name in ("max_per_pilot", "total_budget"):
            if values.get(name) is not None:
                errors[name] = _("A free co-development has no payment: leave this empty.")
        if values.get("offers_compensation"):
            errors["offers_compensation"] = _("A free co-development has no payment.")
    for name in ("max_per_pilot", "total_budget"):
        if values.get(name) is not None:
            errors.update(_amount_errors(name, values[name]))
    if values.get("pilot_count") is not None and values["pilot_count"] < 1:
        errors["pilot_count"] = _("There must be at least one pilot.")
    elif values.get("pilot_count") is not None and values["pilot_count"] > MAX_PILOTS:
        errors["pilot_count"] = _("Enter a number of pilots from 1 to %(max)d.", max=MAX_PILOTS)
    maximum, total = values.get("max_per_pilot"), values.get("total_budget")
    if maximum is not None and total is not None and not errors.keys() & {"max_per_pilot", "total_budget"} \
            and total < maximum:
        errors["total_budget"] = _("The total budget cannot be less than the maximum per pilot.")
    if errors:
        raise Refused.with_errors(errors)
    return amend(challenge, user, values, BUDGET_FIELDS, reason)


def _amount_errors(name: str, value: Any) -> dict[str, Any]:
    """A message when an amount is not a finite number of euros that Numeric(12, 2) can hold."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        return {name: _("Enter an amount in digits, such as 15000 or 15000.50.")}
    if abs(amount) >= MAX_AMOUNT:
        return {name: _("The amount is too large.")}
    if amount < 0:
        return {name: _("The amount cannot be negative.")}
    return {}


def _comparable(earlier: date | datetime, later: date | datetime) -> tuple[Any, Any]:
    """Two schedule points on one footing: a date against a deadline compares Helsinki dates."""
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        return earlier, later
    as_date = [to_helsinki(v).date() if isinstance(v, datetime) else v for v in (earlier, later)]
    return as_date[0], as_date[1]


def _dates_out_of_window(values: dict[str, Any]) -> dict[str, Any]:
    """Messages for dates outside FIRST_YEAR..LAST_YEAR (year 1 would overflow the time zone arithmetic)."""
    message = _("Enter a date between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    return {name: message for name, value in values.items()
            if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR}


def schedule_errors(values: dict[str, Any]) -> dict[str, Any]:
    """Messages for schedule points out of order, keyed by the later field."""
    errors: dict[str, Any] = {}
    previous: tuple[str, Any] | None = None
    strict = False
    for name, strict_after in SCHEDULE_ORDER:
        value = values.get(name)
        if value is None:  # a missing point passes its strictness on to the next present one
            strict = strict or bool(strict_after)
            continue
        if previous is not None:
            a, b = _comparable(previous[1], value)
            if b < a or (strict and b == a):
                errors[name] = SCHEDULE_MESSAGES.get((previous[0], name)) or _l(
                    "This date is out of order: it must come after %(earlier)s.",
                    earlier=SCHEDULE_NAMES[previous[0]])
        previous, strict = (name, value), bool(strict_after)
    return errors or _six_day_errors(values)


def _six_day_errors(values: dict[str, Any]) -> dict[str, Any]:
    """Questions must close by the answer deadline (directive 2014/24 art. 53), said with the date that would do.

    Every answer is published at least six days before proposals close
    (challenges.services.dialogue.answer_deadline), so no question may be asked after that moment.
    """
    questions, proposals = values.get("questions_close_at"), values.get("proposals_close_at")
    if questions is None or proposals is None or questions <= proposals - ANSWER_CUTOFF:
        return {}
    latest = format_datetime(proposals - ANSWER_CUTOFF)
    return {"questions_close_at": _(
        "Answers must be public at least six days before proposals close, so questions must close by "
        "%(latest)s (Finnish time) at the latest.", latest=latest)}


def update_schedule(challenge: Challenge, user: User, values: dict[str, Any], *,
                    seen_version: Any = None, reason: str | None = None) -> list[str]:
    """The dialogue, deadlines, selection and pilot dates, refused when out of order or against the six-day rule."""
    check_version(challenge, seen_version)
    # Points not given keep their current value; a form sends them all (empty ones as None).
    values = {k: values[k] if k in values else getattr(challenge, k) for k in SCHEDULE_FIELDS}
    if not challenge.has_dialogue:
        values["dialogue_starts_at"] = values["dialogue_ends_at"] = None
    errors = _dates_out_of_window(values) or schedule_errors(values)
    if errors:
        raise Refused.with_errors(errors)
    return amend(challenge, user, values, SCHEDULE_FIELDS, reason)


def update_terms(challenge: Challenge, user: User, values: dict[str, Any], *,
                 seen_version: Any = None, reason: str | None = None) -> list[str]:
    """The contract terms summary: rights, reporting duties, whether pupils' personal data is allowed."""
    check_version(challenge, seen_version)
    values = {k: clean(v) for k, v in values.items() if k in TERMS_FIELDS}
    values["personal_data_allowed"] = bool(values.get("personal_data_allowed"))
    return amend(challenge, user, values, TERMS_FIELDS, reason)


# --- lifecycle -----------------------------------------------------------------------------

def transition_challenge(challenge: Challenge, action: str, user: User | None, comment: str | None = None,
                         seen_state: str | None = None) -> audit.AuditEntry:
    """Take a workflow action (user None is the system); the only code that changes a challenge's state."""
    return workflow_of(challenge).apply(challenge, action, user, comment=comment, seen_state=seen_state)
