"""The login form."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from core.forms import Form, NextField


class LoginForm(Form):
    """Email and password; the field names are part of the public contract."""

    email = EmailField(_l("Email address"), validators=[
        DataRequired(message=_l("Enter your email address.")),
        Email(message=_l("Enter a valid email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=1000)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = NextField()
