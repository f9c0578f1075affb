"""A city's challenges as its officers write them: creation, edits by section, attachments, state changes.

Every function takes domain objects and the acting user, checks its business
rules, flushes and never commits. Edits compare what changed, keep the search
document current, write a `challenge_updated` audit row, and once the
challenge is public tell its followers. `transition_challenge` is the only code
that changes a challenge's state.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from auth.models import Organisation, Role, User
from auth.permissions import organisation_ids
from challenges.models import (Attachment, Challenge, ChallengeState, Compensation, CriteriaTemplate,
                               Criterion, PilotKind, PilotSite, SiteKind, Theme)
from challenges.notifications import lifecycle
from challenges.workflow import VARIANTS, workflow_of
from core import audit
from core.extensions import db
from core.files import UploadRefused, delete_stored, store_upload
from core.i18n import to_helsinki
from core.jobs import enqueue_after_commit
from core.limits import FIRST_YEAR, LAST_YEAR, MAX_AMOUNT, has_control_characters
from core.models import lock_row, utcnow

MAX_CRITERIA = 12
MAX_SITES = 30
MAX_PILOTS = 1000
SCALE_POINTS = 6  # anchored descriptions for the scores 0 to 5

ErrorKey = str | tuple[str, int, str]


class ChallengeRefused(Exception):
    """An edit was refused; `errors` maps a form field (or row field) to a message safe to show."""

    status_code = 400

    def __init__(self, message: Any, field: ErrorKey | None = None, errors: dict[Any, Any] | None = None):
        super().__init__(str(message))
        self.message = message
        self.errors = errors if errors is not None else {field: message}


class StaleChallenge(ChallengeRefused):
    """The form was loaded from an older version of the challenge."""

    status_code = 409


class CriteriaLocked(ChallengeRefused):
    """Criteria cannot change once the call has opened."""

    status_code = 409


# --- vocabulary ----------------------------------------------------------------------------

THEMES = (
    ("learning", "Oppiminen", "Lärande", "Learning"),
    ("circular-economy", "Kiertotalous", "Cirkulär ekonomi", "Circular economy"),
    ("mobility", "Liikkuminen", "Mobilitet", "Mobility"),
    ("health-and-wellbeing", "Terveys ja hyvinvointi", "Hälsa och välbefinnande", "Health and wellbeing"),
    ("employment", "Työllisyys", "Sysselsättning", "Employment"),
    ("climate", "Ilmasto", "Klimat", "Climate"),
)

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

TEXT_FIELDS = ("language", "title_fi", "title_sv", "title_en", "summary_fi", "summary_sv", "summary_en",
               "problem", "end_users")
BUDGET_FIELDS = ("pilot_kind", "max_per_pilot", "total_budget", "pilot_count", "compensation",
                 "offers_site_access", "offers_facilitation", "offers_data", "offers_compensation",
                 "offer_details")
SCHEDULE_FIELDS = ("dialogue_starts_at", "dialogue_ends_at", "questions_close_at", "proposals_close_at",
                   "selection_on", "pilot_starts_on", "pilot_ends_on")
TERMS_FIELDS = ("ipr_terms", "reporting_duties", "personal_data_allowed")
SITE_FIELDS = ("name", "kind", "address", "host_name", "host_email")

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

_SCALE = (_l("Not addressed at all"), _l("Weak: major gaps"), _l("Fair: some gaps"), _l("Good"),
          _l("Very good"), _l("Excellent: clearly better than expected"))
DEFAULT_CRITERIA = (
    (_l("Fit to the challenge"),
     _l("How well the solution meets the need and the end users' situation."), 40),
    (_l("Feasibility of the pilot plan"),
     _l("Whether the plan, schedule and resources make the pilot doable."), 25),
    (_l("Team and competence"),
     _l("The team's experience and capacity to run the pilot."), 20),
    (_l("Impact and potential to scale"),
     _l("Expected benefits and the chance of wider use after the pilot."), 15),
)
DEFAULT_IPR_TERMS = _l("Intellectual property rights stay with the company unless stated otherwise. "
                       "The city may use the pilot's results and reports freely.")
DEFAULT_REPORTING = _l("The company reports on the pilot halfway through and at the end, and takes part "
                       "in the evaluation of the trial.")


# --- themes --------------------------------------------------------------------------------

def ensure_themes(session: Session | None = None) -> list[Theme]:
    """Create the six shared themes that are missing (idempotent); a data migration passes its session."""
    session = session or db.session
    existing = {t.slug: t for t in session.scalars(select(Theme))}
    for slug, fi, sv, en in THEMES:
        if slug not in existing:
            existing[slug] = Theme(slug=slug, name_fi=fi, name_sv=sv, name_en=en)
            session.add(existing[slug])
    session.flush()
    return [existing[slug] for slug, *_names in THEMES]


def all_themes() -> list[Theme]:
    """Every theme, by slug."""
    return list(db.session.scalars(select(Theme).order_by(Theme.slug)))


# --- helpers -------------------------------------------------------------------------------

def _clean(value: Any) -> Any:
    """Strings without surrounding space; an empty string is no value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def check_version(challenge: Challenge, seen_version: Any) -> None:
    """Refuse a form loaded from an older version of the challenge (None skips the check).

    The version is read under a row lock before anything changes: of two saves of the
    same version sent at once, the second waits for the first to commit and is refused
    here, with what its user typed kept, instead of failing at the commit.
    """
    if seen_version in (None, ""):
        return
    lock_row(challenge)
    if str(seen_version) != str(challenge.state_version):
        raise StaleChallenge(_("Someone changed this challenge after you opened the form. What you typed "
                               "is kept below: check the current challenge and save again to replace it."))


