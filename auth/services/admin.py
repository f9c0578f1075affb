"""Administration of people and organisations: listing in scope, (de)activation, roles, organisations."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from auth.models import ROLES_BY_KIND, Membership, Organisation, OrgKind, Role, User
from auth.permissions import (can_change_roles, is_platform_admin, organisation_ids, visible_organisations,
                              visible_users)
from auth.services.accounts import add_membership
from core import audit
from core.audit import AuditEntry
from core.extensions import db

PAGE_SIZE = 25
ORGANISATION_FIELDS = ("slug", "name", "name_sv", "name_en", "business_id", "is_sme", "is_active")
T = TypeVar("T")


class AdminRefused(Exception):
    """An administrative action was refused; `message` is safe to show, `field` names the form field."""

    def __init__(self, message: Any, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class Page(Generic[T]):
    """One page of a keyset-paginated list; `next_after` is the cursor of the following page."""

    items: list[T]
    next_after: int | None


def _search(stmt: Select, q: str | None, *columns: Any) -> Select:
    """Filter stmt to rows where any of columns contains q, case-insensitively."""
    q = (q or "").strip().lower()
    if not q:
        return stmt
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return stmt.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))


def _keyset_page(stmt: Select, entity: Any, after: int | None, size: int, *options: Any) -> Page:
    """Rows of stmt ordered by (name, id), starting after the row with id `after` (looked up within stmt)."""
    if after is not None:
        cursor = db.session.execute(
            stmt.with_only_columns(entity.name, entity.id).where(entity.id == after)).first()
        if cursor is not None:
            stmt = stmt.where(tuple_(entity.name, entity.id) > tuple_(cursor.name, cursor.id))
    rows = list(db.session.scalars(stmt.options(*options).order_by(entity.name, entity.id).limit(size + 1)))
    return Page(rows[:size], rows[size - 1].id if len(rows) > size else None)


def list_users(admin: User, q: str | None = None, after: int | None = None,
               size: int = PAGE_SIZE) -> Page[User]:
    """People the admin may see, matching q over name and email; memberships loaded in one query."""
    stmt = _search(visible_users(admin), q, User.name, User.email)
    return _keyset_page(stmt, User, after, size,
                        selectinload(User.memberships).joinedload(Membership.organisation))


def list_organisations(admin: User, q: str | None = None, after: int | None = None,
                       size: int = PAGE_SIZE) -> Page[Organisation]:
    """Organisations the admin may see, matching q over names, slug and business ID."""
    stmt = _search(visible_organisations(admin), q, Organisation.name, Organisation.name_sv,
                   Organisation.name_en, Organisation.slug, Organisation.business_id)
    return _keyset_page(stmt, Organisation, after, size)


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
        raise AdminRefused(_("You cannot deactivate your own account."))
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
        raise AdminRefused(_("You cannot change your own roles: another administrator does it for you."))
    raise AdminRefused(_("You may not change the roles of this person."))


def grant_role(target: User, organisation: Organisation, role: str, actor: User) -> Membership:
    """Give a person a role that the organisation's kind hands out (audited by add_membership)."""
    _check_role_change(target, actor)
    if role not in {r.value for r in ROLES_BY_KIND[OrgKind(organisation.kind)]}:
        raise AdminRefused(_("%(kind)s organisations do not have this role.", kind=organisation.kind_label),
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
    _check_unique(organisation, "slug", values.get("slug"),
                  _("Another organisation already uses this short name."))
    _check_unique(organisation, "business_id", values["business_id"],
                  _("Another organisation already has this business ID."))
    if organisation.kind == OrgKind.COMPANY.value and not values["business_id"]:
        raise AdminRefused(_("A company needs a business ID."), field="business_id")
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
        raise AdminRefused(message, field=column)
