"""Languages and time: Finnish, Swedish and English; stored in UTC, shown in Europe/Helsinki.

`LANGUAGES` is the one list of the site's languages. A text stored once per
language (`title_fi`, `title_sv`, `title_en`) is read through `localized`, which
says when it fell back to Finnish because the reader's language had no text.

A request finds its language and message catalogue once (`catalogue()`); `_()` in
templates, `gettext` and lazy labels in code, `localized` and the date filters all
read it from there instead of asking Flask-Babel again for every string.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from babel import Locale, numbers
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Domain, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from core import dates
from core.dates import HELSINKI, to_helsinki  # noqa: F401  (imported from here by forms and services)

LANGUAGES = ("fi", "sv", "en")
FALLBACK_LANGUAGE = "fi"  # every public text has a Finnish version; other languages fall back to it
LANGUAGE_NAMES = dict(zip(LANGUAGES, ("Suomi", "Svenska", "English")))
LANGUAGE_LABELS = dict(zip(LANGUAGES, (_l("Finnish"), _l("Swedish"), _l("English"))))
LANGUAGE_COOKIE = "lang"  # a visitor's choice, kept in a cookie of its own so that pages need no session


def supported(code: str | None) -> bool:
    """True for a language the site is translated into."""
    return code in LANGUAGES


def sql_in_languages(column: str) -> str:
    """A CHECK constraint's condition: column holds one of the site's languages."""
    return f"{column} IN ({', '.join(repr(code) for code in LANGUAGES)})"


# --- texts stored once per language ----------------------------------------------------------

@dataclass(frozen=True)
class Localized:
    """A text in the language it is in; `is_fallback` when it stands in for the reader's language."""

    text: Any
    language: str
    is_fallback: bool

    def __str__(self) -> str:
        return str(self.text or "")


def _column(field: str, language: str, finnish: str | None) -> str:
    """The attribute holding field in language; `finnish` names the Finnish one when it is not field_fi."""
    return finnish if finnish and language == FALLBACK_LANGUAGE else f"{field}_{language}"


def localized(obj: Any, field: str, *, finnish: str | None = None, language: str | None = None) -> Localized:
    """obj's text of field in the reader's language (or language), else the Finnish text, marked a fallback."""
    language = language or catalogue().language
    if language != FALLBACK_LANGUAGE:
        text = getattr(obj, _column(field, language, finnish), None)
        if text:
            return Localized(text, language, False)
    return Localized(getattr(obj, _column(field, FALLBACK_LANGUAGE, finnish)), FALLBACK_LANGUAGE,
                     language != FALLBACK_LANGUAGE)


def translations(obj: Any, field: str, *, finnish: str | None = None) -> list[Any]:
    """obj's texts of field in every language, in the order of LANGUAGES (missing ones None)."""
    return [getattr(obj, _column(field, language, finnish), None) for language in LANGUAGES]


def select_locale() -> str:
    """The user's saved choice, then this browser's choice, then the browser's languages."""
    if not has_request_context():  # jobs and commands choose with force_locale()
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if current_user and current_user.is_authenticated and supported(user_locale):
        return user_locale
    for chosen in (request.cookies.get(LANGUAGE_COOKIE), session.get("lang")):
        if supported(chosen):
            return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code of this request ("fi", "sv" or "en")."""
    return catalogue().language


# --- the request's catalogue, found once ------------------------------------------------------

@dataclass(frozen=True)
class Catalogue:
    """The language in force: its Babel locale, its code and its message catalogue."""

    locale: Locale | None
    language: str
    translations: NullTranslations


_NO_CONTEXT = Catalogue(None, FALLBACK_LANGUAGE, NullTranslations())


class _CachedDomain(Domain):
    """Flask-Babel's message domain, made each request's own (`as_default`) so code's gettext is quick too."""

    def get_translations(self) -> NullTranslations:
        """The catalogue `catalogue()` keeps for the request, not one looked up again."""
        return catalogue().translations


_DOMAIN = _CachedDomain()


def catalogue() -> Catalogue:
    """The language in force and its catalogue, looked up once per request and language.

    Flask-Babel looks up its per-request state three times, and names the locale, for
    every string it translates (some 8 µs); a list page translates hundreds. The
    catalogue is kept in that state beside the locale it was found for, so
    `force_locale` (an email in its reader's language) and `refresh` switch it.
    """
    state = _babel_state()
    found = getattr(state, "kokeilu_catalogue", None)
    if found is not None and found.locale is getattr(state, "babel_locale", None):
        return found
    locale = get_locale()
    if locale is None:
        return _NO_CONTEXT
    found = Catalogue(locale, str(locale), Domain.get_translations(_DOMAIN))
    state = _babel_state()
    if state is not None:
        state.kokeilu_catalogue = found
    return found


def _babel_state() -> Any:
    """Flask-Babel's per-request state (where it keeps the locale), or None outside an app context."""
    try:
        return g._flask_babel
    except (AttributeError, RuntimeError):
        return None