def build_search_document(challenge: Challenge) -> str:
    """The lower-case text the catalogue's search reads: titles, summaries, problem, end users, city."""
    city = challenge.city
    parts = [challenge.title_fi, challenge.title_sv, challenge.title_en, challenge.summary_fi,
             challenge.summary_sv, challenge.summary_en, challenge.problem, challenge.end_users,
             city.name, city.name_sv, city.name_en]
    return " ".join(p.strip() for p in parts if p and p.strip()).lower()


def _assign(obj: Any, values: dict[str, Any], names: tuple[str, ...]) -> list[str]:
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
    challenge.updated_at = utcnow()
    challenge.search_document = build_search_document(challenge)
    fields = sorted(set(fields))
    audit.record("challenge_updated", challenge, user, data={"fields": fields, **data})
    if challenge.published_at is not None:
        lifecycle.challenge_changed(challenge, changed_labels(fields))


def changed_labels(fields: list[str]) -> list[Any]:
    """The labels of changed fields, each once, in a stable order."""
    labels = {id(FIELD_LABELS.get(f, f)): FIELD_LABELS.get(f, f) for f in sorted(fields)}
    return list(labels.values())


# --- creation ------------------------------------------------------------------------------

def officer_cities(user: User) -> list[Organisation]:
    """The cities where the user may create challenges, by name."""
    ids = organisation_ids(user, [Role.OFFICER])
    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def create_challenge(city: Organisation, user: User, variant: str, pilot_kind: str, title_fi: str,
                     summary_fi: str, *, language: str = "fi", **texts: Any) -> Challenge:
    """A new draft challenge of a city, with the default contract terms in its language."""
    if city.id not in organisation_ids(user, [Role.OFFICER]):
        raise ChallengeRefused(_("Only the city's officers can create its challenges."), field="city_id")
    if variant not in VARIANTS:
        raise ChallengeRefused(_("Choose whether the challenge has a market dialogue."), field="variant")
    if pilot_kind not in {k.value for k in PilotKind}:
        raise ChallengeRefused(_("Choose the kind of pilot."), field="pilot_kind")
    if not _clean(title_fi) or not _clean(summary_fi):
        raise ChallengeRefused(_("Write the title and summary in Finnish."), field="title_fi")
    if language not in ("fi", "sv", "en"):
        raise ChallengeRefused(_("Choose Finnish, Swedish or English."), field="language")
    with force_locale(language):
        ipr, reporting = str(DEFAULT_IPR_TERMS), str(DEFAULT_REPORTING)
    challenge = Challenge(city=city, created_by_id=user.id, workflow=variant, pilot_kind=pilot_kind,
                          language=language, title_fi=_clean(title_fi), summary_fi=_clean(summary_fi),
                          ipr_terms=ipr, reporting_duties=reporting, personal_data_allowed=False,
                          offers_compensation=pilot_kind == PilotKind.PAID.value,
                          state=ChallengeState.DRAFT.value,
                          **{k: _clean(v) for k, v in texts.items() if k in TEXT_FIELDS})
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
    values = {k: _clean(v) for k, v in values.items() if k in TEXT_FIELDS}
    language = values.get("language") or challenge.language
    if language not in ("fi", "sv", "en"):
        raise ChallengeRefused(_("Choose Finnish, Swedish or English."), field="language")
    errors = {}
    for lang in dict.fromkeys(("fi", language)):
        for name, message in (("title", _("Write the title in this language.")),
                              ("summary", _("Write the summary in this language."))):
            if not values.get(f"{name}_{lang}", getattr(challenge, f"{name}_{lang}")):
                errors[f"{name}_{lang}"] = message
    if errors:
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    changed = _assign(challenge, values, TEXT_FIELDS)
    if theme_ids is not None:
        themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.slug)))
        if {t.id for t in themes} != {t.id for t in challenge.themes}:
            challenge.themes = themes
            changed.append("themes")
    record_change(challenge, user, changed)
    return changed


