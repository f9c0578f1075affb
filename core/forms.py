"""The base forms every form of Kokeilu inherits, and the shared kernel's own forms.

`Form` (and `RowForm` for the rows of a FieldList) put one check in front of
every field's validators: no control characters in what was typed (tab and
line breaks only in multi-line text and never in a file name), and nothing
the database cannot hold (integers beyond its range, amounts that are not
finite or too large, dates outside FIRST_YEAR..LAST_YEAR). A refused value
gets a translated message next to its field and never reaches a service.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation

from core.i18n import LANGUAGE_NAMES
from core.limits import FIRST_YEAR, LAST_YEAR, MAX_AMOUNT, has_control_characters, int_in_range

ONE_LINE = _l("Write this on one line, without control characters.")
CONTROL_IN_TEXT = _l("Remove the invisible control characters from this text.")
CONTROL_IN_FILE_NAME = _l("Rename the file: its name contains control characters.")
NOT_OFFERED = _l("Choose one of the options offered.")
NUMBER_TOO_LARGE = _l("This number is too large.")
NOT_A_NUMBER = _l("Enter an amount in digits, such as 15000 or 15000.50.")
AMOUNT_TOO_LARGE = _l("The amount is too large.")
DATE_OUT_OF_RANGE = _l("Enter a date between the years %(first)d and %(last)d.", first=FIRST_YEAR,
                       last=LAST_YEAR)


def _text_problem(field: wtforms.Field) -> Any:
    """The message for control characters in what was sent for the field, or None."""
    for value in field.raw_data or ():
        if isinstance(value, FileStorage):
            if value.filename and has_control_characters(value.filename):
                return CONTROL_IN_FILE_NAME
        elif isinstance(value, str):
            multiline = isinstance(field, TextAreaField)
            if has_control_characters(value, multiline=multiline):
                return CONTROL_IN_TEXT if multiline else ONE_LINE
    return None


def _value_problem(field: wtforms.Field) -> Any:
    """The message for a value the database cannot hold, or None."""
    data = field.data
    for value in data if isinstance(data, (list, tuple)) else (data,):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not int_in_range(value):
            return NOT_OFFERED if hasattr(field, "choices") else NUMBER_TOO_LARGE
        if isinstance(value, Decimal):
            if not value.is_finite():
                return NOT_A_NUMBER
            if abs(value) >= MAX_AMOUNT:
                return AMOUNT_TOO_LARGE
        if isinstance(value, date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            return DATE_OUT_OF_RANGE
    return None


def storable(form: wtforms.Form, field: wtforms.Field) -> None:
    """Stop a field's validation when its value could break a page, an email or the database."""
    message = _text_problem(field) or _value_problem(field)
    if message is not None:
        raise StopValidation(message)


def _unreadable(field: wtforms.Field) -> Any:
    """WTForms' own message when something was typed that the field could not read (a blank is no value)."""
    typed = any(isinstance(value, str) and value.strip() for value in field.raw_data or ())
    return field.process_errors[0] if typed and field.process_errors else None


def _rows_storable(fields) -> bool:
    """Check the fields inside FieldList rows and FormFields, whose own validate may have skipped them.

    A row form may decide a row needs no checks (blank, or marked for removal); what was sent in it
    is refused all the same, so that nothing unstorable passes silently.
    """
    ok = True
    for field in fields:
        if isinstance(field, wtforms.FieldList):
            ok = _rows_storable(field.entries) and ok
        elif isinstance(field, wtforms.FormField):
            ok = _rows_storable(field.form) and ok
        elif not field.errors:
            message = _text_problem(field) or _value_problem(field) or _unreadable(field)
            if message is not None:
                field.errors = [*field.errors, message]
                ok = False
    return ok


class StorableMeta:
    """Form options that put `storable` before every field's own validators."""

    def bind_field(self, form, unbound_field, options):
        """Bind the field as WTForms does, then check its value first."""
        field = super().bind_field(form, unbound_field, options)
        field.validators = [storable, *field.validators]
        return field


class Form(FlaskForm):
    """The base of every form: CSRF-protected, every field checked by `storable` first."""

    Meta = StorableMeta

    def validate(self, extra_validators=None) -> bool:
        """Validate as WTForms does, then check the rows of lists whatever the rows decided."""
        valid = super().validate(extra_validators)
        nested = [f for f in self if isinstance(f, (wtforms.FieldList, wtforms.FormField))]
        return _rows_storable(nested) and valid


class RowForm(wtforms.Form):
    """The base of a form repeated as the rows of a FieldList (no CSRF token of its own)."""

    Meta = StorableMeta


class FieldList(wtforms.FieldList):
    """WTForms' FieldList that reads only plain row numbers from field names.

    WTForms takes any name part for which `str.isdigit()` holds and calls int() on
    it, so "sites-²-name" or a 5000-digit row number would raise an error.
    """

    def _extract_indices(self, prefix, formdata):
        """Row numbers of the keys under prefix: ASCII digits, at most six of them."""
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                number = key[offset:].split(self._field_separator, 1)[0]
                if number.isascii() and number.isdigit() and len(number) <= 6:
                    yield int(number)


class NextField(HiddenField):
    """Where to go after the form. A return address that is not a plain one is dropped, never refused:
    the user did not type it, could not correct it, and `safe_next` then sends them to the default page."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Keep the value only when it holds no control characters."""
        value = valuelist[0] if valuelist and isinstance(valuelist[0], str) else ""
        if has_control_characters(value):
            value = ""
        self.raw_data, self.data = [value], value


class LanguageForm(Form):
    """The language switcher shown on every page."""

    lang = RadioField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                      validators=[DataRequired(message=_l("Choose a language."))])
    next = NextField()


class AccessibilityFeedbackForm(Form):
    """Report an accessibility problem (Act on the Provision of Digital Services, 15 §)."""

    page = StringField(_l("Page or service where the problem was"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(
        _l("Describe the problem"),
        validators=[DataRequired(message=_l("Describe the problem you ran into.")), Length(max=5000)],
    )
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("Your email address (optional, if you want a reply)"),
        validators=[Optional(), Email(message=_l("Enter a valid email address.")), Length(max=254)],
    )
