"""Site-wide settings stored in the database (key and JSON value)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

DEMO_MARKER = "demo_data_loaded"  # set by `flask demo load`


class SiteSetting(db.Model):
    """One named setting."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def get_setting(key: str, default: Any = None) -> Any:
    """The stored value of a setting, or default."""
    row = db.session.get(SiteSetting, key)
    return default if row is None else row.value


def set_setting(key: str, value: Any) -> None:
    """Store a setting (flushes, never commits)."""
    row = db.session.get(SiteSetting, key) or SiteSetting(key=key)
    row.value = value
    db.session.add(row)
    db.session.flush()
