"""Texts stored once per language, read in the reader's language with a marked fallback to Finnish."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from auth.models import Organisation
from challenges.models import Theme
from core.i18n import Localized, localized, sql_in_languages, translations

TEXTS = SimpleNamespace(title_fi="Koulujen ruokahävikki", title_sv="Matsvinn i skolor", title_en=None)


@pytest.mark.parametrize("reader, expected", [
    ("fi", Localized("Koulujen ruokahävikki", "fi", False)),
    ("sv", Localized("Matsvinn i skolor", "sv", False)),
    ("en", Localized("Koulujen ruokahävikki", "fi", True)),
])
def test_localized_reads_the_readers_language_and_marks_a_fallback(app, reader, expected):
    with force_locale(reader):
        assert localized(TEXTS, "title") == expected
    assert localized(TEXTS, "title", language=reader) == expected


def test_localized_names_the_finnish_column_when_it_is_not_field_fi(app):
    city = Organisation(name="Helsinki", name_sv="Helsingfors", name_en="")
    with force_locale("sv"):
        assert city.display_name == "Helsingfors"
    with force_locale("en"):
        assert city.display_name == "Helsinki"
        assert localized(city, "name", finnish="name").is_fallback
    assert translations(city, "name", finnish="name") == ["Helsinki", "Helsingfors", ""]


def test_theme_name_falls_back_to_finnish(app):
    theme = Theme(slug="x", name_fi="Ilmasto", name_sv="Klimat", name_en="")
    with force_locale("en"):
        assert theme.name == "Ilmasto"
    with force_locale("sv"):
        assert theme.name == "Klimat"


def test_sql_in_languages_matches_the_constraint_the_migrations_created():
    assert sql_in_languages("locale") == "locale IN ('fi', 'sv', 'en')"
