"""Files attached to any owner: a challenge, a dialogue event, later a proposal or a pilot report.

One table serves every owner, filed under the owner's table name and id as the
audit log files its rows; the owner's package says who may read and manage
them (challenges/services/attachments.py). Files live under random names
outside static/.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow


def owner_key(owner: Any) -> tuple[str, int]:
    """The (owner_type, owner_id) an owner's attachments are filed under: its table name and id."""
    if owner.id is None:
        db.session.flush()
    return type(owner).__tablename__, owner.id


def model_of(owner_type: str) -> type:
    """The model class whose table is owner_type."""
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == owner_type:
            return mapper.class_
    raise LookupError(f"no model has the table {owner_type!r}")


class Attachment(db.Model):
    """A file that belongs to one owner, stored under a random name outside static/."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key can point at several tables: an owner's deletion removes its
    # attachments through the hook registered with the owner (services/attachments.py).
    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def owner(self) -> Any:
        """The challenge, event or other row this file belongs to."""
        return db.session.get(model_of(self.owner_type), self.owner_id)

    @owner.setter
    def owner(self, owner: Any) -> None:
        """File the attachment under owner (also as a constructor argument: `Attachment(owner=...)`)."""
        self.owner_type, self.owner_id = owner_key(owner)

    def belongs_to(self, owner: Any) -> bool:
        """True when this attachment is owner's."""
        return (self.owner_type, self.owner_id) == (type(owner).__tablename__, owner.id)
