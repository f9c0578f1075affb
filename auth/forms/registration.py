"""Forms for registration, email verification and password reset."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from auth.passwords import MIN_LENGTH
from auth.services.registration import JOIN_COMPANY, NEW_COMPANY
from auth.validators import BusinessId
from core.forms import Form
from core.i18n import LANGUAGE_NAMES


def strip_text(value: str | None) -> str | None:
    """Drop surrounding spaces from typed text."""
    return value.strip() if isinstance(value, str) else value


def email_field(label=None, missing=None) -> EmailField:
    """An email address field with the usual checks; `missing` says what to enter when it is someone else's."""
    return EmailField(label or _l("Email address"), filters=[strip_text], validators=[
        DataRequired(message=missing or _l("Enter your email address.")),
        Email(message=_l("Enter a valid email address, such as name@example.com.")), Length(max=254)])


def password_field(label=None) -> PasswordField:
    """A new password, at least MIN_LENGTH characters."""
    return PasswordField(label or _l("Password"), validators=[
        DataRequired(message=_l("Choose a password.")),
        Length(min=MIN_LENGTH, max=1000, message=_l(
            "Use at least %(num)d characters (a few words make a good password).", num=MIN_LENGTH))])


def password_confirm_field() -> PasswordField:
    """The new password again, which must match."""
    return PasswordField(_l("Password again"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords do not match."))])


def terms_field() -> BooleanField:
    """Acceptance of the terms of use and privacy notice."""
    return BooleanField(_l("I accept the terms of use and the privacy notice"), validators=[
        DataRequired(message=_l("Accept the terms of use and the privacy notice to continue."))])


class RegistrationForm(Form):
    """A company's person creates an account, and a new company or a request to join one."""

    name = StringField(_l("Your name"), filters=[strip_text], validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)])
    email = email_field()
    password = password_field()
    password_confirm = password_confirm_field()
    locale = SelectField(_l("Language of emails and pages"), choices=list(LANGUAGE_NAMES.items()),
                         validators=[DataRequired(message=_l("Choose a language."))])
    company_action = RadioField(_l("Your company"), default=NEW_COMPANY, choices=[
        (NEW_COMPANY, _l("Register a new company")),
        (JOIN_COMPANY, _l("Join a company already registered"))],
        validators=[DataRequired(message=_l("Choose whether to register a new company or join one."))])
    business_id = StringField(_l("Business ID (Y-tunnus)"), filters=[strip_text], validators=[
        DataRequired(message=_l("Enter the company's business ID.")), BusinessId()])
    company_name = StringField(_l("Company name"), filters=[strip_text], validators=[Length(max=200)])
    accept_terms = terms_field()

    def validate_company_name(self, field) -> None:
        """A new company needs a name; joining one does not."""
        if self.company_action.data == NEW_COMPANY and not field.data:
            raise ValidationError(_l("Enter the name of the company you are registering."))


class EmailForm(Form):
    """Just an email address: to resend a verification link or to reset a password."""

    email = email_field()


class PasswordResetForm(Form):
    """A new password, typed twice."""

    password = password_field(_l("New password"))
    password_confirm = password_confirm_field()
