"""Demo data for accounts: the six cities, two companies and the demo users."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import MembershipStatus, Organisation, OrgKind, User
from auth.roles import Role
from auth.services import invitations
from auth.services.accounts import add_membership, create_user, find_user_by_email
from core.extensions import db

DEMO_PASSWORD = "Kokeilu-demo-2026"  # noqa: S105  (public by design: the login page lists it)
TERMS_VERSION = "2026-01"

SIX_CITIES = [
    ("helsinki", "Helsinki", "Helsingfors", "Helsinki"),
    ("espoo", "Espoo", "Esbo", "Espoo"),
    ("vantaa", "Vantaa", "Vanda", "Vantaa"),
    ("tampere", "Tampere", "Tammerfors", "Tampere"),
    ("turku", "Turku", "Åbo", "Turku"),
    ("oulu", "Oulu", "Uleåborg", "Oulu"),
]
BILINGUAL_CITIES = {"helsinki", "espoo", "vantaa", "turku"}  # Finnish and Swedish are both official languages

DEMO_COMPANIES = [
    ("ruokaviisas", "Ruokaviisas Oy", "2736490-4"),
    ("kiertotalo", "Kiertotalo Oy", "3183476-1"),
]

# (email, name, organisation slug or None, roles, platform admin, label shown on the login page)
DEMO_ACCOUNTS = [
    ("admin@example.com", "Aino Admin", None, (), True, _l("platform admin")),
    ("officer.helsinki@example.com", "Olli Virkamies", "helsinki", (Role.OFFICER,), False, _l("Helsinki officer")),
    ("decision.helsinki@example.com", "Päivi Päättäjä", "helsinki", (Role.DECISION_MAKER,), False,
     _l("Helsinki decision maker")),
    ("officer.tampere@example.com", "Tuomas Tamminen", "tampere", (Role.OFFICER, Role.CITY_ADMIN), False,
     _l("Tampere officer and city admin")),
    ("decision.tampere@example.com", "Taina Tammela", "tampere", (Role.DECISION_MAKER,), False,
     _l("Tampere decision maker")),
    ("officer.espoo@example.com", "Eero Espoolainen", "espoo", (Role.OFFICER,), False, _l("Espoo officer")),
    ("decision.espoo@example.com", "Elina Esikunta", "espoo", (Role.DECISION_MAKER,), False,
     _l("Espoo decision maker")),
    ("officer.oulu@example.com", "Outi Oululainen", "oulu", (Role.OFFICER,), False, _l("Oulu officer")),
    ("decision.oulu@example.com", "Olavi Oksanen", "oulu", (Role.DECISION_MAKER,), False,
     _l("Oulu decision maker")),
    ("evaluator@example.com", "Eeva Arvioija", "helsinki", (Role.EVALUATOR,), False, _l("evaluator")),
    ("evaluator2@example.com", "Erik Bedömare", "helsinki", (Role.EVALUATOR,), False, _l("evaluator")),
    ("host@example.com", "Riikka Rehtori", "helsinki", (Role.HOST,), False, _l("pilot site contact (Helsinki)")),
    ("company@example.com", "Kaisa Yrittäjä", "ruokaviisas", (Role.OWNER,), False, _l("owner of Ruokaviisas Oy")),
    ("company2@example.com", "Kalle Kiertonen", "kiertotalo", (Role.OWNER,), False, _l("owner of Kiertotalo Oy")),
]


def login_page_accounts() -> list[tuple[str, object]]:
    """The demo accounts as (email, role label) for the login page."""
    return [(email, label) for email, *_rest, label in DEMO_ACCOUNTS]


def ensure_cities() -> dict[str, Organisation]:
    """The six cities, created when missing (also used outside demo data)."""
    existing = {o.slug: o for o in db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.CITY.value))}
    for slug, name, name_sv, name_en in SIX_CITIES:
        if slug not in existing:
            existing[slug] = Organisation(kind=OrgKind.CITY.value, slug=slug, name=name, name_sv=name_sv,
                                          name_en=name_en, bilingual=slug in BILINGUAL_CITIES)
            db.session.add(existing[slug])
    db.session.flush()
    return existing


def load() -> None:
    """Add the demo organisations and accounts that are not there yet."""
    orgs = ensure_cities()
    for slug, name, business_id in DEMO_COMPANIES:
        org = db.session.scalar(select(Organisation).filter_by(slug=slug))
        if org is None:
            org = Organisation(kind=OrgKind.COMPANY.value, slug=slug, name=name,
                               business_id=business_id, is_sme=True)
            db.session.add(org)
        orgs[slug] = org
    db.session.flush()
    for email, name, slug, roles, is_admin, _label in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            user = create_user(email, name, DEMO_PASSWORD, verified=True, terms_version=TERMS_VERSION)
            user.is_platform_admin = is_admin
        for role in roles:
            add_membership(user, orgs[slug], role.value, actor=None)
    load_pending_work()


# --- pending work for the start pages: a request to join a company and an open invitation ------------

JOIN_REQUESTER = ("jaana.jasen@example.com", "Jaana Jäsen", "ruokaviisas")  # asks to join, waits for the owner
INVITED = ("uusi.virkailija@example.com", "Ulla Uusi", "tampere", Role.OFFICER, "officer.tampere@example.com")


def load_pending_work() -> None:
    """A request to join Ruokaviisas for its owner, and Tampere's invitation still open for its admin."""
    email, name, slug = JOIN_REQUESTER
    if find_user_by_email(email) is None:
        requester = create_user(email, name, DEMO_PASSWORD, verified=True, terms_version=TERMS_VERSION)
        company = db.session.scalar(select(Organisation).filter_by(slug=slug))
        add_membership(requester, company, Role.MEMBER.value, actor=requester, status=MembershipStatus.PENDING.value)
    email, name, slug, role, admin = INVITED
    city = db.session.scalar(select(Organisation).filter_by(slug=slug))
    if find_user_by_email(email) is None and invitations.open_invitation(city, email, role.value) is None:
        invitations.invite(city, email, name, role.value, "fi", find_user_by_email(admin))
