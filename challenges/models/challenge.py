"""A city's challenge: the need, where it can be piloted, the money, the dates and the criteria."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, CheckConstraint, Column, ForeignKey, ForeignKeyConstraint, Index, Integer, Numeric,
                        String, Table, Text, UniqueConstraint, func, literal_column, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Invitation, Organisation, User
from challenges.models.attachment import Attachment
from challenges.states import ChallengeState
from core.enums import LabelledEnum
from core.extensions import db
from core.i18n import Translated, localized, sql_in_languages
from core.models import sql_values, utcnow
from core.workflow import registry


# States are a table of their own (challenges/states.py): the workflow reads it as well as this model.
PUBLIC_STATES = ChallengeState.states_where(public=True)  # a cancelled one only if it was ever published


class PilotKind(LabelledEnum):
    """Whether the city pays for pilots (and may procure) or co-develops for free."""

    PAID = "paid", _l("Paid pilot")
    CO_DEVELOPMENT = "co_development", _l("Free co-development (no payment, no procurement)")


class Compensation(LabelledEnum):
    """How the pilot price is set."""

    FIXED = "fixed", _l("Fixed compensation")
    PRICE_SCORED = "price_scored", _l("Price is scored")


class SiteKind(LabelledEnum):
    """The kind of real setting a pilot runs in."""

    SCHOOL = "school", _l("School")
    DAYCARE = "daycare", _l("Daycare centre")
    LIBRARY = "library", _l("Library")
    STREET = "street", _l("Street")
    PARK = "park", _l("Park")
    SPORTS = "sports", _l("Sports facility")
    HEALTH = "health", _l("Health or social services unit")
    OFFICE = "office", _l("Office")
    OTHER = "other", _l("Other")


challenge_themes = Table(
    "challenge_themes", db.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True),
    # The primary key leads with the challenge; the catalogue's theme filter and subscriptions start from the theme.
    Index("ix_challenge_themes_theme", "theme_id", "challenge_id"),
)


class Theme(db.Model):
    """A subject area used to filter the catalogue and to subscribe (e.g. learning, climate)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    @property
    def name(self) -> str:
        """The theme's name in the reader's language."""
        return localized(self, "name").text


