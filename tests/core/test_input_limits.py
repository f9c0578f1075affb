"""Input at the edges: ids, paging values, control characters, amounts and dates are refused, never a 500.

The bounded `int` URL converter and `bounded_int` hold numbers to the database's
range; the base form (core.forms.Form) refuses, next to the field, what a page,
an email or the database could not hold.
"""
from __future__ import annotations

import inspect
import io
import re
from pathlib import Path

import pytest
import wtforms
from flask_babel import force_locale
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.routing import IntegerConverter
from wtforms import (DateField, DateTimeLocalField, DecimalField, FormField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)

from core.forms import FieldList, Form, RowForm
from core.limits import INT_MAX, bounded_int, single_line, xml_text
from tests.factories import app_form_classes

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("auth", "challenges", "core")  # where request values are read


# --- integers in addresses and query strings ------------------------------------------------

@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", "99999999999999999999", "0"])
def test_int_url_parameter_beyond_the_database_range_is_not_found(client, value):
    assert client.get(f"/challenges/{value}").status_code == 404
    assert client.get(f"/challenges/{value}/dialogue/events/{value}").status_code == 404


def test_int_url_parameter_at_the_top_of_the_range_is_an_ordinary_missing_page(client):
    assert client.get(f"/challenges/{INT_MAX}").status_code == 404


def test_every_int_url_parameter_is_bounded(app):
    unbounded = [rule.rule for rule in app.url_map.iter_rules() for converter in rule._converters.values()
                 if type(converter) is IntegerConverter]
    assert unbounded == []


def test_bounded_int_accepts_ids_and_refuses_what_the_database_cannot_hold():
    assert bounded_int("1") == 1 and bounded_int(str(INT_MAX)) == INT_MAX
    for bad in ("0", "-1", str(INT_MAX + 1), "1e3", "²", "9" * 5000, ""):
        with pytest.raises(ValueError):
            bounded_int(bad)


@pytest.mark.parametrize("role, url", [
    ("officer", "/manage/challenges?after=99999999999999999999"),
    ("platform_admin", "/admin/users?after=9223372036854775808"),
    ("user", "/following?after=99999999999999999999"),
    (None, "/challenges?after=2147483648"),
])
def test_paging_values_beyond_the_range_are_ignored(client, login_as, role, url):
    if role:
        login_as(role)
    assert client.get(url).status_code == 200


