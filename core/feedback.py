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
                    locale: str, receipt: bool = True) -> AccessibilityFeedback:
    """Store a report, tell the accessibility contact and send a receipt (flushes, never commits).

    The address is typed by an anonymous visitor and proves nothing, so the
    receipt quotes nothing they typed (neither the text, the name nor the page):
    it cannot carry someone else's message under our name. It is still sent,
    because the answer the law requires within 14 days goes to that address
    and the receipt says so; the caller limits how often one address gets one.
    """
    feedback = AccessibilityFeedback(page=page or None, description=description.strip(),
                                     name=name or None, email=email or None, locale=locale)
    db.session.add(feedback)
    db.session.flush()
    queue_email("accessibility_feedback", to=current_app.config["ACCESSIBILITY_CONTACT"],
                locale="fi", feedback=feedback)
    if feedback.email and receipt:
        queue_email("accessibility_feedback_receipt", to=feedback.email, locale=locale)
    return feedback
