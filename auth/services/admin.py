"""Administration of people and organisations: listing in scope, (de)activation, roles, organisations."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from auth.models import ROLES_BY_KIND, Membership, Organisation, OrgKind, User
from auth.permissions import (can_change_roles, is_platform_admin, organisation_ids, visible_organisations,
                              visible_users)
from auth.roles import Role
from auth.services.accounts import add_membership
from core import audit
from core.audit import AuditEntry
from core.extensions import db
from core.pagination import Page, keyset_page
from core.refusals import Refused
from core.search import contains_text

PAGE_SIZE = 25
ORGANISATION_FIELDS = ("slug", "name", "name_sv", "name_en", "business_id", "is_sme", "bilingual", "is_active")


def _search(stmt: Select, q: str | None, *columns: Any) -> Select:
    """Filter stmt to rows where any of columns contains q, case-insensitively."""
    q = (q or "").strip().lower()
    if not q:
        return stmt
    return stmt.where(or_(*(contains_text(func.lower(c), q) for c in columns)))


def list_users(admin: User, q: str | None = None, after: int | None = None,
               size: int = PAGE_SIZE) -> Page[User]:
    """People the admin may see, matching q over name and email; memberships loaded in one query."""
    stmt = _search(visible_users(admin), q, User.name, User.email)
    return keyset_page(stmt, (User.name, User.id), after, size, cursor=User.id,
                       options=[selectinload(User.memberships).joinedload(Membership.organisation)])


def list_organisations(admin: User, q: str | None = None, after: int | None = None,
                       size: int = PAGE_SIZE) -> Page[Organisation]:
    """Organisations the admin may see, matching q over names, slug and business ID."""
    stmt = _search(visible_organisations(admin), q, Organisation.name, Organisation.name_sv,
                   Organisation.name_en, Organisation.slug, Organisation.business_id)
    return keyset_page(stmt, (Organisation.name, Organisation.id), after, size, cursor=Organisation.id)


def grantable_organisations(admin: User) -> list[Organisation]:
    """The organisations where the admin may give roles, by name: every active one for a platform admin."""
    if is_platform_admin(admin):
        stmt = select(Organisation).where(Organisation.is_active.is_(True))
    else:
        stmt = select(Organisation).where(Organisation.id.in_(organisation_ids(admin, [Role.CITY_ADMIN])))
    return list(db.session.scalars(stmt.order_by(Organisation.name)))


def organisation_scope(admin: User) -> set[int] | None:
    """Ids of the organisations whose roles and history the admin may see; None means all of them."""
    return None if is_platform_admin(admin) else organisation_ids(admin, [Role.CITY_ADMIN])


def in_scope(scope: set[int] | None, organisation_id: int | None) -> bool:
    """True when something about organisation_id may be shown (None: not about an organisation)."""
    return scope is None or organisation_id is None or organisation_id in scope


def find_visible_user(admin: User, user_id: int) -> User | None:
    """The user with this id if the admin may see them; None hides whether they exist."""
    return db.session.scalar(visible_users(admin).where(User.id == user_id))


def recent_entries(user: User, scope: set[int] | None, before: int | None = None,
                   limit: int = 20) -> audit.Timeline:
    """A page of the audit entries about a user, newest first, actors loaded, within the admin's scope."""
    page = audit.timeline(user, before, limit)
    # Entries about another organisation's roles are filtered here: the JSON column is not portable SQL.
    return audit.Timeline([e for e in page.entries if in_scope(scope, (e.data or {}).get("organisation_id"))],
                          page.older)


def organisations_named_in(entries: list[AuditEntry]) -> dict[int, Organisation]:
    """The organisations that audit entries refer to in their data, by id, in one query."""
    ids = {e.data.get("organisation_id") for e in entries if isinstance(e.data, dict)} - {None}
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


def deactivate_user(target: User, actor: User) -> User:
    """Stop an account from logging in; its open sessions end at once."""
    if target.id == actor.id:
        raise Refused(_("You cannot deactivate your own account."))
    if target.active:
        target.active = False
        target.session_version += 1
        audit.record("user_deactivated", target, actor)
    return target


def reactivate_user(target: User, actor: User) -> User:
    """Let a deactivated account log in again."""
    if not target.active:
        target.active = True
        audit.record("user_reactivated", target, actor)
    return target


def _check_role_change(target: User, actor: User) -> None:
    """Refuse a role change the actor may not make; above all, one to their own roles."""
    if can_change_roles(actor, target):
        return
    if target.id == actor.id:
        raise Refused(_("You cannot change your own roles: another administrator does it for you."))
    raise Refused(_("You may not change the roles of this person."))


def grant_role(target: User, organisation: Organisation, role: str, actor: User) -> Membership:
    """Give a person a role that the organisation's kind hands out (audited by add_membership)."""
    _check_role_change(target, actor)
    if role not in {r.value for r in ROLES_BY_KIND[OrgKind(organisation.kind)]}:
        raise Refused(_("%(kind)s organisations do not have this role.", kind=organisation.kind_label),
                           field="role")
    return add_membership(target, organisation, role, actor)


def remove_membership(membership: Membership, actor: User) -> None:
    """Take a role away from a person."""
    user = membership.user
    _check_role_change(user, actor)
    data = {"organisation_id": membership.organisation_id, "role": membership.role,
            "status": membership.status}
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    audit.record("membership_removed", user, actor, data=data)


def create_organisation(kind: str, fields: dict[str, Any], actor: User) -> Organisation:
    """A new organisation of a kind, with a unique slug and business ID."""
    organisation = Organisation(kind=OrgKind(kind).value)
    _apply(organisation, fields)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation_created", organisation, actor, data={"kind": organisation.kind})
    return organisation


def update_organisation(organisation: Organisation, fields: dict[str, Any], actor: User) -> Organisation:
    """Change an organisation's names, identifiers and status (its kind stays)."""
    changed = _apply(organisation, fields)
    if changed:
        db.session.flush()
        audit.record("organisation_updated", organisation, actor, data={"fields": changed})
    return organisation


def _apply(organisation: Organisation, fields: dict[str, Any]) -> list[str]:
    """Set the editable fields after checking uniqueness and the business ID rule; returns those changed."""
    values = {key: fields.get(key) for key in ORGANISATION_FIELDS if key in fields}
    values["business_id"] = (values.get("business_id") or "").strip() or None
    if organisation.kind != OrgKind.COMPANY.value:
        values["is_sme"] = None  # the SME question is asked of companies only
    if organisation.kind != OrgKind.CITY.value:
        values["bilingual"] = False  # only a city's public texts need a Swedish version
    _check_unique(organisation, "slug", values.get("slug"),
                  _("Another organisation already uses this short name."))
    _check_unique(organisation, "business_id", values["business_id"],
                  _("Another organisation already has this business ID."))
    if organisation.kind == OrgKind.COMPANY.value and not values["business_id"]:
        raise Refused(_("A company needs a business ID."), field="business_id")
    changed = sorted(key for key, value in values.items() if getattr(organisation, key) != value)
    for key in changed:
        setattr(organisation, key, values[key])
    return changed


def _check_unique(organisation: Organisation, column: str, value: Any, message: Any) -> None:
    """Refuse a value another organisation already holds in a unique column."""
    if value is None:
        return
    stmt = select(Organisation.id).where(getattr(Organisation, column) == value)
    if organisation.id is not None:
        stmt = stmt.where(Organisation.id != organisation.id)
    if db.session.scalar(stmt) is not None:
        raise Refused(message, field=column)