def test_no_code_reads_an_integer_from_a_request_without_bounds():
    pattern = re.compile(r"type=int\b|int\(request\.")
    sources = [path for package in PACKAGES for path in (REPO / package).rglob("*.py")]
    found = [f"{path.relative_to(REPO)}:{n}" for path in sources
             for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == [], "use core.limits.bounded_int"


# --- the base form ------------------------------------------------------------------------

class _Row(RowForm):
    name = StringField()


class _Sample(Form):
    title = StringField()
    text = TextAreaField()
    amount = DecimalField(places=2)
    count = IntegerField()
    city = SelectField(coerce=int, choices=[(1, "Helsinki")], validate_choice=False)
    themes = SelectMultipleField(coerce=int, validate_choice=False)
    day = DateField()
    when = DateTimeLocalField(format="%Y-%m-%dT%H:%M")
    file = FileField()
    rows = FieldList(FormField(_Row), max_entries=3)


def _validate(app, data: MultiDict) -> _Sample:
    """Post data to the sample form and validate it as a view would."""
    with app.test_request_context(method="POST", data=data, content_type="multipart/form-data"), \
            force_locale("en"):
        form = _Sample()
        form.validate()
        form.messages = {name: [str(m) for m in field.errors] for name, field in form._fields.items()}
        form.row_messages = [[str(m) for m in entry.form.name.errors] for entry in form.rows]
        return form


@pytest.mark.parametrize("value", ["a\x00b", "a\x0bb", "A\r\nBcc: x@example.org", "a\tb", "a\x85b", "\ufffe"])
def test_base_form_refuses_control_characters_in_one_line_text(app, value):
    form = _validate(app, MultiDict({"title": value}))
    assert form.messages["title"] == ["Write this on one line, without control characters."]


def test_base_form_keeps_tab_and_line_breaks_in_multi_line_text(app):
    form = _validate(app, MultiDict({"text": "First line\r\n\tindented\nlast"}))
    assert form.messages["text"] == []
    for bad in ("a\x00b", "a\x0bb", "a\x1bb"):
        form = _validate(app, MultiDict({"text": bad}))
        assert form.messages["text"] == ["Remove the invisible control characters from this text."]


@pytest.mark.parametrize("value, message", [
    ("sNaN", "Enter an amount in digits, such as 15000 or 15000.50."),
    ("NaN", "Enter an amount in digits, such as 15000 or 15000.50."),
    ("Infinity", "Enter an amount in digits, such as 15000 or 15000.50."),
    ("-Infinity", "Enter an amount in digits, such as 15000 or 15000.50."),
    ("1e20", "The amount is too large."),
    ("10000000000", "The amount is too large."),
])
def test_base_form_refuses_amounts_the_database_cannot_hold(app, value, message):
    form = _validate(app, MultiDict({"amount": value}))
    assert form.messages["amount"] == [message]


def test_base_form_accepts_the_largest_amount_and_redisplays_a_refused_one(app):
    assert _validate(app, MultiDict({"amount": "9999999999.99"})).messages["amount"] == []
    with app.test_request_context(method="POST", data={"amount": "sNaN"}):
        form = _Sample()
        form.validate()
        assert 'value="sNaN"' in str(form.amount())  # shown as typed; formatting it would raise


@pytest.mark.parametrize("name, value, message", [
    ("count", "2147483648", "This number is too large."),
    ("count", "-99999999999999999999", "This number is too large."),
    ("city", "99999999999999999999", "Choose one of the options offered."),
    ("themes", "2147483648", "Choose one of the options offered."),
])
def test_base_form_refuses_integers_beyond_the_database_range(app, name, value, message):
    data = MultiDict([(name, "1"), (name, value)] if name == "themes" else [(name, value)])
    assert _validate(app, data).messages[name] == [message]


@pytest.mark.parametrize("name, value", [("day", "0001-01-01"), ("day", "9999-12-31"),
                                         ("when", "0001-01-01T00:00"), ("when", "1999-12-31T23:59")])
def test_base_form_refuses_dates_outside_the_window(app, name, value):
    assert _validate(app, MultiDict({name: value})).messages[name] == [
        "Enter a date between the years 2000 and 2100."]


def test_base_form_accepts_ordinary_values(app):
    form = _validate(app, MultiDict([("title", "Älykäs välitunti – 2026"), ("amount", "15000.50"),
                                     ("count", "3"), ("city", "1"), ("themes", "1"), ("themes", "2"),
                                     ("day", "2026-05-01"), ("when", "2026-05-01T12:00")]))
    assert not any(form.messages.values())


def test_base_form_refuses_a_file_name_with_control_characters(app):
    upload = FileStorage(io.BytesIO(b"%PDF-1.7"), filename="plan\x00.pdf")
    assert _validate(app, MultiDict({"file": upload})).messages["file"] == [
        "Rename the file: its name contains control characters."]


def test_rows_of_a_field_list_are_checked_too(app):
    form = _validate(app, MultiDict({"rows-0-name": "ok", "rows-1-name": "a\x00b"}))
    assert form.row_messages == [[], ["Write this on one line, without control characters."]]


class _SkippedRow(RowForm):
    """A row whose own validate decides it needs no checks, as a row marked for removal does."""

    name = StringField()
    weight = IntegerField()

    def validate(self, extra_validators=None) -> bool:
        """Nothing to check here."""
        return True


class _WithSkippedRows(Form):
    rows = FieldList(FormField(_SkippedRow), max_entries=3)


@pytest.mark.parametrize("key, value, message", [
    ("rows-0-name", "a\x00b", "Write this on one line, without control characters."),
    ("rows-0-weight", "2147483648", "This number is too large."),
    ("rows-0-weight", "abc", "Not a valid integer value."),
])
def test_values_in_rows_that_skip_their_checks_are_refused_all_the_same(app, key, value, message):
    with app.test_request_context(method="POST", data={key: value}), force_locale("en"):
        form = _WithSkippedRows()
        assert not form.validate()
        row = form.rows.entries[0].form
        assert [str(m) for m in row[key.rsplit("-", 1)[1]].errors] == [message]


def test_a_blank_row_is_no_error(app):
    with app.test_request_context(method="POST", data={"rows-0-name": "", "rows-0-weight": ""}):
        assert _WithSkippedRows().validate()


@pytest.mark.parametrize("key", ["rows-²-name", f"rows-{'9' * 5000}-name", "rows--1-name", "rows-٣-name"])
def test_odd_row_numbers_in_field_names_are_ignored(app, key):
    form = _validate(app, MultiDict({key: "x", "rows-0-name": "kept"}))
    assert [entry.form.name.data for entry in form.rows] == ["kept"]


def test_refusals_are_translated(app):
    with app.test_request_context(method="POST", data={"title": "a\x00b"}), force_locale("fi"):
        form = _Sample()
        form.validate()
        assert str(form.title.errors[0]) != "Write this on one line, without control characters."


def test_every_form_inherits_the_base_form():
    classes = app_form_classes()
    assert len(classes) > 30
    assert [c.__qualname__ for c in classes if not issubclass(c, (Form, RowForm))] == []


def test_every_field_list_reads_row_numbers_safely():
    unbound = wtforms.fields.core.UnboundField
    fields = [(cls.__qualname__, name, member.field_class) for cls in app_form_classes()
              for name, member in inspect.getmembers(cls, lambda m: isinstance(m, unbound))]
    lists = [(form, name) for form, name, field in fields if issubclass(field, wtforms.FieldList)]
    assert lists and [(form, name) for form, name, field in fields
                      if issubclass(field, wtforms.FieldList) and not issubclass(field, FieldList)] == []


# --- text leaving for headers and XML ------------------------------------------------------

def test_single_line_makes_text_fit_for_an_email_header():
    assert single_line("Haaste\r\nBcc: all@example.org\x0b\x00 ") == "Haaste Bcc: all@example.org"
    assert single_line("x" * 400, 300) == "x" * 299 + "…"


def test_xml_text_drops_only_what_xml_forbids():
    assert xml_text("a\x0bb\x00c\tä\n€\ufffe") == "abc\tä\n€"
