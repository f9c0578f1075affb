"""Forms of the market dialogue: events, meeting slots, questions, answers, RFI, synthesis and summary.

Times are typed as Helsinki wall-clock time and converted to UTC with
`helsinki_to_utc`; editing shows stored times on the Helsinki clock again.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, DateTimeLocalField, Field, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField, TimeField, URLField)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from auth.models import Organisation
from challenges.forms.languages import OTHER_LANGUAGES, Translations, in_three_languages
from challenges.models import EventKind
from challenges.services.dialogue import EventFields, SlotSeries
from core.forms import Form
from core.i18n import helsinki_to_utc, to_helsinki

TEXT_MAX = 20000


def strip_text(value: Any) -> Any:
    """Drop surrounding spaces from typed text."""
    return value.strip() if isinstance(value, str) else value


def _when(label: Any, message: Any) -> DateTimeLocalField:
    """A Helsinki date and time."""
    return DateTimeLocalField(label, format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                              validators=[InputRequired(message=message)])


def _utc(field: Field) -> datetime:
    """A typed Helsinki time as aware UTC."""
    return helsinki_to_utc(field.data)


def helsinki_clock(value: datetime | None) -> datetime | None:
    """A stored UTC time as the naive Helsinki time a form shows."""
    return to_helsinki(value).replace(tzinfo=None) if value else None


class CompanyForm(Form):
    """A company action (register, book, ask, answer): which of the user's companies acts."""

    organisation_id = SelectField(_l("On behalf of"), coerce=int,
                                  validators=[InputRequired(message=_l("Choose your organisation."))])

    def offer(self, companies: list[Organisation]) -> "CompanyForm":
        """Offer the user's companies; with one, it is chosen already."""
        self.organisation_id.choices = [(c.id, c.display_name) for c in companies]
        if len(companies) == 1 and not self.organisation_id.raw_data:
            self.organisation_id.data = companies[0].id
        return self

    def organisation(self, companies: list[Organisation]) -> Organisation | None:
        """The chosen organisation (one of the user's companies)."""
        return next((c for c in companies if c.id == self.organisation_id.data), None)


class EventForm(Translations, Form):
    """An officer announces an info session, workshop or company day."""

    TRANSLATED = ("title", "description")
    MARKDOWN = frozenset({"description"})

    kind = SelectField(_l("Kind of event"),
                       choices=EventKind.choices(),
                       validators=[DataRequired(message=_l("Choose the kind of event."))])
    title, title_sv, title_en = in_three_languages(_l("Title"), max_length=200, kind=StringField,
                                                  required=_l("Give the event a title."))
    description, description_sv, description_en = in_three_languages(_l("Description (Markdown)"),
                                                                      max_length=TEXT_MAX)
    starts_at = _when(_l("Starts (Helsinki time)"), _l("Enter the start date and time."))
    ends_at = _when(_l("Ends (Helsinki time)"), _l("Enter the end date and time."))
    online_url = URLField(_l("Online link"), filters=[strip_text], validators=[
        Optional(), URL(message=_l("Enter a web address starting with https://.")), Length(max=500)])
    location = StringField(_l("Place"), filters=[strip_text], validators=[Optional(), Length(max=300)])
    capacity = IntegerField(_l("Capacity (people; leave empty for no limit)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Enter a whole number of at least 1."))])

    def fields(self) -> EventFields:
        """What was typed, with times in UTC."""
        return EventFields(kind=self.kind.data, title=self.title.data,
                           description=self.description.data or None,
                           starts_at=_utc(self.starts_at), ends_at=_utc(self.ends_at),
                           online_url=self.online_url.data or None, location=self.location.data or None,
                           capacity=self.capacity.data, **self.versions())


class EventRecordForm(Translations, Form):
    """Material and minutes of a held event, in three languages."""

    TRANSLATED = ("material", "minutes")
    MARKDOWN = frozenset(TRANSLATED)

    material, material_sv, material_en = in_three_languages(
        _l("Material (Markdown: links to slides, recordings)"), max_length=TEXT_MAX)
    minutes, minutes_sv, minutes_en = in_three_languages(_l("Minutes (Markdown)"), max_length=TEXT_MAX)
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish to everyone"))


class SlotForm(Form):
    """A one-to-one meeting time offered to every company."""

    starts_at = _when(_l("Starts (Helsinki time)"), _l("Enter the start date and time."))
    ends_at = _when(_l("Ends (Helsinki time)"), _l("Enter the end date and time."))
    place = StringField(_l("Place or online link"), filters=[strip_text], validators=[
        DataRequired(message=_l("Say where the meeting takes place.")), Length(max=500)])

    def times(self) -> tuple[datetime, datetime]:
        """Start and end in UTC."""
        return _utc(self.starts_at), _utc(self.ends_at)


class MinutesForm(Form):
    """The minutes of a held one-to-one meeting."""

    minutes = TextAreaField(_l("Minutes (Markdown)"), filters=[strip_text], validators=[
        DataRequired(message=_l("Write the minutes.")), Length(max=TEXT_MAX)])


class QuestionForm(CompanyForm):
    """A company's question, asked privately."""

    text = TextAreaField(_l("Your question"), filters=[strip_text], validators=[
        DataRequired(message=_l("Write your question.")), Length(max=5000)])


