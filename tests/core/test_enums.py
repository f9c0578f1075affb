"""Labelled enums: the stored values, their labels in the reader's language, and the lists made from them."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from auth.forms.admin import OrganisationForm
from auth.models import OrgKind
from auth.roles import Role
from core.enums import LabelledEnum
from core.models import sql_values


class Colour(LabelledEnum):
    """A sample enum."""

    RED = "red", _l("Red")
    DARK_BLUE = "dark_blue", _l("Dark blue")


def test_members_are_their_stored_values():
    assert Colour.RED == "red" and str(Colour.DARK_BLUE) == "dark_blue" and f"{Colour.RED}" == "red"
    assert Colour("dark_blue") is Colour.DARK_BLUE and Colour.values() == ("red", "dark_blue")


def test_choices_pair_values_with_labels_in_order():
    assert Colour.choices() == [("red", Colour.RED.label), ("dark_blue", Colour.DARK_BLUE.label)]
    assert Colour.choices([Colour.DARK_BLUE]) == [("dark_blue", Colour.DARK_BLUE.label)]


def test_label_of_a_stored_value_and_refusal_of_an_unknown_one():
    assert str(Colour.label_of("red")) == "Red"
    with pytest.raises(ValueError):
        Colour.label_of("green")


def test_labels_are_read_in_the_readers_language(app):
    with force_locale("fi"):
        assert str(Role.DECISION_MAKER.label) == "Päätöksentekijä"
        assert dict(OrganisationForm().kind.choices)["municipal_company"] == "Kunnallinen yhtiö"
    with force_locale("sv"):
        assert str(OrgKind.label_of("city")) == "Stad"


def test_sql_values_lists_members_for_a_check_constraint_and_refuses_anything_else():
    assert sql_values(Colour) == "'red', 'dark_blue'"
    assert sql_values([Colour.DARK_BLUE, "red"]) == "'dark_blue', 'red'"
    for bad in (["red'); DROP TABLE users; --"], ["Red"], []):
        with pytest.raises(ValueError):
            sql_values(bad)
