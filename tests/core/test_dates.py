"""Dates written one way in three languages, on the Helsinki clock: every date filter, DST, ranges, age."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import render_template_string
from flask_babel import force_locale

from core.dates import format_ago, format_date, format_datetime, format_time, format_timespan

UTC = timezone.utc
START = datetime(2026, 12, 6, 11, 0, 7, 123456, tzinfo=UTC)  # Sunday 13.00.07 in Helsinki (winter, UTC+2)
END = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)


def _render(source: str, language: str, **context) -> str:
    """source rendered as a page template in language."""
    with force_locale(language):
        return render_template_string(source, **context)


# Every date filter and global, in each language: what the page shows.
FILTERS = {
    "{{ m | datetime }}": ("su 6.12.2026 klo 13.00", "sö 6.12.2026 kl. 13.00", "Sun 6 Dec 2026, 13:00"),
    "{{ m | datetime(weekday=False) }}": ("6.12.2026 klo 13.00", "6.12.2026 kl. 13.00", "6 Dec 2026, 13:00"),
    "{{ m | date }}": ("su 6.12.2026", "sö 6.12.2026", "Sun 6 Dec 2026"),
    "{{ m | date(weekday=False) }}": ("6.12.2026", "6.12.2026", "6 Dec 2026"),
    "{{ d | date }}": ("ma 7.12.2026", "må 7.12.2026", "Mon 7 Dec 2026"),
    "{{ m | time }}": ("13.00", "13.00", "13:00"),
    "{{ m | timespan(e) }}": ("su 6.12.2026 klo 13.00–15.00", "sö 6.12.2026 kl. 13.00–15.00",
                              "Sun 6 Dec 2026, 13:00–15:00"),
    "{{ timespan(m, e) }}": ("su 6.12.2026 klo 13.00–15.00", "sö 6.12.2026 kl. 13.00–15.00",
                             "Sun 6 Dec 2026, 13:00–15:00"),
    "{{ m | timespan(d) }}": ("su 6.12.2026 klo 13.00 – ma 7.12.2026", "sö 6.12.2026 kl. 13.00 – må 7.12.2026",
                              "Sun 6 Dec 2026, 13:00 – Mon 7 Dec 2026"),
    # Templates written for the earlier Babel formats come out in the new way.
    '{{ m | datetime("short") }}': ("6.12.2026 klo 13.00", "6.12.2026 kl. 13.00", "6 Dec 2026, 13:00"),
    '{{ m | datetime("full") }}': ("su 6.12.2026 klo 13.00", "sö 6.12.2026 kl. 13.00", "Sun 6 Dec 2026, 13:00"),
    "{{ m | date('short') }}": ("6.12.2026", "6.12.2026", "6 Dec 2026"),
    "{{ m | date('medium') }}": ("su 6.12.2026", "sö 6.12.2026", "Sun 6 Dec 2026"),
}


@pytest.mark.parametrize("source", FILTERS)
@pytest.mark.parametrize("index,language", list(enumerate(("fi", "sv", "en"))))
def test_date_filters_render_each_languages_convention_in_finland(app, source, index, language):
    with app.test_request_context("/"):
        shown = _render(source, language, m=START, e=END, d=date(2026, 12, 7))
    assert shown == FILTERS[source][index]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_date_filters_never_show_seconds_or_zone_names(app, language):
    moments = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h, minutes=h % 60, seconds=h % 59)
               for h in range(0, 24 * 366, 13)]
    with app.test_request_context("/"):
        shown = _render("{% for m in ms %}{{ m | datetime }}|{{ m | timespan(m) }};{% endfor %}", language, ms=moments)
    day, at = {"fi": (r"\w\w \d\d?\.\d\d?\.2\d{3}", " klo "), "sv": (r"\w\w \d\d?\.\d\d?\.2\d{3}", " kl\\. "),
               "en": (r"\w{3} \d\d? \w{3} 2\d{3}", ", ")}[language]
    clock = r"\d\d[.:]\d\d"
    items = shown.rstrip(";").split(";")
    assert len(items) == len(moments)
    for item in items:  # nothing but the weekday, date and hours and minutes
        assert re.fullmatch(rf"{day}{at}{clock}\|{day}{at}{clock}–{clock}", item), item


@pytest.mark.parametrize("utc,shown", [
    # Summer time begins on 29 March 2026 at 03.00 (01.00 UTC): the clock jumps from 03.00 to 04.00.
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "su 29.3.2026 klo 02.59"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "su 29.3.2026 klo 04.00"),
    # It ends on 25 October 2026 at 04.00 (01.00 UTC): the hour 03.00–04.00 comes twice.
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "su 25.10.2026 klo 03.30"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "su 25.10.2026 klo 03.30"),
    (datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "su 25.10.2026 klo 04.30"),
    # Midnight in Helsinki is the previous day in UTC.
    (datetime(2026, 12, 31, 22, 0, tzinfo=UTC), "pe 1.1.2027 klo 00.00"),
    (datetime(2026, 6, 30, 21, 0, tzinfo=UTC), "ke 1.7.2026 klo 00.00"),
])
def test_format_datetime_follows_helsinki_daylight_saving_time(utc, shown):
    assert format_datetime(utc, language="fi") == shown


def test_format_datetime_reads_a_naive_datetime_as_utc():
    assert format_datetime(datetime(2026, 7, 1, 9, 5), language="en") == "Wed 1 Jul 2026, 12:05"


def test_format_timespan_shows_one_date_for_a_day_and_both_across_midnight():
    evening = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 22.00 in Helsinki
    assert format_timespan(evening, evening + timedelta(hours=1, minutes=59), language="fi") == \
        "su 6.12.2026 klo 22.00–23.59"
    assert format_timespan(evening, evening + timedelta(hours=2), language="fi") == \
        "su 6.12.2026 klo 22.00 – ma 7.12.2026 klo 00.00"
    assert format_timespan(evening, evening + timedelta(days=2), language="sv", weekday=False) == \
        "6.12.2026 kl. 22.00 – 8.12.2026 kl. 22.00"


def test_format_timespan_of_days_and_of_open_ends():
    assert format_timespan(date(2026, 3, 1), date(2026, 6, 30), language="en", weekday=False) == \
        "1 Mar 2026 – 30 Jun 2026"
    assert format_timespan(date(2026, 3, 1), date(2026, 3, 1), language="fi") == "su 1.3.2026"
    assert format_timespan(None, date(2026, 3, 1), language="fi", weekday=False) == "… – 1.3.2026"
    assert format_timespan(START, None, language="fi") == "su 6.12.2026 klo 13.00 – …"
    assert format_timespan(None, None) == ""


def test_format_date_and_time_show_nothing_for_no_value(app):
    assert format_date(None) == format_time(None) == format_datetime(None) == format_ago(None) == ""
    with app.test_request_context("/"):
        assert _render("[{{ n | datetime }}][{{ n | date('short') }}][{{ n | time }}][{{ n | ago }}]", "fi",
                       n=None) == "[][][][]"


def test_format_date_of_a_date_without_time_ignores_the_clock():
    assert format_datetime(date(2026, 12, 6), language="sv") == "sö 6.12.2026"
    assert format_date(datetime(2026, 12, 5, 22, 30, tzinfo=UTC), weekday=False, language="en") == "6 Dec 2026"


@pytest.mark.parametrize("language,ago,ahead,hours,now_", [
    ("fi", "3 päivää sitten", "3 päivän päästä", "5 tuntia sitten", "1 minuutti sitten"),
    ("sv", "för 3 dagar sedan", "om 3 dagar", "för 5 timmar sedan", "för 1 minut sedan"),
    ("en", "3 days ago", "in 3 days", "5 hours ago", "1 minute ago"),
])
def test_format_ago_says_how_long_ago_in_each_language(language, ago, ahead, hours, now_):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert format_ago(now - timedelta(days=3, hours=2), now, language=language) == ago
    assert format_ago(now + timedelta(days=3), now, language=language) == ahead
    assert format_ago(now - timedelta(hours=5, minutes=10), now, language=language) == hours
    assert format_ago(now - timedelta(seconds=5), now, language=language) == now_


def test_ago_filter_is_a_time_element_with_the_exact_moment(app):
    asked = datetime.now(UTC) - timedelta(days=3, hours=1)
    with app.test_request_context("/"):
        shown = _render("{{ m | ago }}", "en", m=asked)
    exact = format_datetime(asked, language="en")
    assert shown == f'<time datetime="{asked.isoformat(timespec="seconds")}" title="{exact}">3 days ago</time>'


def test_date_filters_follow_the_email_readers_language(app):
    """render_email runs under force_locale: the same filters write the reader's convention."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        app.preprocess_request()
        assert _render("{{ m | datetime }}", "sv", m=START) == "sö 6.12.2026 kl. 13.00"
        assert render_template_string("{{ m | datetime }}", m=START) == "Sun 6 Dec 2026, 13:00"


def test_date_filters_are_quick_for_a_long_page(app):
    """A list page shows hundreds of dates: formatting one costs microseconds, not a locale lookup."""
    import time

    moments = [START + timedelta(minutes=n) for n in range(2000)]
    with app.test_request_context("/"), force_locale("sv"):
        template = app.jinja_env.from_string("{% for m in ms %}{{ m | timespan(m) }}{{ m | datetime }}{% endfor %}")
        began = time.perf_counter()
        template.render(ms=moments)
        elapsed = time.perf_counter() - began
    assert elapsed < 0.5, f"{elapsed:.3f} s for 4000 dates"