def update_budget(challenge: Challenge, user: User, values: dict[str, Any], *,
                  seen_version: Any = None) -> list[str]:
    """The kind of pilot, money (euros, VAT 0) and what the city offers; co-development has no payment."""
    check_version(challenge, seen_version)
    values = {k: _clean(v) for k, v in values.items() if k in BUDGET_FIELDS}
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
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    changed = _assign(challenge, values, BUDGET_FIELDS)
    record_change(challenge, user, changed)
    return changed


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
    return errors


def update_schedule(challenge: Challenge, user: User, values: dict[str, Any], *,
                    seen_version: Any = None) -> list[str]:
    """The dialogue, deadlines, selection and pilot dates, refused when out of order."""
    check_version(challenge, seen_version)
    # Points not given keep their current value; a form sends them all (empty ones as None).
    values = {k: values[k] if k in values else getattr(challenge, k) for k in SCHEDULE_FIELDS}
    if not challenge.has_dialogue:
        values["dialogue_starts_at"] = values["dialogue_ends_at"] = None
    errors = _dates_out_of_window(values) or schedule_errors(values)
    if errors:
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    changed = _assign(challenge, values, SCHEDULE_FIELDS)
    record_change(challenge, user, changed)
    return changed


def update_terms(challenge: Challenge, user: User, values: dict[str, Any], *,
                 seen_version: Any = None) -> list[str]:
    """The contract terms summary: rights, reporting duties, whether pupils' personal data is allowed."""
    check_version(challenge, seen_version)
    values = {k: _clean(v) for k, v in values.items() if k in TERMS_FIELDS}
    values["personal_data_allowed"] = bool(values.get("personal_data_allowed"))
    changed = _assign(challenge, values, TERMS_FIELDS)
    record_change(challenge, user, changed)
    return changed


# --- pilot sites ---------------------------------------------------------------------------

def _site_errors(index: int, row: dict[str, Any]) -> dict[Any, Any]:
    """Messages for one site row, keyed ("sites", index, field)."""
    errors: dict[Any, Any] = {}
    if not row.get("name"):
        errors[("sites", index, "name")] = _("Name the site.")
    if row.get("kind") not in {k.value for k in SiteKind}:
        errors[("sites", index, "kind")] = _("Choose the kind of site.")
    return errors


def too_many_sites() -> str:
    """The message when a challenge would get more sites than MAX_SITES."""
    return _("A challenge can have at most %(n)d pilot sites. Remove one before adding another.", n=MAX_SITES)


