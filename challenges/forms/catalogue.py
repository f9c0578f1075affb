"""Forms of the public catalogue, following and subscriptions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField, SelectMultipleField
from wtforms.validators import Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from challenges.services.catalogue import DEADLINES, STATUS_GROUPS
from core.forms import Form


def _strip(value: str | None) -> str | None:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


class OfferedChoice:
    """The value must be one of the field's choices; a clear message instead of WTForms' generic one."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise StopValidation(self.message)


def _choice_field(label, message, choices=None) -> SelectField:
    """A filter select whose unknown values are refused with message."""
    return SelectField(label, choices=choices, validate_choice=False,
                       validators=[Optional(), OfferedChoice(message)])


class CatalogueFilterForm(Form):
    """The catalogue's filters, sent with GET so without a CSRF token; the view sets the choices."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search words"), filters=[_strip], validators=[Optional(), Length(max=200)])
    city = _choice_field(_l("City"), _l("Choose one of the cities in the list."))
    theme = _choice_field(_l("Theme"), _l("Choose one of the themes in the list."))
    status = _choice_field(_l("Status"), _l("Choose one of the statuses in the list."),
                           [("", _l("Any status"))] + [(k, v[0]) for k, v in STATUS_GROUPS.items()])
    deadline = _choice_field(_l("Proposal deadline"), _l("Choose one of the deadlines in the list."),
                             [("", _l("Any deadline"))] + [(k, v[0]) for k, v in DEADLINES.items()])


class ActionForm(Form):
    """A button that changes something (follow, unfollow): only the CSRF token."""


class CheckboxGroupField(SelectMultipleField):
    """Several choices as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionsForm(Form):
    """The cities and themes whose newly opened calls the user wants to hear about (choices by the view)."""

    cities = CheckboxGroupField(_l("Cities"), coerce=int)
    themes = CheckboxGroupField(_l("Themes"), coerce=int)
