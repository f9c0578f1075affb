"""Forms of the shared kernel: language choice and accessibility feedback."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from core.i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    """The language switcher shown on every page."""

    lang = RadioField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                      validators=[DataRequired(message=_l("Choose a language."))])
    next = HiddenField()


class AccessibilityFeedbackForm(FlaskForm):
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
