"""Forms of the officer's side of a challenge: creation, the edit sections, attachments, workflow actions.

Each section form takes its initial data from a challenge (`initial()`) and
hands the service plain values (`values()`); deadlines are typed on the
Helsinki clock and given to the service in UTC. Every edit form carries the
version of the challenge it was loaded from, so a stale save can be refused.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DateTimeLocalField, DecimalField, FormField, HiddenField,
                     IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from challenges.forms.languages import Translations, in_three_languages
from challenges.models import Challenge, ChallengeState, Compensation, PilotKind, SiteKind
from challenges.ownership import lead_city
from challenges.services import challenges as services
from challenges.services.criteria import MAX_CRITERIA, SCALE_POINTS, criteria_items, template_criteria
from challenges.services.criteria import TEXTS as CRITERION_TEXTS
from challenges.services.sites import MAX_SITES, ROW_FIELDS, SITE_FIELDS, host_contacts, too_many_sites
from challenges.workflow import WITH_DIALOGUE, variants
from core.forms import FieldList, Form, RowForm
from core.i18n import LANGUAGE_LABELS, helsinki_to_utc, to_helsinki

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value: Any) -> Any:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


def _local(value: datetime | None) -> datetime | None:
    """A stored UTC time as the naive Helsinki wall-clock time a form shows."""
    return to_helsinki(value).replace(tzinfo=None) if value else None


def _utc(value: datetime | None) -> datetime | None:
    """A typed Helsinki wall-clock time as aware UTC."""
    return helsinki_to_utc(value) if value else None


class VersionedForm(Form):
    """An edit form that remembers the version of the challenge it was loaded from."""

    version = HiddenField()

    def field_for(self, key: Any):
        """The field an error from the service belongs to (None for the whole form)."""
        return getattr(self, key, None) if isinstance(key, str) else None

    def edits_rows(self) -> bool:
        """True when the post added or removed a row, to show again unsaved; a form with rows says how."""
        return False


class AmendmentForm(VersionedForm):
    """A section that needs a reason once the challenge is published (the service requires it then)."""

    reason = TextAreaField(_l("Reason for the change"), filters=[_strip],
                           validators=[Optional(), Length(max=2000)])


class NewChallengeForm(Form):
    """Start a challenge: city, variant, kind of pilot, title and summary in Finnish."""

    city_id = SelectField(_l("City"), coerce=int, validate_choice=False,
                          validators=[DataRequired(message=_l("Choose the city."))])
    variant = RadioField(_l("Market dialogue"), choices=[(w.name, w.label) for w in variants()], default=WITH_DIALOGUE,
                         validators=[DataRequired(message=_l("Choose whether there is a market dialogue."))])
    pilot_kind = RadioField(_l("Kind of pilot"), choices=PilotKind.choices(),
                            default=PilotKind.PAID.value,
                            validators=[DataRequired(message=_l("Choose the kind of pilot."))])
    title_fi = StringField(_l("Title in Finnish"), filters=[_strip], validators=[
        DataRequired(message=_l("Write the title in Finnish.")), Length(max=200)])
    summary_fi = TextAreaField(_l("Summary in Finnish"), filters=[_strip], validators=[
        DataRequired(message=_l("Write a short summary in Finnish.")), Length(max=2000)])


class TextsForm(Translations, VersionedForm):
    """Title, summary, problem and end users in three languages, the authoritative language and the themes."""

    TRANSLATED = ("title", "summary", "problem", "end_users")
    MARKDOWN = frozenset({"problem", "end_users"})

    language = SelectField(_l("Authoritative language"), choices=list(LANGUAGE_LABELS.items()),
                           validators=[DataRequired(message=_l("Choose the authoritative language."))])
    title_fi = StringField(_l("Title in Finnish"), filters=[_strip], validators=[
        DataRequired(message=_l("Write the title in Finnish.")), Length(max=200)])
    summary_fi = TextAreaField(_l("Summary in Finnish"), filters=[_strip], validators=[
        DataRequired(message=_l("Write a short summary in Finnish.")), Length(max=2000)])
    title_sv = StringField(_l("Title in Swedish"), filters=[_strip], validators=[Optional(), Length(max=200)])
    summary_sv = TextAreaField(_l("Summary in Swedish"), filters=[_strip],
                               validators=[Optional(), Length(max=2000)])
    title_en = StringField(_l("Title in English"), filters=[_strip], validators=[Optional(), Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English"), filters=[_strip],
                               validators=[Optional(), Length(max=2000)])
    problem, problem_sv, problem_en = in_three_languages(_l("Problem statement"), max_length=20000)
    end_users, end_users_sv, end_users_en = in_three_languages(_l("End users"), max_length=10000)
    themes = SelectMultipleField(_l("Themes"), coerce=int, validate_choice=False)

    @staticmethod
    def initial(challenge: Challenge) -> dict[str, Any]:
        """The form's data from the challenge."""
        data = {name: getattr(challenge, name) for name in services.TEXT_FIELDS}
        data["themes"] = [t.id for t in challenge.themes]
        return data

    def values(self) -> dict[str, Any]:
        """The texts for the service."""
        return {name: getattr(self, name).data for name in services.TEXT_FIELDS}


