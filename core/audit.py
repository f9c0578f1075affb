"""The append-only audit log: who did what to which object, when and why.

Rows are written by `record()` in the same transaction as the change they
describe; they are never updated or deleted (the ORM refuses, see below).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, event, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from core.extensions import db
from core.models import utcnow

SYSTEM_ACTOR = None  # an audit row without an actor was made by the system
UNNAMED_ACTION = _l("Other event")  # what a history shows for an action nobody named, never the raw code
_action_labels: dict[str, Any] = {}


class AuditEntry(db.Model):
    """One thing that happened, kept for good."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A string reference keeps core free of imports from auth; users are never
    # deleted, only anonymised, so the actor of an old row stays resolvable.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[int | None]
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="raise")

    @property
    def is_system(self) -> bool:
        """True when the system, not a person, made the change."""
        return self.actor_id is None


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    """Audit rows are append-only."""
    raise PermissionError("audit entries are append-only")


def object_key(obj: Any) -> tuple[str, int]:
    """The (type, id) pair under which an object's history is filed."""
    return type(obj).__tablename__, obj.id


def record(
    action: str,
    obj: Any = None,
    actor: Any = SYSTEM_ACTOR,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit row to the current transaction (flushes, never commits)."""
    object_type, object_id = object_key(obj) if obj is not None else (None, None)
    if obj is not None and object_id is None:
        db.session.flush()
        object_id = obj.id
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=getattr(actor, "id", None),
        from_state=from_state,
        to_state=to_state,
        comment=comment or None,
        data=data or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


TIMELINE_SIZE = 50


@dataclass
class Timeline:
    """One page of an object's history, newest first; `older` is the `before` cursor of the next page."""

    entries: list[AuditEntry]
    older: int | None


def timeline(obj: Any, before: int | None = None, limit: int = TIMELINE_SIZE) -> Timeline:
    """The history of one object, newest first, `limit` entries older than the entry `before`; one query.

    Keyset paging by id on the (object_type, object_id, id) index: a long history
    shows its newest entries first and pages back without counting or offsets.
    """
    object_type, object_id = object_key(obj)
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    rows = list(db.session.scalars(stmt))
    return Timeline(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def register_action_labels(labels: Mapping[str, Any]) -> None:
    """Name audit actions for the history pages; each package registers its own actions once."""
    for action, label in labels.items():
        if _action_labels.setdefault(action, label) is not label:
            raise ValueError(f"audit action {action!r} already has another label")


def action_label(action: str) -> Any:
    """The translated name of an audit action, or a generic one for an action without a label."""
    return _action_labels.get(action, UNNAMED_ACTION)


def action_labels() -> Mapping[str, Any]:
    """Every registered action and its label, read-only."""
    return MappingProxyType(_action_labels)
