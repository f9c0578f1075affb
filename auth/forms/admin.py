"""Forms of user and organisation administration."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from auth.models import OrgKind
from auth.roles import Role
from auth.validators import BusinessId
from core.forms import Form


def _strip(value: str | None) -> str | None:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


class SearchForm(Form):
    """The search box of an admin list; sent with GET, so without a CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name or email"), filters=[_strip], validators=[Optional(), Length(max=200)])


class OrganisationSearchForm(SearchForm):
    """The search box of the organisation list, which matches names and business IDs (organisations have no email)."""

    q = SearchField(_l("Search by name or business ID"), filters=[_strip],
                    validators=[Optional(), Length(max=200)])


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class MembershipForm(Form):
    """Give a person a role in an organisation."""

    # Choices list what the admin may pick; an organisation outside them is refused
    # with 403 by the view's permission check, not hidden as a form error.
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False,
                                  validators=[DataRequired(message=_l("Choose an organisation."))])
    role = SelectField(_l("Role"), choices=Role.choices(),
                       validators=[DataRequired(message=_l("Choose a role."))])


class OrganisationForm(Form):
    """An organisation's kind, names and identifiers."""

    kind = SelectField(_l("Kind"), choices=OrgKind.choices(),
                       validators=[DataRequired(message=_l("Choose the kind of organisation."))])
    name = StringField(_l("Official name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the official name.")), Length(max=200)])
    name_sv = StringField(_l("Name in Swedish"), filters=[_strip], validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[Optional(), Length(max=200)])
    slug = StringField(_l("Short name in addresses"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter a short name.")), Length(min=2, max=80),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
               message=_l("Use lower-case letters a–z, digits and single hyphens."))])
    business_id = StringField(_l("Business ID"), filters=[_strip], validators=[Optional(), BusinessId()])
    is_sme = BooleanField(_l("Small or medium-sized enterprise"))
    bilingual = BooleanField(_l("Bilingual city (Finnish and Swedish)"))
    is_active = BooleanField(_l("Active"), default=True)


class OrganisationEditForm(OrganisationForm):
    """Editing keeps the kind: the roles people hold depend on it."""

    kind = None
