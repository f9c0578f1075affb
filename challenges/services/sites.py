"""A challenge's pilot sites: the schools, day-care centres and other places where pilots run."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from auth.models import User
from challenges.models import Challenge, PilotSite, SiteKind
from challenges.services.challenges import assign, check_version, clean, record_change
from core.refusals import Refused

MAX_SITES = 30
SITE_FIELDS = ("name", "kind", "address", "host_name", "host_email")


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
            errors.update(_site_errors(index, {k: clean(row.get(k)) for k in SITE_FIELDS}))
    removed = {row["id"] for row in rows if row.get("remove") and row.get("id") in by_id}
    new = [index for index, row in enumerate(rows) if row.get("id") is None and not row.get("remove")]
    if new and len(by_id) - len(removed) + len(new) > MAX_SITES:
        errors[("sites", new[-1], "name")] = too_many_sites()
    if errors:
        raise Refused.with_errors(errors)
    changed = False
    for row in rows:
        values = {k: clean(row.get(k)) for k in SITE_FIELDS}
        site = by_id.get(row.get("id"))
        if row.get("remove"):
            if site is not None:
                challenge.sites.remove(site)
                changed = True
        elif site is None:
            challenge.sites.append(PilotSite(**values))
            changed = True
        else:
            changed = bool(assign(site, values, SITE_FIELDS)) or changed
    fields = ["sites"] if changed else []
    record_change(challenge, user, fields)
    return fields

