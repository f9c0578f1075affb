"""The company's start-page panel "Your proposals": each proposal's state and its call's deadline."""
from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from auth.permissions import organisation_ids
from auth.roles import COMPANY_ROLES
from challenges.models import Challenge
from core.extensions import db
from core.workspace import ITEMS_SHOWN, Count, Item, Panel, contribute
from pilots.proposals.models import Proposal


def _proposals(companies: set[int]) -> Select:
    """The companies' proposals, nearest deadline first."""
    return (select(Proposal).join(Challenge, Challenge.id == Proposal.challenge_id)
            .where(Proposal.organisation_id.in_(companies)).order_by(Challenge.proposals_close_at, Proposal.id))


def counts(user: Any) -> dict[str, Count]:
    """How many proposals the user's companies have (to know, not to do)."""
    companies = organisation_ids(user, COMPANY_ROLES)
    if not companies:
        return {}
    stmt = select(func.count()).select_from(_proposals(companies).order_by(None).subquery()).scalar_subquery()
    return {"proposals": Count(stmt, todo=False)}


def panels(user: Any, total: dict[str, int]) -> list[Panel]:
    """The panel for people who act for a company; its rows only when there are any (one query)."""
    companies = organisation_ids(user, COMPANY_ROLES)
    if not companies:
        return []
    rows = (db.session.scalars(_proposals(companies).options(joinedload(Proposal.challenge))
                               .limit(ITEMS_SHOWN)) if total.get("proposals") else [])
    items = [Item(p.challenge.title, url_for("pilots.proposal_edit", challenge_id=p.challenge_id,
                                             organisation_id=p.organisation_id),
                  when=p.challenge.proposals_close_at, note=p.state_label) for p in rows]
    return [Panel("proposals", _l("Your proposals"), items, order=45, todo=False,
                  note=_l("The date is the proposal deadline (Finnish time)."),
                  empty=_l("Proposals your company writes to open calls appear here."))]


def init_workspace() -> None:
    """Put the company's proposals on the start page."""
    contribute("pilots", panels=panels, counts=counts)