class Challenge(Translated, db.Model):
    """A need a city opens to companies; moved through its lifecycle only by the workflow engine."""

    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_values(ChallengeState)})", name="state"),
        CheckConstraint(f"pilot_kind IN ({sql_values(PilotKind)})", name="pilot_kind"),
        CheckConstraint(f"compensation IN ({sql_values(Compensation)})", name="compensation"),
        CheckConstraint(sql_in_languages("language"), name="language"),
        CheckConstraint("max_per_pilot IS NULL OR max_per_pilot >= 0", name="max_per_pilot"),
        CheckConstraint("total_budget IS NULL OR total_budget >= 0", name="total_budget"),
        CheckConstraint("pilot_count IS NULL OR pilot_count >= 1", name="pilot_count"),
        # Criteria are locked exactly when the call has been opened.
        CheckConstraint(f"state NOT IN ({sql_values(ChallengeState.states_where(locked=True))}) "
                        "OR criteria_locked_at IS NOT NULL", name="criteria_locked"),
        Index("ix_challenges_state_deadline", "state", "proposals_close_at"),
        Index("ix_challenges_city_state", "city_id", "state"),
        # The catalogue's search on PostgreSQL: the expression must be the query's own
        # (challenges/services/catalogue.py search_challenges). SQLite has no to_tsvector.
        Index("ix_challenges_search", func.to_tsvector(literal_column("'simple'::regconfig"),
                                                       literal_column("search_document")),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The lead city, a copy of the lead row of `owners` kept in the column the challenge had before it could
    # have partners: challenges/ownership.py writes both together and is the only code that reads it.
    lead_city_id: Mapped[int] = mapped_column("city_id", ForeignKey("organisations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    workflow: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), default=ChallengeState.DRAFT.value)
    state_version: Mapped[int] = mapped_column(default=1)
    pilot_kind: Mapped[str] = mapped_column(String(32), default=PilotKind.PAID.value)
    language: Mapped[str] = mapped_column(String(2), default="fi")
    title_fi: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    summary_fi: Mapped[str] = mapped_column(Text)
    summary_sv: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)
    problem_sv: Mapped[str | None] = mapped_column(Text)
    problem_en: Mapped[str | None] = mapped_column(Text)
    end_users: Mapped[str | None] = mapped_column(Text)
    end_users_sv: Mapped[str | None] = mapped_column(Text)
    end_users_en: Mapped[str | None] = mapped_column(Text)
    # What the city offers the pilots.
    offers_site_access: Mapped[bool] = mapped_column(default=True)
    offers_facilitation: Mapped[bool] = mapped_column(default=False)
    offers_data: Mapped[bool] = mapped_column(default=False)
    offers_compensation: Mapped[bool] = mapped_column(default=False)
    offer_details: Mapped[str | None] = mapped_column(Text)
    offer_details_sv: Mapped[str | None] = mapped_column(Text)
    offer_details_en: Mapped[str | None] = mapped_column(Text)
    # Budget, euros VAT 0.
    max_per_pilot: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    total_budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    pilot_count: Mapped[int | None]
    compensation: Mapped[str] = mapped_column(String(32), default=Compensation.FIXED.value)
    # Schedule (UTC; entered and shown in Europe/Helsinki).
    dialogue_starts_at: Mapped[datetime | None]
    dialogue_ends_at: Mapped[datetime | None]
    questions_close_at: Mapped[datetime | None]
    proposals_close_at: Mapped[datetime | None]
    selection_on: Mapped[date | None]
    pilot_starts_on: Mapped[date | None]
    pilot_ends_on: Mapped[date | None]
    # Contract terms summary.
    ipr_terms: Mapped[str | None] = mapped_column(Text)
    ipr_terms_sv: Mapped[str | None] = mapped_column(Text)
    ipr_terms_en: Mapped[str | None] = mapped_column(Text)
    reporting_duties: Mapped[str | None] = mapped_column(Text)
    reporting_duties_sv: Mapped[str | None] = mapped_column(Text)
    reporting_duties_en: Mapped[str | None] = mapped_column(Text)
    personal_data_allowed: Mapped[bool] = mapped_column(default=False)
    # Dialogue outcome.
    dialogue_summary: Mapped[str | None] = mapped_column(Text)
    dialogue_summary_sv: Mapped[str | None] = mapped_column(Text)
    dialogue_summary_en: Mapped[str | None] = mapped_column(Text)
    dialogue_changes: Mapped[str | None] = mapped_column(Text)
    dialogue_changes_sv: Mapped[str | None] = mapped_column(Text)
    dialogue_changes_en: Mapped[str | None] = mapped_column(Text)
    dialogue_summary_published_at: Mapped[datetime | None]
    rfi_synthesis: Mapped[str | None] = mapped_column(Text)
    rfi_synthesis_sv: Mapped[str | None] = mapped_column(Text)
    rfi_synthesis_en: Mapped[str | None] = mapped_column(Text)
    rfi_synthesis_published_at: Mapped[datetime | None]
    # Facts the engine and services record.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    opened_at: Mapped[datetime | None] = mapped_column(index=True)
    criteria_locked_at: Mapped[datetime | None]
    search_document: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": state_version}

    # Pages and lists name the lead city from the challenge's own row (challenges/ownership.py).
    lead_city: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    # Every owning city, the lead among them; read through challenges/ownership.py, which loads them.
    owners: Mapped[list["ChallengeCity"]] = relationship(back_populates="challenge", lazy="raise_on_sql",
                                                         cascade="all, delete-orphan")
    created_by: Mapped[User] = relationship(lazy="raise_on_sql")
    themes: Mapped[list[Theme]] = relationship(secondary=challenge_themes, lazy="selectin", order_by=Theme.slug)
    sites: Mapped[list["PilotSite"]] = relationship(back_populates="challenge", lazy="selectin",
                                                    cascade="all, delete-orphan", order_by="PilotSite.id")
    criteria: Mapped[list["Criterion"]] = relationship(back_populates="challenge", lazy="selectin",
                                                       cascade="all, delete-orphan",
                                                       order_by="Criterion.position")
    # Read-only: attachments are added and removed through services/attachments.py.
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.owner_type == 'challenges', foreign(Attachment.owner_id) == Challenge.id)",
        viewonly=True, lazy="raise_on_sql", order_by="Attachment.id")

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        return localized(self, "title").text

    @property
    def summary(self) -> str:
        """The summary in the reader's language."""
        return localized(self, "summary").text

    @property
    def state_label(self):
        """The translated state, as staff call it."""
        return ChallengeState(self.state).label

    @property
    def state_family(self) -> str:
        """The group the state's pill is coloured by: its catalogue group, or the state itself before publication."""
        state = ChallengeState(self.state).state
        return state.attrs.get("catalogue", state.name)

    @property
    def public_state_label(self):
        """The translated state as companies and the public read it.

        Before publication only the city's staff see the challenge, so they read the internal label.
        """
        state = ChallengeState(self.state)
        return state.public_label or state.label

    @property
    def pilot_kind_label(self):
        """The translated kind of pilot."""
        return PilotKind.label_of(self.pilot_kind)

    @property
    def compensation_label(self):
        """The translated way the pilot price is set."""
        return Compensation.label_of(self.compensation)

    @property
    def is_public(self) -> bool:
        """True when the public may see this challenge."""
        return self.state in PUBLIC_STATES and self.published_at is not None

    @property
    def has_dialogue(self) -> bool:
        """True when this challenge's workflow includes a market dialogue."""
        return ChallengeState.MARKET_DIALOGUE in registry.get(self.workflow).states

    @property
    def criteria_locked(self) -> bool:
        """Criteria and weights cannot change once the call has opened."""
        return self.criteria_locked_at is not None

    @property
    def weight_total(self) -> int:
        """The sum of the criteria weights (must be 100 to publish)."""
        return sum(c.weight for c in self.criteria)

    def __str__(self) -> str:
        return self.title


