"""What accounts put on the start page (core/workspace.py): an organisation's join requests and invitations.

A city's admins and a company's owners decide on requests to join and see the
invitations still open; an evaluator is told what will appear once evaluation
exists (pilots/ adds the real assignments under the same panel key). The
navigation's "Organisation" item leads to the first organisation the user
manages.
"""
from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, raiseload

from auth.models import Invitation, Membership, MembershipStatus, Organisation
from auth.permissions import organisation_ids
from auth.roles import Role
from core.extensions import db
from core.models import utcnow
from core.workspace import ITEMS_SHOWN, Count, Item, Panel, contribute

MANAGERS = (Role.CITY_ADMIN, Role.OWNER)  # who manage an organisation's people (cities' admins, companies' owners)


def managed_organisations(user: Any) -> list[Organisation]:
    """The active organisations whose people the user manages, by name (no query: memberships are loaded)."""
    ids = organisation_ids(user, MANAGERS)
    found = {m.organisation_id: m.organisation for m in user.active_memberships() if m.organisation_id in ids}
    return sorted(found.values(), key=lambda o: (o.name, o.id))


def organisation_page(user: Any) -> str | None:
    """Where the navigation's "Organisation" leads: a city's invitations, a company's join requests."""
    organisations = managed_organisations(user) if getattr(user, "is_authenticated", False) else []
    if not organisations:
        return None
    first = organisations[0]
    return url_for("auth.invitations" if first.is_city else "auth.join_requests", org_id=first.id)


def _requests(ids: set[int]) -> Select:
    """Pending requests to join the organisations, oldest first."""
    return (select(Membership).where(Membership.organisation_id.in_(ids),
                                     Membership.status == MembershipStatus.PENDING.value)
            .order_by(Membership.created_at, Membership.id))


def _invitations(ids: set[int]) -> Select:
    """The organisations' invitations not yet accepted, withdrawn or expired, soonest to expire first."""
    return (select(Invitation).where(Invitation.organisation_id.in_(ids), Invitation.accepted_at.is_(None),
                                     Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
            .order_by(Invitation.expires_at, Invitation.id))


def _count(stmt: Select) -> ColumnElement[int]:
    """The number of rows of a panel's statement, as a scalar subquery."""
    return select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()


def counts(user: Any) -> dict[str, Count]:
    """Join requests are something to do; open invitations only something to know."""
    ids = organisation_ids(user, MANAGERS)
    if not ids:
        return {}
    return {"join_requests": Count(_count(_requests(ids))),
            "invitations": Count(_count(_invitations(ids)), todo=False)}


def _rows(stmt: Select, *relations: Any) -> list[Any]:
    """The first rows of a statement with the given relations joined and nothing else."""
    options = [joinedload(relation).raiseload("*") for relation in relations] + [raiseload("*")]
    return list(db.session.scalars(stmt.options(*options).limit(ITEMS_SHOWN)))


def _manager_panels(ids: set[int], total: dict[str, int]) -> list[Panel]:
    """Requests to decide on and invitations still open, in the organisations the user manages."""
    requests = [Item(m.user.name, url_for("auth.join_requests", org_id=m.organisation_id),
                     context=m.organisation.display_name, when=m.created_at, note=m.user.email)
                for m in (_rows(_requests(ids), Membership.user, Membership.organisation)
                          if total.get("join_requests") else [])]
    invitations = [Item(i.name or i.email, url_for("auth.invitations", org_id=i.organisation_id),
                        context=i.organisation.display_name, when=i.expires_at, note=i.role_label)
                   for i in (_rows(_invitations(ids), Invitation.organisation) if total.get("invitations") else [])]
    return [
        Panel("join_requests", _l("Requests to join your organisation"), requests, order=80,
              empty=_l("People who register and ask to join your organisation appear here for your decision.")),
        Panel("invitations", _l("Open invitations"), invitations, order=85, todo=False,
              empty=_l("Invitations you send appear here until they are accepted, withdrawn or expired.")),
    ]


def panels(user: Any, total: dict[str, int]) -> list[Panel]:
    """The organisation's panels for its managers, and the evaluator's panel."""
    found: list[Panel] = []
    ids = organisation_ids(user, MANAGERS)
    if ids:
        found += _manager_panels(ids, total)
    if organisation_ids(user, [Role.EVALUATOR]):
        found.append(Panel("evaluation", _l("Evaluation assigned to you"), order=90, todo=False,
                           empty=_l("Nothing is assigned to you yet. When the evaluation of a challenge opens, "
                                    "the proposals you are asked to score appear here, each after you have "
                                    "declared whether you have a conflict of interest.")))
    return found


def init_workspace() -> None:
    """Put the organisation's panels on the start pages."""
    contribute("auth", panels=panels, counts=counts)
