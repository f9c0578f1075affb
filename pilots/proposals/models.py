"""A company's pilot proposal to an open call, and every version it submitted (DESIGN.md section 4)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from challenges.models import Challenge
from core.enums import LabelledEnum
from core.extensions import db
from core.i18n import sql_in_languages
from core.models import sql_values, utcnow
from pilots.proposals.states import ProposalState

SUBMITTED_STATES = ProposalState.states_where(submitted=True)  # what the city's staff may read


class DataProcessing(LabelledEnum):
    """Whether the pilot processes personal or other data of the city."""

    NONE = "none", _l("The pilot processes no personal data")
    PROCESSES = "processes", _l("The pilot processes personal data")


# The content sections in the editor's order; each is a text column of the proposal (price aside).
SECTIONS = ("solution", "maturity", "plan_what", "plan_where", "plan_with_whom", "plan_when", "kpis",
            "end_user_participation", "partners", "data_processing_details", "accessibility", "risks")


class Proposal(db.Model):
    """One company's answer to one challenge; moved only by the workflow engine, one per company and call."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("challenge_id", "organisation_id", name="uq_proposals_challenge_organisation"),
        CheckConstraint(f"state IN ({sql_values(ProposalState)})", name="state"),
        CheckConstraint(sql_in_languages("language"), name="language"),
        CheckConstraint(f"data_processing IN ({sql_values(DataProcessing)})", name="data_processing"),
        CheckConstraint("price IS NULL OR price >= 0", name="price"),
        Index("ix_proposals_challenge_state", "challenge_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    workflow: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), default=ProposalState.DRAFT.value)
    state_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(2), default="fi")
    solution: Mapped[str] = mapped_column(Text, default="")
    maturity: Mapped[str] = mapped_column(Text, default="")
    plan_what: Mapped[str] = mapped_column(Text, default="")
    plan_where: Mapped[str] = mapped_column(Text, default="")
    plan_with_whom: Mapped[str] = mapped_column(Text, default="")
    plan_when: Mapped[str] = mapped_column(Text, default="")
    kpis: Mapped[str] = mapped_column(Text, default="")
    end_user_participation: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")  # named partner companies, one a line
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # when the call scores price
    data_processing: Mapped[str] = mapped_column(String(16), default=DataProcessing.NONE.value)
    data_processing_details: Mapped[str] = mapped_column(Text, default="")  # what, under which agreement
    accessibility: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    # {criterion id (as text): answer}; the criteria are locked while the call is open
    criterion_answers: Mapped[dict] = mapped_column(JSON, default=dict)
    secret_sections: Mapped[list] = mapped_column(JSON, default=list)  # names of SECTIONS marked business secret
    state_reason: Mapped[str | None] = mapped_column(Text)  # e.g. why it is ineligible (a later step)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]  # the latest submission

    __mapper_args__ = {"version_id_col": state_version}

    challenge: Mapped[Challenge] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number", cascade="all, delete-orphan")

    @property
    def state_label(self):
        """The state in the reader's language."""
        return ProposalState.label_of(self.state)


class ProposalVersion(db.Model):
    """What a company sent at one submission: the content as JSON, and its SHA-256 given on the receipt."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number", name="uq_proposal_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship()
