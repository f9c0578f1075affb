"""A challenge's evaluation criteria and weights, the city's template and the built-in default."""
from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import Organisation, User
from challenges.models import Challenge, CriteriaTemplate, Criterion
from challenges.services.challenges import assign, check_version, clean, record_change
from core.extensions import db
from core.refusals import Conflict, Refused

MAX_CRITERIA = 12
SCALE_POINTS = 6  # anchored descriptions for the scores 0 to 5
# A criterion's public texts: name and description are Finnish, the others their translations.
TEXTS = ("name", "name_sv", "name_en", "description", "description_sv", "description_en")
_SUFFIX = {"fi": "", "sv": "_sv", "en": "_en"}

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


def template_criteria(city: Organisation) -> list[dict[str, Any]]:
    """Criteria a new challenge starts from: the city's template, else the built-in default (sums to 100)."""
    template = db.session.scalar(select(CriteriaTemplate).where(CriteriaTemplate.city_id == city.id))
    if template is not None and template.items:
        return [_criterion_values(item) for item in template.items]
    return [_criterion_values(item) for item in _default_items()]


def _default_items() -> list[dict[str, Any]]:
    """The built-in criteria with their name and description in every language, the scale in Finnish."""
    items = []
    for name, description, weight in DEFAULT_CRITERIA:
        item: dict[str, Any] = {"weight": weight, "min_score": None}
        for language, suffix in _SUFFIX.items():
            with force_locale(language):
                item.update({f"name{suffix}": str(name), f"description{suffix}": str(description)})
        with force_locale("fi"):
            item["scale"] = [str(s) for s in _SCALE]
        items.append(item)
    return items


def start_criteria(challenge: Challenge, city: Organisation) -> None:
    """Give a new challenge its city's template criteria as saved rows, which the officer then adjusts.

    A template that would not pass as criteria (a row without a name, weights not summing to 100) is
    not saved: the criteria form then offers it filled in, for the officer to correct.
    """
    items = template_criteria(city)
    if criteria_errors(items):
        return
    for position, item in enumerate(items):
        challenge.criteria.append(Criterion(position=position, **item))


def _criterion_values(item: dict[str, Any]) -> dict[str, Any]:
    """One criterion item cleaned: stripped texts and exactly six scale descriptions."""
    scale = [(clean(s) or "") for s in (item.get("scale") or [])][:SCALE_POINTS]
    return {**{name: clean(item.get(name)) for name in TEXTS},
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
        raise Conflict(_("The call is open: its criteria and weights can no longer change."),
                             field="criteria")
    check_version(challenge, seen_version)
    items = [_criterion_values(item) for item in items]
    errors = criteria_errors(items)
    if errors:
        raise Refused.with_errors(errors)
    before = [_criterion_values(_criterion_dict(c)) for c in challenge.criteria]
    if before == items:
        return []
    # Rows are reused in order and new ones go after the last position, so the
    # (challenge, position) constraint never clashes within the flush.
    existing = list(challenge.criteria)
    next_position = max((c.position for c in existing), default=-1) + 1
    for index, item in enumerate(items):
        if index < len(existing):
            assign(existing[index], item, (*TEXTS, "weight", "min_score", "scale"))
        else:
            challenge.criteria.append(Criterion(position=next_position, **item))
            next_position += 1
    for criterion in existing[len(items):]:
        challenge.criteria.remove(criterion)
    record_change(challenge, user, ["criteria"])
    return ["criteria"]


def _criterion_dict(criterion: Criterion) -> dict[str, Any]:
    """A stored criterion as an item."""
    return {**{name: getattr(criterion, name) for name in TEXTS}, "weight": criterion.weight,
            "min_score": criterion.min_score, "scale": list(criterion.scale or [])}


def criteria_items(challenge: Challenge) -> list[dict[str, Any]]:
    """The challenge's criteria as items (for forms), in order."""
    return [_criterion_values(_criterion_dict(c)) for c in challenge.criteria]