class AnswerForm(Translations, Form):
    """The city's answer to a question (published separately), and the question's other language versions."""

    TRANSLATED = ("answer",)
    MARKDOWN = frozenset(TRANSLATED)

    answer, answer_sv, answer_en = in_three_languages(_l("Answer (Markdown)"), max_length=TEXT_MAX,
                                                      required=_l("Write the answer."))
    text_sv, text_en = in_three_languages(_l("The question as published"), max_length=5000)[1:]

    def versions(self) -> dict[str, Any]:
        """The answer's and the question's Swedish and English texts by model column."""
        return {**super().versions(), **{f"text_{language}": self[f"text_{language}"].data or None
                                         for language in OTHER_LANGUAGES}}


class PublishAnswersForm(Form):
    """Choose answered questions to publish together."""

    question_ids = SelectMultipleField(_l("Answers to publish"), coerce=int, validate_choice=False,
                                       validators=[DataRequired(message=_l("Choose at least one answer."))])


class RfiQuestionForm(Translations, Form):
    """One question of the request for information, in three languages."""

    TRANSLATED = ("text",)

    text, text_sv, text_en = in_three_languages(_l("Question"), max_length=5000,
                                                required=_l("Write the question."))


class SynthesisForm(Translations, Form):
    """The anonymised synthesis of the RFI responses, in three languages."""

    TRANSLATED = ("synthesis",)
    MARKDOWN = frozenset(TRANSLATED)
    COLUMNS = {"synthesis": "rfi_synthesis"}

    synthesis, synthesis_sv, synthesis_en = in_three_languages(
        _l("Synthesis (Markdown; do not name companies or people)"), max_length=TEXT_MAX)
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish to everyone"))


class SummaryForm(Translations, Form):
    """What was learned in the dialogue and what changed in the challenge, in three languages."""

    TRANSLATED = ("summary", "changes")
    MARKDOWN = frozenset(TRANSLATED)
    COLUMNS = {"summary": "dialogue_summary", "changes": "dialogue_changes"}

    summary, summary_sv, summary_en = in_three_languages(_l("What was learned (Markdown)"), max_length=TEXT_MAX)
    changes, changes_sv, changes_en = in_three_languages(_l("What changed in the challenge (Markdown)"),
                                                         max_length=TEXT_MAX)
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish to everyone"))


def rfi_response_form(questions: list[Any], answers: dict[int, str]) -> CompanyForm:
    """A form with one answer field per RFI question (named q<id>), filled with the saved answers."""

    class RfiResponseForm(CompanyForm):
        """A company's answers to the request for information."""

        def answers(self) -> dict[int, str]:
            """The typed answers by question id."""
            return {q.id: self[f"q{q.id}"].data or "" for q in questions}

    for question in questions:
        setattr(RfiResponseForm, f"q{question.id}", TextAreaField(
            question.localized("text").text, filters=[strip_text], validators=[Optional(), Length(max=TEXT_MAX)]))
    return RfiResponseForm(data={f"q{k}": v for k, v in answers.items()})


# --- the officer's quick forms: cancelling an event, a series of meeting times, messages, rewording -----

class CancelEventForm(Form):
    """Why the city cancels an event; everyone registered or waiting is told."""

    reason = TextAreaField(_l("Why is the event cancelled?"), filters=[strip_text], validators=[
        DataRequired(message=_l("Say why the event is cancelled.")), Length(max=2000)])


def _minutes(label: Any, least: int, message: Any) -> IntegerField:
    """A number of minutes, at most a working day."""
    return IntegerField(label, validators=[InputRequired(message=message), NumberRange(
        min=least, max=600, message=_l("Enter minutes from %(min)d to %(max)d."))])


class SlotSeriesForm(Form):
    """Many one-to-one meeting times at once: days from–to, the hours of each day, length and gap."""

    first_day = DateField(_l("First day"), validators=[InputRequired(message=_l("Enter the first day."))])
    last_day = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter the last day."))])
    day_starts = TimeField(_l("Each day from (Helsinki time)"),
                           validators=[InputRequired(message=_l("Enter when the first meeting of a day starts."))])
    day_ends = TimeField(_l("Each day until (Helsinki time)"),
                         validators=[InputRequired(message=_l("Enter when the last meeting of a day ends."))])
    length = _minutes(_l("Length of a meeting (minutes)"), 5, _l("Enter the length of a meeting."))
    gap = _minutes(_l("Gap between meetings (minutes)"), 0, _l("Enter the gap between meetings (0 for none)."))
    place = StringField(_l("Place or online link"), filters=[strip_text], validators=[
        DataRequired(message=_l("Say where the meetings take place.")), Length(max=500)])
    weekdays_only = BooleanField(_l("Weekdays only (no meetings on Saturdays and Sundays)"), default=True)

    def series(self) -> SlotSeries:
        """What was typed, as a series the service turns into meeting times."""
        return SlotSeries(first=self.first_day.data, last=self.last_day.data, day_starts=self.day_starts.data,
                          day_ends=self.day_ends.data, length=timedelta(minutes=self.length.data),
                          gap=timedelta(minutes=self.gap.data), place=self.place.data,
                          weekdays_only=bool(self.weekdays_only.data))


class RegistrantsMessageForm(Form):
    """A message from the city to an event's registrants."""

    subject = StringField(_l("Subject"), filters=[strip_text], validators=[
        DataRequired(message=_l("Write a subject.")), Length(max=200)])
    body = TextAreaField(_l("Message"), filters=[strip_text], validators=[
        DataRequired(message=_l("Write the message.")), Length(max=5000)])
    include_waiting = BooleanField(_l("Send it to the waiting list too"))


class QuestionWordingForm(Form):
    """The question as it will be published: reworded to leave out who asked."""

    text = TextAreaField(_l("Question as published"), filters=[strip_text], validators=[
        DataRequired(message=_l("Write the question.")), Length(max=5000)])