def add_site(challenge: Challenge, user: User, **fields: Any) -> PilotSite:
    """Add one pilot site."""
    row = {k: _clean(fields.get(k)) for k in SITE_FIELDS}
    errors = _site_errors(0, row)
    if len(challenge.sites) >= MAX_SITES:
        errors[("sites", 0, "name")] = too_many_sites()
    if errors:
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    site = PilotSite(**row)
    challenge.sites.append(site)
    record_change(challenge, user, ["sites"])
    return site


def save_sites(challenge: Challenge, user: User, rows: list[dict[str, Any]], *,
               seen_version: Any = None) -> list[str]:
    """Add, edit and remove pilot sites in one go; a row has `id` (None for a new site) and `remove`."""
    check_version(challenge, seen_version)
    by_id = {s.id: s for s in challenge.sites}
    errors: dict[Any, Any] = {}
    for index, row in enumerate(rows):
        if row.get("id") is not None and row["id"] not in by_id:
            errors[("sites", index, "name")] = _("This site is no longer part of the challenge.")
        elif not row.get("remove"):
            errors.update(_site_errors(index, {k: _clean(row.get(k)) for k in SITE_FIELDS}))
    removed = {row["id"] for row in rows if row.get("remove") and row.get("id") in by_id}
    new = [index for index, row in enumerate(rows) if row.get("id") is None and not row.get("remove")]
    if new and len(by_id) - len(removed) + len(new) > MAX_SITES:
        errors[("sites", new[-1], "name")] = too_many_sites()
    if errors:
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    changed = False
    for row in rows:
        values = {k: _clean(row.get(k)) for k in SITE_FIELDS}
        site = by_id.get(row.get("id"))
        if row.get("remove"):
            if site is not None:
                challenge.sites.remove(site)
                changed = True
        elif site is None:
            challenge.sites.append(PilotSite(**values))
            changed = True
        else:
            changed = bool(_assign(site, values, SITE_FIELDS)) or changed
    fields = ["sites"] if changed else []
    record_change(challenge, user, fields)
    return fields


# --- evaluation criteria -------------------------------------------------------------------

def template_criteria(city: Organisation) -> list[dict[str, Any]]:
    """Criteria a new challenge starts from: the city's template, else the built-in default (sums to 100)."""
    template = db.session.scalar(select(CriteriaTemplate).where(CriteriaTemplate.city_id == city.id))
    if template is not None and template.items:
        return [dict(item) for item in template.items]
    return [{"name": str(name), "description": str(description), "weight": weight, "min_score": None,
             "scale": [str(s) for s in _SCALE]} for name, description, weight in DEFAULT_CRITERIA]


def _criterion_values(item: dict[str, Any]) -> dict[str, Any]:
    """One criterion item cleaned: stripped texts and exactly six scale descriptions."""
    scale = [(_clean(s) or "") for s in (item.get("scale") or [])][:SCALE_POINTS]
    return {"name": _clean(item.get("name")), "description": _clean(item.get("description")),
            "weight": item.get("weight"), "min_score": item.get("min_score"),
            "scale": scale + [""] * (SCALE_POINTS - len(scale))}


def criteria_errors(items: list[dict[str, Any]]) -> dict[Any, Any]:
    """Messages for a criteria set: names, weights 1-100 summing to 100, minimum scores 0-5."""
    if not items:
        return {"criteria": _("Add at least one criterion.")}
    if len(items) > MAX_CRITERIA:
        return {"criteria": _("A challenge can have at most %(n)d criteria.", n=MAX_CRITERIA)}
    errors: dict[Any, Any] = {}
    for i, item in enumerate(items):
        if not item["name"]:
            errors[("criteria", i, "name")] = _("Name the criterion.")
        if not isinstance(item["weight"], int) or not 1 <= item["weight"] <= 100:
            errors[("criteria", i, "weight")] = _("The weight must be a whole number from 1 to 100.")
        minimum = item["min_score"]
        if minimum is not None and not (isinstance(minimum, int) and 0 <= minimum <= 5):
            errors[("criteria", i, "min_score")] = _("The minimum score must be from 0 to 5.")
    if not errors:
        total = sum(item["weight"] for item in items)
        if total != 100:
            errors[("criteria", 0, "weight")] = _(
                "The weights add up to %(total)d; together they must add up to exactly 100.", total=total)
    return errors


