"""Languages and time: Finnish, Swedish and English; stored in UTC, shown in Europe/Helsinki."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

HELSINKI = ZoneInfo("Europe/Helsinki")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}


def supported(code: str | None) -> bool:
    """True for a language the site is translated into."""
    return code in current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The user's saved choice, then this browser's choice, then the browser's languages."""
    if not has_request_context():  # jobs and commands choose with force_locale()
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if current_user and current_user.is_authenticated and supported(user_locale):
        return user_locale
    if supported(session.get("lang")):
        return session["lang"]
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
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
