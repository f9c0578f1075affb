"""Who wants to hear about what: followers of a challenge, subscribers to cities and themes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from challenges.models.challenge import Challenge, Theme
from core.extensions import db
from core.models import utcnow


class Follow(db.Model):
    """A user follows a challenge: Q&A and changes are emailed to them."""

    __tablename__ = "challenge_follows"
    __table_args__ = (UniqueConstraint("user_id", "challenge_id", name="uq_challenge_follows_user_challenge"),
                      # A challenge's followers by user id: the fan-out's batches read the index alone.
                      Index("ix_challenge_follows_challenge", "challenge_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    challenge: Mapped[Challenge] = relationship(lazy="joined", innerjoin=True)


class Subscription(db.Model):
    """A user wants an email when a call opens in a city, or on a theme (exactly one of the two)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(city_id IS NULL) <> (theme_id IS NULL)", name="city_or_theme"),
        # One subscription per city and per theme; the other column is NULL, so plain unique
        # constraints would never match and partial indexes do the work.
        Index("uq_subscriptions_user_city", "user_id", "city_id", unique=True,
              sqlite_where=text("city_id IS NOT NULL"), postgresql_where=text("city_id IS NOT NULL")),
        Index("uq_subscriptions_user_theme", "user_id", "theme_id", unique=True,
              sqlite_where=text("theme_id IS NOT NULL"), postgresql_where=text("theme_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    city: Mapped[Organisation | None] = relationship(lazy="joined")
    theme: Mapped[Theme | None] = relationship(lazy="joined")