def replace_criteria(challenge: Challenge, user: User, items: list[dict[str, Any]], *,
                     seen_version: Any = None) -> list[str]:
    """Set the evaluation criteria; refused once the call has opened or when the weights do not sum to 100."""
    if challenge.criteria_locked:
        raise CriteriaLocked(_("The call is open: its criteria and weights can no longer change."),
                             field="criteria")
    check_version(challenge, seen_version)
    items = [_criterion_values(item) for item in items]
    errors = criteria_errors(items)
    if errors:
        raise ChallengeRefused(next(iter(errors.values())), errors=errors)
    before = [_criterion_values(_criterion_dict(c)) for c in challenge.criteria]
    if before == items:
        return []
    # Rows are reused in order and new ones go after the last position, so the
    # (challenge, position) constraint never clashes within the flush.
    existing = list(challenge.criteria)
    next_position = max((c.position for c in existing), default=-1) + 1
    for index, item in enumerate(items):
        if index < len(existing):
            _assign(existing[index], item, ("name", "description", "weight", "min_score", "scale"))
        else:
            challenge.criteria.append(Criterion(position=next_position, **item))
            next_position += 1
    for criterion in existing[len(items):]:
        challenge.criteria.remove(criterion)
    record_change(challenge, user, ["criteria"])
    return ["criteria"]


def _criterion_dict(criterion: Criterion) -> dict[str, Any]:
    """A stored criterion as an item."""
    return {"name": criterion.name, "description": criterion.description, "weight": criterion.weight,
            "min_score": criterion.min_score, "scale": list(criterion.scale or [])}


def criteria_items(challenge: Challenge) -> list[dict[str, Any]]:
    """The challenge's criteria as items (for forms), in order."""
    return [_criterion_values(_criterion_dict(c)) for c in challenge.criteria]


# --- attachments ---------------------------------------------------------------------------

def attachments_of(challenge: Challenge) -> list[Attachment]:
    """The challenge's attachments, oldest first, in one query."""
    return list(db.session.scalars(select(Attachment).where(Attachment.challenge_id == challenge.id)
                                   .order_by(Attachment.id)))


def add_attachment(challenge: Challenge, user: User, upload: FileStorage, title: str) -> Attachment:
    """Check and store a file under a random name and attach it to the challenge."""
    # Check everything that could refuse the row before the file is written.
    if not _clean(title):
        raise ChallengeRefused(_("Give the attachment a title."), field="title")
    if len(_clean(title)) > 200 or has_control_characters(title):
        raise ChallengeRefused(_("Write the title on one line, in at most 200 characters."), field="title")
    try:
        stored = store_upload(upload)
    except UploadRefused as exc:
        raise ChallengeRefused(exc.args[0], field="file") from exc
    attachment = Attachment(challenge_id=challenge.id, title=_clean(title), stored_name=stored.stored_name,
                            original_name=stored.original_name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    record_change(challenge, user, ["attachments"], attachment=attachment.title, change="added")
    return attachment


def delete_attachment(attachment: Attachment, user: User) -> None:
    """Remove an attachment; its file is deleted once the removal is committed."""
    challenge = db.session.get(Challenge, attachment.challenge_id)
    title, stored_name = attachment.title, attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    enqueue_after_commit(delete_stored, stored_name)
    record_change(challenge, user, ["attachments"], attachment=title, change="removed")


# --- lifecycle -----------------------------------------------------------------------------

def transition_challenge(challenge: Challenge, action: str, user: User | None, comment: str | None = None,
                         seen_state: str | None = None) -> audit.AuditEntry:
    """Take a workflow action (user None is the system); the only code that changes a challenge's state."""
    return workflow_of(challenge).apply(challenge, action, user, comment=comment, seen_state=seen_state)