@pass_eval_context
def _template_gettext(eval_ctx: Any, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext, on the request's catalogue."""
    text = catalogue().translations.gettext(string)
    # The message is ours, like the template's own markup; the variables are escaped by Markup's %.
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704  # nosec B704


@pass_eval_context
def _template_pgettext(eval_ctx: Any, context: str, string: str, **variables: Any) -> str:
    """`pgettext()` in templates: a message with its context ("event" or "account" Register), on the catalogue."""
    text = catalogue().translations.pgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704  # nosec B704


@pass_eval_context
def _template_ngettext(eval_ctx: Any, singular: str, plural: str, num: int, **variables: Any) -> str:
    """`ngettext()` in templates: Jinja's newstyle ngettext (`num` is a variable), on the request's catalogue."""
    variables.setdefault("num", num)
    text = catalogue().translations.ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704  # nosec B704


def helsinki_to_utc(value: datetime) -> datetime:
    """A naive Helsinki wall-clock time (as typed in a form) as aware UTC."""
    return value.replace(tzinfo=HELSINKI).astimezone(timezone.utc)


# The date filters: one way of writing dates (core.dates). Templates written for the earlier Babel formats
# (`|datetime("short")`, `|date("medium")`) still work: "short" is the plain form, any other the weekday's.

def _weekday(fmt: str | None, weekday: bool | None) -> bool:
    """Whether to show the weekday: as asked, else not for the old "short" format and otherwise yes."""
    return weekday if weekday is not None else fmt != "short"


def _datetime_filter(value: date | datetime | None, fmt: str | None = None, weekday: bool | None = None) -> str:
    """"su 6.12.2026 klo 13.00" in the reader's language, Helsinki time (`weekday=False`: "6.12.2026 klo 13.00")."""
    return dates.format_datetime(value, weekday=_weekday(fmt, weekday))


def _date_filter(value: date | datetime | None, fmt: str | None = None, weekday: bool | None = None) -> str:
    """"su 6.12.2026" in the reader's language (a moment's Helsinki date)."""
    return dates.format_date(value, weekday=_weekday(fmt, weekday))


def _time_filter(value: datetime | None) -> str:
    """"13.00" (or "13:00" in English), Helsinki time."""
    return dates.format_time(value)


def _timespan(start: date | datetime | None, end: date | datetime | None, weekday: bool = True) -> str:
    """`start | timespan(end)`: "su 6.12.2026 klo 13.00–15.00", both ends in full across days."""
    return dates.format_timespan(start, end, weekday=weekday)


def _ago_filter(value: datetime | None) -> Markup:
    """`<time>` saying how long ago ("3 days ago"), its exact moment in the title and the datetime attribute."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        _iso_filter(value), dates.format_datetime(value), dates.format_ago(value))


def _iso_filter(value: date | datetime) -> str:
    """A `<time datetime>` value: ISO 8601, to the second (HTML allows at most milliseconds)."""
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()


def _fallback_lang_filter(text: Localized) -> Markup:
    """` lang="fi"` on the element of a text that stands in for the reader's language; nothing otherwise."""
    if not text.is_fallback:
        return Markup("")
    return Markup(f' lang="{text.language}"')  # noqa: S704  (a code of LANGUAGES)  # nosec B704


def _number_filter(value: int | float | Decimal | None) -> str:
    """Format a number with the locale's separators."""
    return "" if value is None else numbers.format_decimal(value, locale=catalogue().locale)


def _money_filter(value: int | float | Decimal | None) -> str:
    """Format an amount of euros with the locale's separators."""
    return "" if value is None else numbers.format_decimal(value, format="#,##0.## €", locale=catalogue().locale)


def init_i18n(app: Flask) -> None:
    """Register template filters and globals for languages and time; translate from the request's catalogue."""
    app.before_request(_DOMAIN.as_default)  # gettext and lazy labels in code read catalogue() too
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                                  pgettext=_template_pgettext)
    app.add_template_filter(_datetime_filter, "datetime")
    app.add_template_filter(_date_filter, "date")
    app.add_template_filter(_time_filter, "time")
    app.add_template_filter(_timespan, "timespan")
    app.add_template_filter(_ago_filter, "ago")
    app.add_template_filter(_iso_filter, "iso")
    app.add_template_filter(_fallback_lang_filter, "fallback_lang")
    app.add_template_filter(_fallback_note_filter, "fallback_note")
    app.add_template_filter(_number_filter, "number")
    app.add_template_filter(_money_filter, "money")
    app.jinja_env.globals.update(
        current_language=current_language,
        timespan=_timespan,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


# --- texts of several languages on pages ----------------------------------------------------

def finnish_column(model: type, field: str) -> str | None:
    """The attribute holding field's Finnish text when it is the plain column (problem), not field_fi."""
    return None if hasattr(model, f"{field}_{FALLBACK_LANGUAGE}") else field


class Translated:
    """A model whose texts are stored once per language: `obj.localized("problem")` reads the reader's one."""

    def localized(self, field: str) -> Localized:
        """field in the reader's language, else Finnish, marked a fallback."""
        return localized(self, field, finnish=finnish_column(type(self), field))

    def text_in(self, field: str, language: str) -> str | None:
        """field's own text in language, without falling back."""
        return getattr(self, _column(field, language, finnish_column(type(self), field)), None)


def _fallback_note_filter(text: Localized) -> Markup:
    """A short note in the reader's language, "(in Finnish)", after a text that stands in for theirs."""
    if not text.is_fallback:
        return Markup("")
    # The note is the reader's language inside an element marked lang="fi".
    note = catalogue().translations.gettext("(in Finnish)")
    return Markup('<span class="fallback-note small text-body-secondary" lang="{}">{}</span>').format(
        catalogue().language, note)