class SiteRowForm(RowForm):
    """One pilot site; a blank new row is ignored."""

    id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    name = StringField(_l("Name of the site"), filters=[_strip], validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind of site"), validators=[Optional()],
                       choices=[("", "")] + SiteKind.choices())
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), Length(max=300)])
    host_name = StringField(_l("Contact person's name"), filters=[_strip],
                            validators=[Optional(), Length(max=200)])
    host_email = StringField(_l("Contact person's email address"), filters=[_strip], validators=[
        Optional(), Email(message=_l("Enter a valid email address.")), Length(max=254)])
    remove = BooleanField(_l("Remove this site"))

    def is_blank(self) -> bool:
        """A new row where nothing was typed."""
        return not self.id.data and not any((self.name.data, self.address.data, self.host_name.data,
                                             self.host_email.data))

    def validate(self, extra_validators=None) -> bool:
        """Blank new rows and rows to remove need no checking."""
        if self.is_blank() or self.remove.data:
            return True
        return super().validate(extra_validators)


class SitesForm(VersionedForm):
    """Every pilot site of the challenge, plus a row for a new one while there is room."""

    # One row more than the limit: a new site beyond it is refused with a message, not dropped or a 500.
    sites = FieldList(FormField(SiteRowForm), min_entries=1, max_entries=MAX_SITES + 1)

    @staticmethod
    def initial(challenge: Challenge) -> dict[str, Any]:
        """The existing sites with their hosts, and one empty row (none when the challenge has as many as it may)."""
        hosts = host_contacts(challenge)
        rows = [{"id": s.id, **{f: getattr(s, f) for f in SITE_FIELDS},
                 "host_name": getattr(hosts.get(s.id), "name", None),
                 "host_email": getattr(hosts.get(s.id), "email", None)}
                for s in challenge.sites][:MAX_SITES + 1]
        return {"sites": rows + [{}] if len(rows) < MAX_SITES else rows}

    def rows(self) -> list[SiteRowForm]:
        """The rows that mean something (blank new rows dropped)."""
        return [entry.form for entry in self.sites if not entry.form.is_blank()]

    def validate(self, extra_validators=None) -> bool:
        """The rows' own checks, and no more sites than a challenge may have."""
        ok = super().validate(extra_validators)
        kept = [row for row in self.rows() if not row.remove.data]
        if len(kept) > MAX_SITES:
            kept[-1].name.errors = [*kept[-1].name.errors, too_many_sites()]
            ok = False
        return ok

    def values(self) -> list[dict[str, Any]]:
        """The site rows for the service."""
        return [{"id": r.id.data, "remove": r.remove.data,
                 **{f: getattr(r, f).data for f in ROW_FIELDS}} for r in self.rows()]

    def field_for(self, key: Any):
        """Row errors ("sites", index, field) land on that row's field."""
        if isinstance(key, tuple):
            rows = self.rows()
            return getattr(rows[key[1]], key[2], None) if key[1] < len(rows) else None
        return super().field_for(key)


