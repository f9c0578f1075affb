"""Dates and times written one way, as each language writes them in Finland, always on the Helsinki clock.

    fi  su 6.12.2026 klo 13.00–15.00
    sv  sö 6.12.2026 kl. 13.00–15.00
    en  Sun 6 Dec 2026, 13:00–15:00

No seconds and no time-zone names (every time on the site is Finnish time); a
range within one day shows its date once; `ago` says how long ago ("3 days ago").
Pages, emails (rendered under `force_locale`) and messages in code all use these
functions; the template filters `date`, `datetime`, `time`, `timespan` and `ago`
(core.i18n) are the same functions.

The layouts are written out here rather than taken from Babel's "short" or
"medium" formats, which differ from the convention in Finland (Swedish "2026-12-06",
English "12/6/26, 1:00 PM", seconds and zone names in the longer ones). The weekday
abbreviations are a table of our own too: Babel's Swedish "abbreviated" days are
"mån tis ... sön", whereas Finland-Swedish usage, and the issue's example, write the
two-letter "må ti on to fr lö sö" (Babel's "short" width). Nothing here parses a
locale per call: a page shows hundreds of dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_timedelta

HELSINKI = ZoneInfo("Europe/Helsinki")
DASH = "\u2013"  # en dash: "13.00–15.00"; spaced between two whole dates


@dataclass(frozen=True)
class DateStyle:
    """How one language writes a day, a time of day and the two together."""

    weekdays: tuple[str, ...]  # Monday first, as date.weekday() counts
    months: tuple[str, ...] | None  # abbreviated month names; None writes the month as a number
    time_separator: str  # between hours and minutes
    at: str  # between a date and its time of day

    def day(self, value: date, weekday: bool) -> str:
        """The date, with its weekday in front when asked."""
        if self.months is None:
            text = f"{value.day}.{value.month}.{value.year}"
        else:
            text = f"{value.day} {self.months[value.month - 1]} {value.year}"
        return f"{self.weekdays[value.weekday()]} {text}" if weekday else text

    def clock(self, value: datetime) -> str:
        """The time of day in hours and minutes."""
        return f"{value.hour:02d}{self.time_separator}{value.minute:02d}"


STYLES = {
    "fi": DateStyle(("ma", "ti", "ke", "to", "pe", "la", "su"), None, ".", " klo "),
    "sv": DateStyle(("må", "ti", "on", "to", "fr", "lö", "sö"), None, ".", " kl. "),
    "en": DateStyle(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), ":", ", "),
}
DEFAULT_LANGUAGE = "fi"


def _style(language: str | None) -> DateStyle:
    """The style of language (the reader's when None); Finnish for one the site does not have."""
    if language is None:
        from core.i18n import current_language  # core.i18n registers these functions as filters

        language = current_language()
    return STYLES.get(language) or STYLES[DEFAULT_LANGUAGE]


def to_helsinki(value: datetime) -> datetime:
    """An aware datetime on the Helsinki clock (a naive one is taken to be UTC, as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(HELSINKI)


def _day_of(value: date | datetime) -> date:
    """The Helsinki date of a moment; a date stays itself."""
    return to_helsinki(value).date() if isinstance(value, datetime) else value


def format_date(value: date | datetime | None, *, weekday: bool = True, language: str | None = None) -> str:
    """"su 6.12.2026", "sö 6.12.2026", "Sun 6 Dec 2026" (a moment's Helsinki date); "" for None."""
    if value is None:
        return ""
    return _style(language).day(_day_of(value), weekday)


def format_time(value: datetime | None, *, language: str | None = None) -> str:
    """"13.00" (Finnish, Swedish) or "13:00" (English) on the Helsinki clock; "" for None."""
    if value is None:
        return ""
    return _style(language).clock(to_helsinki(value))


def _moment(style: DateStyle, value: date | datetime | None, weekday: bool) -> str:
    """A local moment (or a date) in style; "…" for a missing end of a range."""
    if value is None:
        return "…"
    if isinstance(value, datetime):
        return f"{style.day(value.date(), weekday)}{style.at}{style.clock(value)}"
    return style.day(value, weekday)


def format_datetime(value: date | datetime | None, *, weekday: bool = True, language: str | None = None) -> str:
    """"su 6.12.2026 klo 13.00", "sö 6.12.2026 kl. 13.00", "Sun 6 Dec 2026, 13:00"; a date alone as format_date."""
    if value is None:
        return ""
    return _moment(_style(language), to_helsinki(value) if isinstance(value, datetime) else value, weekday)


def format_timespan(start: date | datetime | None, end: date | datetime | None, *, weekday: bool = True,
                    language: str | None = None) -> str:
    """A range: "su 6.12.2026 klo 13.00–15.00" within a day, else both ends in full around a spaced en dash.

    Either end may be missing (shown as "…"); dates without times are ranges of days.
    """
    if start is None and end is None:
        return ""
    style = _style(language)
    start, end = (to_helsinki(v) if isinstance(v, datetime) else v for v in (start, end))
    if isinstance(start, datetime) and isinstance(end, datetime) and start.date() == end.date():
        return f"{_moment(style, start, weekday)}{DASH}{style.clock(end)}"
    if start == end and not isinstance(start, datetime):
        return style.day(start, weekday)
    return f"{_moment(style, start, weekday)} {DASH} {_moment(style, end, weekday)}"


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    """Babel's locale of a language, parsed once (format_timedelta needs it for its plural rules)."""
    return Locale.parse(language)


def format_ago(value: datetime | None, now: datetime | None = None, *, language: str | None = None) -> str:
    """How long ago (or ahead) value is: "3 päivää sitten", "för 3 dagar sedan", "3 days ago"; "" for None."""
    if value is None:
        return ""
    if language is None:
        from core.i18n import current_language

        language = current_language()
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - (now or datetime.now(timezone.utc))
    if abs(delta) < timedelta(minutes=1):  # "0 seconds ago" helps nobody; a minute is the finest we show
        delta = timedelta(minutes=-1 if delta <= timedelta(0) else 1)
    return format_timedelta(delta, threshold=1, add_direction=True, format="long",
                            locale=_locale(language if language in STYLES else DEFAULT_LANGUAGE))
