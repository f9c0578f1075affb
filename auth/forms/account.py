"""Forms of a person's own account: profile, password change and account deletion."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from auth.passwords import MIN_LENGTH
from auth.roles import Role
from core.forms import Form
from core.i18n import LANGUAGE_NAMES
from core.notifications import Delivery, Kind


def _strip(value: str | None) -> str | None:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


class ProfileForm(Form):
    """Name and preferred language (for pages and emails)."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)])
    locale = RadioField(_l("Language of pages and emails"), choices=list(LANGUAGE_NAMES.items()),
                        validators=[DataRequired(message=_l("Choose a language."))])


# Kinds of email only a city's staff are sent, and the roles that get them: nobody else is asked about them
# (a company reading "challenges sent for approval, approved or returned" would wonder what it has to do with it).
STAFF_KINDS = {Kind.QUESTIONS: {Role.OFFICER.value},
               Kind.APPROVALS: {Role.OFFICER.value, Role.DECISION_MAKER.value}}


class NotificationsForm(Form):
    """How a person gets each kind of email: at once, in a daily digest, or never (one field per Kind)."""

    def offered_to(self, roles: set[str]) -> NotificationsForm:
        """The form without the kinds of email that none of the person's roles is ever sent."""
        for kind, senders in STAFF_KINDS.items():
            if not roles & senders:
                del self[kind.value]
        return self

    def choices(self) -> dict[str, str]:
        """The chosen delivery of each kind shown, by kind value."""
        return {kind.value: self[kind.value].data for kind in Kind if kind.value in self}


for _kind in Kind:
    setattr(NotificationsForm, _kind.value, RadioField(
        _kind.label, choices=Delivery.choices(), default=Delivery.IMMEDIATE.value,
        validators=[InputRequired(message=_l("Choose how you get these emails."))]))


class PasswordForm(Form):
    """The current password and a new one, typed twice."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=1000)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(min=MIN_LENGTH, max=1000,
               message=_l("Use at least %(min)d characters.", min=MIN_LENGTH))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Type the new password again.")),
        EqualTo("new_password", message=_l("The two new passwords differ."))])


class DeleteAccountForm(Form):
    """Deleting one's account is confirmed with the current password."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password to confirm.")), Length(max=1000)])