class BudgetForm(Translations, AmendmentForm):
    """The kind of pilot, the money and what the city offers."""

    TRANSLATED = ("offer_details",)
    MARKDOWN = frozenset(TRANSLATED)

    pilot_kind = RadioField(_l("Kind of pilot"), choices=PilotKind.choices(),
                            validators=[DataRequired(message=_l("Choose the kind of pilot."))])
    max_per_pilot = DecimalField(_l("Maximum per pilot (euros, excluding VAT)"), places=2, validators=[
        Optional(), NumberRange(min=0, message=_l("The amount cannot be negative."))])
    total_budget = DecimalField(_l("Total budget (euros, excluding VAT)"), places=2, validators=[
        Optional(), NumberRange(min=0, message=_l("The amount cannot be negative."))])
    pilot_count = IntegerField(_l("Number of pilots"), validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number of at least 1."))])
    compensation = RadioField(_l("Compensation"),
                              choices=Compensation.choices(),
                              validators=[DataRequired(message=_l("Choose how the compensation is set."))])
    offers_site_access = BooleanField(_l("Access to a real setting for the pilot"))
    offers_facilitation = BooleanField(_l("Facilitation: the city helps to arrange the pilot"))
    offers_data = BooleanField(_l("Data for the pilot"))
    offers_compensation = BooleanField(_l("Compensation for the pilot"))
    offer_details, offer_details_sv, offer_details_en = in_three_languages(
        _l("Details of what the city offers"), max_length=5000)

    @staticmethod
    def initial(challenge: Challenge) -> dict[str, Any]:
        """The form's data from the challenge."""
        return {name: getattr(challenge, name) for name in services.BUDGET_FIELDS}

    def values(self) -> dict[str, Any]:
        """The budget for the service."""
        return {name: getattr(self, name).data for name in services.BUDGET_FIELDS}


class ScheduleForm(AmendmentForm):
    """Dates on the Helsinki clock: dialogue, deadlines, selection, pilots."""

    dialogue_starts_at = DateTimeLocalField(_l("Market dialogue starts"), format=LOCAL_FORMAT,
                                            validators=[Optional()])
    dialogue_ends_at = DateTimeLocalField(_l("Market dialogue ends"), format=LOCAL_FORMAT,
                                          validators=[Optional()])
    questions_close_at = DateTimeLocalField(_l("Deadline for questions"), format=LOCAL_FORMAT,
                                            validators=[Optional()])
    proposals_close_at = DateTimeLocalField(_l("Deadline for proposals"), format=LOCAL_FORMAT,
                                            validators=[Optional()])
    selection_on = DateField(_l("Selection date"), validators=[Optional()])
    pilot_starts_on = DateField(_l("Pilots start"), validators=[Optional()])
    pilot_ends_on = DateField(_l("Pilots end"), validators=[Optional()])

    DATETIMES = ("dialogue_starts_at", "dialogue_ends_at", "questions_close_at", "proposals_close_at")

    @classmethod
    def initial(cls, challenge: Challenge) -> dict[str, Any]:
        """The form's data: times shown on the Helsinki clock."""
        data = {name: getattr(challenge, name) for name in services.SCHEDULE_FIELDS}
        data.update({name: _local(data[name]) for name in cls.DATETIMES})
        return data

    def values(self) -> dict[str, Any]:
        """The schedule for the service, times in UTC."""
        data = {name: getattr(self, name).data for name in services.SCHEDULE_FIELDS}
        data.update({name: _utc(data[name]) for name in self.DATETIMES})
        return data


SCALE_LABELS = [_l("What a score of %(n)d means", n=n) for n in range(SCALE_POINTS)]


class CriterionRowForm(RowForm):
    """One evaluation criterion: name, weight and minimum in a row; description, scale and languages below."""

    name = StringField(_l("Criterion (in Finnish)"), filters=[_strip], validators=[Optional(), Length(max=200)])
    weight = IntegerField(_l("Weight (1–100)"), validators=[
        Optional(),
        NumberRange(min=1, max=100, message=_l("The weight must be a whole number from 1 to 100."))])
    min_score = IntegerField(_l("Minimum score (0–5)"), validators=[
        Optional(), NumberRange(min=0, max=5, message=_l("The minimum score must be from 0 to 5."))])
    description = TextAreaField(_l("Description in Finnish"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    name_sv = StringField(_l("Name in Swedish"), filters=[_strip], validators=[Optional(), Length(max=200)])
    description_sv = TextAreaField(_l("Description in Swedish"), filters=[_strip],
                                   validators=[Optional(), Length(max=5000)])
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[Optional(), Length(max=200)])
    description_en = TextAreaField(_l("Description in English"), filters=[_strip],
                                   validators=[Optional(), Length(max=5000)])
    scale_0 = StringField(SCALE_LABELS[0], filters=[_strip], validators=[Optional(), Length(max=500)])
    scale_1 = StringField(SCALE_LABELS[1], filters=[_strip], validators=[Optional(), Length(max=500)])
    scale_2 = StringField(SCALE_LABELS[2], filters=[_strip], validators=[Optional(), Length(max=500)])
    scale_3 = StringField(SCALE_LABELS[3], filters=[_strip], validators=[Optional(), Length(max=500)])
    scale_4 = StringField(SCALE_LABELS[4], filters=[_strip], validators=[Optional(), Length(max=500)])
    scale_5 = StringField(SCALE_LABELS[5], filters=[_strip], validators=[Optional(), Length(max=500)])

    def scale_fields(self) -> list:
        """The six anchored descriptions, 0 to 5."""
        return [getattr(self, f"scale_{n}") for n in range(SCALE_POINTS)]

    def text_fields(self) -> list:
        """The name and description in every language."""
        return [getattr(self, name) for name in CRITERION_TEXTS]

    def is_blank(self) -> bool:
        """A row where nothing was typed."""
        raw = (self.weight.raw_data or [""])[0] if self.weight.raw_data else ""
        return not (raw or self.weight.data or any(f.data for f in (*self.text_fields(), *self.scale_fields())))

    def validate(self, extra_validators=None) -> bool:
        """A blank row needs no checking; a filled one needs a name and a weight."""
        if self.is_blank():
            return True
        ok = super().validate(extra_validators)
        if not self.name.data:
            self.name.errors = [*self.name.errors, _l("Name the criterion.")]
            ok = False
        if self.weight.data is None and not self.weight.errors:
            self.weight.errors = [*self.weight.errors, _l("Give the criterion a weight.")]
            ok = False
        return ok


class CriteriaForm(VersionedForm):
    """The evaluation criteria, a row each, with buttons that add and remove rows without saving."""

    criteria = FieldList(FormField(CriterionRowForm), min_entries=1, max_entries=MAX_CRITERIA)
    add_row = SubmitField(_l("Add criterion"))
    remove_row = HiddenField()  # the row number of the Remove button pressed

    @staticmethod
    def initial(challenge: Challenge) -> dict[str, Any]:
        """The challenge's criteria, or its lead city's template when it has none."""
        items = criteria_items(challenge) or template_criteria(lead_city(challenge))
        return {"criteria": [{**{name: i.get(name) for name in CRITERION_TEXTS}, "weight": i["weight"],
                              "min_score": i.get("min_score"),
                              **{f"scale_{n}": s for n, s in enumerate((i.get("scale") or [])[:SCALE_POINTS])}}
                             for i in items] or [{}]}

    def edits_rows(self) -> bool:
        """Add an empty row, or remove the row whose Remove was pressed; what is typed elsewhere stays."""
        if not self.is_submitted():
            return False
        entries = self.criteria.entries
        if self.add_row.data:
            if len(entries) < MAX_CRITERIA:
                self.criteria.append_entry()
            return True
        pressed = self.remove_row.data or ""
        if not (pressed.isascii() and pressed.isdigit() and len(pressed) <= 3):
            return False  # no Remove pressed (or a value no button sends): a save
        index = int(pressed)
        if 0 <= index < len(entries):
            entries.pop(index)
        if not entries:
            self.criteria.append_entry()
        return True

    def weight_total(self) -> int:
        """The weights typed so far, added up."""
        weights = (entry.form.weight.data for entry in self.criteria)
        return sum(weight for weight in weights if isinstance(weight, int))

    def rows(self) -> list[CriterionRowForm]:
        """The rows that mean something (blank rows dropped)."""
        return [entry.form for entry in self.criteria if not entry.form.is_blank()]

    def values(self) -> list[dict[str, Any]]:
        """The criteria for the service, in order."""
        return [{**{f.short_name: f.data for f in r.text_fields()}, "weight": r.weight.data,
                 "min_score": r.min_score.data, "scale": [f.data for f in r.scale_fields()]}
                for r in self.rows()]

    def field_for(self, key: Any):
        """Row errors ("criteria", index, field) land on that row's field; set-wide ones on the first row."""
        rows = self.rows()
        if isinstance(key, tuple):
            return getattr(rows[key[1]], key[2], None) if key[1] < len(rows) else None
        if key == "criteria" and self.criteria.entries:
            return self.criteria.entries[0].form.name
        return super().field_for(key)


class TermsForm(Translations, AmendmentForm):
    """The contract terms summary, in three languages."""

    TRANSLATED = ("ipr_terms", "reporting_duties")
    MARKDOWN = frozenset(TRANSLATED)

    ipr_terms, ipr_terms_sv, ipr_terms_en = in_three_languages(_l("Intellectual property rights"),
                                                               max_length=10000)
    reporting_duties, reporting_duties_sv, reporting_duties_en = in_three_languages(_l("Reporting duties"),
                                                                                    max_length=10000)
    personal_data_allowed = BooleanField(
        _l("The pilot may process personal data of pupils or other end users"))

    @staticmethod
    def initial(challenge: Challenge) -> dict[str, Any]:
        """The form's data from the challenge."""
        return {name: getattr(challenge, name) for name in services.TERMS_FIELDS}

    def values(self) -> dict[str, Any]:
        """The terms for the service."""
        return {name: getattr(self, name).data for name in services.TERMS_FIELDS}


class AttachmentForm(Form):
    """Upload a file with a title."""

    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the attachment a title.")), Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])


class TransitionForm(Form):
    """A workflow action on the state the user saw, with a reason where one is required."""

    action = HiddenField(validators=[InputRequired()])
    seen_state = HiddenField(validators=[InputRequired()])
    comment = TextAreaField(_l("Reason"), filters=[_strip], validators=[Optional(), Length(max=5000)])

    def for_action(self, action: str) -> "TransitionForm":
        """Give the comment field an id of its own, so several action forms fit on one page."""
        self.comment.id = f"comment-{action}"
        self.comment.label.field_id = self.comment.id
        return self


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class ListFilterForm(Form):
    """The state filter of the staff list; sent with GET, so without a CSRF token."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()],
                        choices=[("", _l("All states"))] + ChallengeState.choices())
