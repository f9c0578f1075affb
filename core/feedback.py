"""Accessibility feedback: stored, and sent to the accessibility contact."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.mail import queue_email
from core.models import utcnow


class AccessibilityFeedback(db.Model):
    """A report of an accessibility problem, kept until it is answered."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    page: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))


def submit_feedback(page: str | None, description: str, name: str | None, email: str | None,
                    locale: str) -> AccessibilityFeedback:
    """Store a report and tell the accessibility contact (flushes, never commits)."""
    feedback = AccessibilityFeedback(page=page or None, description=description.strip(),
                                     name=name or None, email=email or None, locale=locale)
    db.session.add(feedback)
    db.session.flush()
    queue_email("accessibility_feedback", to=current_app.config["ACCESSIBILITY_CONTACT"],
                locale="fi", feedback=feedback)
    if feedback.email:
        queue_email("accessibility_feedback_receipt", to=feedback.email, locale=locale, feedback=feedback)
    return feedback
