"""Data generator for the benchmarks: the six cities, companies and many users with roles."""
from __future__ import annotations

from auth.demo import ensure_cities
from auth.models import Membership, Organisation, OrgKind, Role, User
from auth.validators import business_id_check_digit
from core.extensions import db
from core.models import utcnow


def _business_id(n: int) -> str:
    """A valid Finnish business ID for the n-th generated company."""
    for k in range(10):  # n*10+k never collides with another n's range
        digits = f"{1_000_000 + n * 10 + k:07d}"
        check = business_id_check_digit(digits)
        if check is not None:
            return f"{digits}-{check}"
    raise ValueError(n)


def generate(users: int) -> int:
    """Create `users` users spread over cities and companies; returns a platform admin's id."""
    cities = list(ensure_cities().values())
    companies = [Organisation(kind=OrgKind.COMPANY.value, slug=f"bench-company-{n}",
                              name=f"Bench Company {n} Oy", business_id=_business_id(n))
                 for n in range(max(1, users // 10))]
    db.session.add_all(companies)
    admin = User(email="bench-admin@example.org", name="Bench Admin", is_platform_admin=True,
                 password_hash=None, locale="en", email_verified_at=utcnow())
    db.session.add(admin)
    for n in range(users):
        user = User(email=f"user{n}@bench.example.org", name=f"Bench User {n}", password_hash=None,
                    locale="fi")
        if n % 3 == 0:
            org, role = cities[n % len(cities)], Role.OFFICER.value
        else:
            org, role = companies[n % len(companies)], Role.MEMBER.value
        db.session.add_all([user, Membership(user=user, organisation=org, role=role)])
    db.session.commit()
    return admin.id


def generate_challenges(count: int, creator_id: int) -> int:
    """Create `count` published challenges spread over the six cities; returns one challenge's id."""
    from datetime import timedelta

    from challenges.models import Challenge, Criterion, PilotSite
    from challenges.ownership import start_ownership
    from challenges.services.themes import ensure_themes

    cities = list(ensure_cities().values())
    themes = ensure_themes()
    now = utcnow()
    rows = []
    for n in range(count):
        city = cities[n % len(cities)]
        challenge = Challenge(
            created_by_id=creator_id, workflow="challenge.direct.v1",
            state="open", title_fi=f"Haaste {n}: ruokahävikin vähentäminen", summary_fi="Tiivistelmä " * 20,
            problem="Ongelma " * 50, questions_close_at=now + timedelta(days=n % 60 + 1),
            proposals_close_at=now + timedelta(days=n % 60 + 10), published_at=now, opened_at=now,
            criteria_locked_at=now, search_document=f"haaste {n} ruokahävikin vähentäminen",
            max_per_pilot=20000, pilot_count=2)
        start_ownership(challenge, city)
        challenge.themes = [themes[n % len(themes)]]
        challenge.sites = [PilotSite(name=f"Koulu {n}", kind="school", city_id=city.id)]
        challenge.criteria = [Criterion(position=i, name=f"Kriteeri {i}", weight=25, scale=["-"] * 6)
                              for i in range(4)]
        rows.append(challenge)
    db.session.add_all(rows)
    db.session.commit()
    return rows[0].id
