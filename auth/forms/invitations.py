"""Forms for inviting people to a city and for accepting an invitation."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from auth.forms.registration import (email_field, password_confirm_field, password_field, strip_text,
                                     terms_field)
from auth.models import INVITABLE_CITY_ROLES
from auth.roles import Role
from core.forms import Form
from core.i18n import LANGUAGE_NAMES


class InvitationForm(Form):
    """A city admin invites a person to one of the city's roles, a company owner a colleague (the view sets the roles)."""

    email = email_field(_l("Email address of the person to invite"),
                        missing=_l("Enter the email address of the person to invite."))
    name = StringField(_l("Name (optional)"), filters=[strip_text], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=Role.choices(INVITABLE_CITY_ROLES),
                       validators=[DataRequired(message=_l("Choose a role."))])
    locale = SelectField(_l("Language of the invitation"), choices=list(LANGUAGE_NAMES.items()),
                         validators=[DataRequired(message=_l("Choose a language."))])


class NewAccountForm(Form):
    """An invited person without an account creates one."""

    name = StringField(_l("Your name"), filters=[strip_text], validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)])
    password = password_field()
    password_confirm = password_confirm_field()
    accept_terms = terms_field()
