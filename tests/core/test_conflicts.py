"""A write the database refuses because another request got there first is a 409 page, never a 500.

The routes below make the database itself refuse: a unique constraint, and an
UPDATE of a row that is gone. Services turn the conflicts they expect into their
own messages; these are the ones that reach the error pages of core/errors.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app import create_app
from challenges.models import Theme
from core.extensions import db
from tests.factories import app_config


def _theme(slug: str, name: str) -> Theme:
    """A theme with its name in every language."""
    return Theme(slug=slug, name_fi=name, name_sv=name, name_en=name)


def _duplicate_theme():
    """Two themes under one slug: the unique constraint refuses the commit."""
    db.session.add_all([_theme("kaksi", "Yksi"), _theme("kaksi", "Toinen")])
    db.session.commit()
    return "saved"


def _update_a_removed_theme():
    """Change a theme another transaction has removed: the UPDATE finds no row."""
    db.session.add(_theme("poistuva", "Poistuva"))
    db.session.commit()
    theme = db.session.scalar(select(Theme).where(Theme.slug == "poistuva"))
    # Removed behind the session's back, as a simultaneous request would have.
    db.session.execute(delete(Theme.__table__).where(Theme.__table__.c.slug == "poistuva"))
    theme.name_fi = "Muutettu"
    db.session.commit()
    return "saved"


@pytest.fixture(scope="module")
def conflict_app(database_url):
    """The app with two routes whose writes the database refuses."""
    app = create_app(app_config(database_url))
    app.add_url_rule("/test/duplicate", view_func=_duplicate_theme, methods=["POST"])
    app.add_url_rule("/test/removed", view_func=_update_a_removed_theme, methods=["POST"])
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/test/duplicate", "/test/removed"])
def test_conflicting_write_is_a_409_page_in_the_readers_language(app, conflict_app, path):
    response = conflict_app.test_client().post(path, headers={"Accept-Language": "fi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Joku muu tallensi muutoksen samaan kohteeseen samalla hetkellä" in page
    assert "Traceback" not in page
    db.session.expire_all()
    assert db.session.scalars(select(Theme.slug).where(Theme.slug == "kaksi")).all() == []