class ChallengeCity(db.Model):
    """A city that owns a challenge: its lead or a partner, with the city's share of the budget.

    A joint challenge has several (DESIGN.md section 6b); exactly one is the lead. Each
    pilot site belongs to one of them (`PilotSite.city_id`).
    """

    __tablename__ = "challenge_cities"
    __table_args__ = (
        CheckConstraint("budget_share IS NULL OR budget_share >= 0", name="budget_share"),
        # At most one lead per challenge; `ownership.start_ownership` gives each challenge its one.
        Index("uq_challenge_cities_lead", "challenge_id", unique=True,
              sqlite_where=text("lead"), postgresql_where=text("lead")),
    )

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)
    lead: Mapped[bool] = mapped_column(default=False)
    # Euros, VAT 0, of the challenge's total budget that this city pays; None when not agreed yet.
    budget_share: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    challenge: Mapped[Challenge] = relationship(back_populates="owners")
    city: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class PilotSite(db.Model):
    """A real setting where a pilot can run, the owning city it belongs to, and the contact person who hosts it."""

    __tablename__ = "pilot_sites"
    __table_args__ = (
        # A site belongs to one of its challenge's owning cities.
        ForeignKeyConstraint(["challenge_id", "city_id"], ["challenge_cities.challenge_id", "challenge_cities.city_id"]),
        CheckConstraint(f"kind IN ({sql_values(SiteKind)})", name="kind"),
        CheckConstraint("host_id IS NULL OR host_invitation_id IS NULL", name="one_host"),
        CheckConstraint("uninvited_host_email IS NULL OR (host_id IS NULL AND host_invitation_id IS NULL)",
                        name="uninvited_host_alone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    # The host (DESIGN.md's pilot host): a person with an account, or until they
    # accept, the invitation sent to them (services/sites.py links the two).
    host_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    host_invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    # A contact typed before hosts had accounts and not invited yet (set only by the
    # migration that brought in accounts): the next save of the sites invites them.
    uninvited_host_name: Mapped[str | None] = mapped_column(String(200))
    uninvited_host_email: Mapped[str | None] = mapped_column(String(254))

    challenge: Mapped[Challenge] = relationship(back_populates="sites")
    # The owning city's row: through it the database saves an owner before the sites that name it.
    owner: Mapped[ChallengeCity] = relationship(lazy="raise_on_sql", overlaps="challenge,sites")
    # Pages that show hosts read them with services.sites.host_contacts(), in one query.
    host: Mapped[User | None] = relationship(lazy="raise_on_sql")
    host_invitation: Mapped[Invitation | None] = relationship(lazy="raise_on_sql")

    @property
    def kind_label(self):
        """The translated kind of site."""
        return SiteKind.label_of(self.kind)

    @property
    def has_host(self) -> bool:
        """True when a contact person is named, whether or not they have accepted yet."""
        return bool(self.host_id or self.host_invitation_id or self.uninvited_host_email
                    or self.uninvited_host_name)


class Criterion(Translated, db.Model):
    """An evaluation criterion with its weight, anchored 0-5 scale and optional minimum score."""

    __tablename__ = "criteria"
    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight"),
        CheckConstraint("min_score IS NULL OR min_score BETWEEN 0 AND 5", name="min_score"),
        UniqueConstraint("challenge_id", "position", name="uq_criteria_challenge_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # in Finnish, like description
    name_sv: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[int]
    min_score: Mapped[int | None]
    # Six anchored descriptions, for scores 0 to 5.
    scale: Mapped[list[str]] = mapped_column(JSON, default=list)

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")


class CriteriaTemplate(db.Model):
    """A city's default criteria set that new challenges start from."""

    __tablename__ = "criteria_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    # [{"name", "name_sv", "name_en", "description", "description_sv", "description_en", "weight",
    #   "min_score", "scale": [6 strings]}]; name and description are Finnish, the others optional
    items: Mapped[list[dict]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
