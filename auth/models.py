"""People, the organisations they act for, and their roles there."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from auth.roles import Role
from core.enums import LabelledEnum
from core.extensions import db
from core.i18n import localized, sql_in_languages
from core.models import sql_values, utcnow


class OrgKind(LabelledEnum):
    """What kind of body an organisation is."""

    CITY = "city", _l("City")
    COMPANY = "company", _l("Company")
    RESEARCH = "research", _l("Research organisation")
    MUNICIPAL_COMPANY = "municipal_company", _l("Municipal company")


# Which roles each kind of organisation hands out.
ROLES_BY_KIND = {
    OrgKind.CITY: (Role.CITY_ADMIN, Role.OFFICER, Role.DECISION_MAKER, Role.EVALUATOR, Role.HOST),
    OrgKind.COMPANY: (Role.OWNER, Role.MEMBER),
    OrgKind.RESEARCH: (Role.OWNER, Role.MEMBER, Role.EVALUATOR),
    OrgKind.MUNICIPAL_COMPANY: (Role.OWNER, Role.MEMBER, Role.EVALUATOR),
}
# Pilot site contacts are invited from the site they are named on, not from the city's invitation form.
INVITABLE_CITY_ROLES = (Role.CITY_ADMIN, Role.OFFICER, Role.DECISION_MAKER, Role.EVALUATOR)
# A company's (or another body's) owners invite colleagues; evaluators of a research body are named by a city.
INVITABLE_COMPANY_ROLES = (Role.MEMBER, Role.OWNER)


def invitable_roles(organisation: "Organisation") -> tuple[Role, ...]:
    """The roles an organisation's invitation form offers (and the service accepts)."""
    return INVITABLE_CITY_ROLES if organisation.is_city else INVITABLE_COMPANY_ROLES



class Organisation(db.Model):
    """A city, a company or another body that people act for."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(OrgKind)})", name="kind"),
        CheckConstraint("kind <> 'company' OR business_id IS NOT NULL", name="company_has_business_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True)
    is_sme: Mapped[bool | None]
    # A city whose official languages are Finnish and Swedish: its public texts need a Swedish version too.
    bilingual: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation",
                                                           lazy="raise_on_sql")

    @property
    def is_city(self) -> bool:
        """True for one of the cities."""
        return self.kind == OrgKind.CITY.value

    @property
    def is_company(self) -> bool:
        """True for a company (which has a business ID)."""
        return self.kind == OrgKind.COMPANY.value

    @property
    def display_name(self) -> str:
        """The name in the reader's language, falling back to the official (Finnish) one."""
        return localized(self, "name", finnish="name").text

    @property
    def kind_label(self):
        """The translated kind."""
        return OrgKind.label_of(self.kind)

    def __str__(self) -> str:
        return self.display_name


class MembershipStatus(str, enum.Enum):
    """Whether a membership is in force."""

    ACTIVE = "active"
    PENDING = "pending"  # a request to join a company, waiting for its owner


class Membership(db.Model):
    """A user's role in an organisation; one row per role."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role", name="uq_memberships_user_org_role"),
        CheckConstraint(f"role IN ({sql_values(Role)})", name="role"),
        CheckConstraint(f"status IN ({sql_values(MembershipStatus)})", name="status"),
        Index("ix_memberships_org_role", "organisation_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships", lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined",
                                                      innerjoin=True)

    @property
    def is_active(self) -> bool:
        """True when the membership is in force (not a pending request)."""
        return self.status == MembershipStatus.ACTIVE.value

    @property
    def role_label(self):
        """The translated role."""
        return Role.label_of(self.role)


class User(UserMixin, db.Model):
    """A person with an account. Never deleted: erasure anonymises."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(sql_in_languages("locale"), name="locale"),
                      Index("ix_users_name", "name", "id"))  # the user list's keyset order

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="fi")
    active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    email_verified_at: Mapped[datetime | None]
    terms_accepted_at: Mapped[datetime | None]
    terms_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    # Bumped by a password change, reset or deactivation: old sessions and
    # remember-me cookies stop working because the login id includes it.
    session_version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")

    @property
    def is_active(self) -> bool:
        """Flask-Login: a deactivated or anonymised account cannot log in."""
        return self.active and self.anonymised_at is None

    @property
    def is_verified(self) -> bool:
        """True once the user has followed the link in the verification email."""
        return self.email_verified_at is not None

    def get_id(self) -> str:
        """Flask-Login: the id stored in the session, tied to the session version."""
        return f"{self.id}:{self.session_version}"

    def active_memberships(self) -> list[Membership]:
        """Memberships in force, in organisations that are active."""
        return [m for m in self.memberships if m.is_active and m.organisation.is_active]

    def __str__(self) -> str:
        return self.name


class TokenPurpose(str, enum.Enum):
    """What an emailed single-use token lets its holder do."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105  (a token purpose, not a secret)


class UserToken(db.Model):
    """An emailed, expiring, single-use token; only its SHA-256 is stored."""

    __tablename__ = "user_tokens"
    __table_args__ = (CheckConstraint(f"purpose IN ({sql_values(TokenPurpose)})", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Invitation(db.Model):
    """An invitation to join an organisation in a role; accepted through an emailed link."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(f"role IN ({sql_values(Role)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="fi")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    invited_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def role_label(self):
        """The translated role."""
        return Role.label_of(self.role)

    @property
    def is_open(self) -> bool:
        """True while the invitation can still be accepted: not accepted, revoked or expired."""
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


def load_user(login_id: str) -> User | None:
    """Flask-Login: the user behind a session id "<id>:<session version>", if still valid."""
    user_id, _sep, version = login_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # One query on every signed-in page: the user with their memberships joined (their roles decide the page).
    user = db.session.scalars(select(User).where(User.id == int(user_id))
                              .options(joinedload(User.memberships))).unique().first()
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user
