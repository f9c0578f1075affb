"""The shared themes challenges are filed under, named in three languages."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from challenges.models import Theme
from core.extensions import db

THEMES = (
    ("learning", "Oppiminen", "Lärande", "Learning"),
    ("circular-economy", "Kiertotalous", "Cirkulär ekonomi", "Circular economy"),
    ("mobility", "Liikkuminen", "Mobilitet", "Mobility"),
    ("health-and-wellbeing", "Terveys ja hyvinvointi", "Hälsa och välbefinnande", "Health and wellbeing"),
    ("employment", "Työllisyys", "Sysselsättning", "Employment"),
    ("climate", "Ilmasto", "Klimat", "Climate"),
)


def ensure_themes(session: Session | None = None) -> list[Theme]:
    """Create the six shared themes that are missing (idempotent); a data migration passes its session."""
    session = session or db.session
    existing = {t.slug: t for t in session.scalars(select(Theme))}
    for slug, fi, sv, en in THEMES:
        if slug not in existing:
            existing[slug] = Theme(slug=slug, name_fi=fi, name_sv=sv, name_en=en)
            session.add(existing[slug])
    session.flush()
    return [existing[slug] for slug, *_names in THEMES]


def all_themes() -> list[Theme]:
    """Every theme, by slug."""
    return list(db.session.scalars(select(Theme).order_by(Theme.slug)))
