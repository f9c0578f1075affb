"""Languages and time: Finnish, Swedish and English; stored in UTC, shown in Europe/Helsinki.

`LANGUAGES` is the one list of the site's languages. A text stored once per
language (`title_fi`, `title_sv`, `title_en`) is read through `localized`, which
says when it fell back to Finnish because the reader's language had no text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

HELSINKI = ZoneInfo("Europe/Helsinki")
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
    language = language or str(get_locale() or FALLBACK_LANGUAGE)
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
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def to_helsinki(value: datetime) -> datetime:
    """An aware datetime shown on the Helsinki clock."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(HELSINKI)


def helsinki_to_utc(value: datetime) -> datetime:
    """A naive Helsinki wall-clock time (as typed in a form) as aware UTC."""
    return value.replace(tzinfo=HELSINKI).astimezone(timezone.utc)


def _datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
    """Format a UTC datetime for the reader's language, in Helsinki time."""
    return format_datetime(value, fmt) if value else ""


def _date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    """Format a date for the reader's language (datetimes in Helsinki time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_helsinki(value).date()
    return format_date(value, fmt)


def _number_filter(value: int | float | Decimal | None) -> str:
    """Format a number with the locale's separators."""
    return "" if value is None else format_decimal(value)


def _money_filter(value: int | float | Decimal | None) -> str:
    """Format an amount of euros with the locale's separators."""
    return "" if value is None else format_decimal(value, format="#,##0.## €")


def init_i18n(app: Flask) -> None:
    """Register template filters and globals for languages and time."""
    app.add_template_filter(_datetime_filter, "datetime")
    app.add_template_filter(_date_filter, "date")
    app.add_template_filter(_number_filter, "number")
    app.add_template_filter(_money_filter, "money")
    app.jinja_env.globals.update(
        current_language=current_language,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
