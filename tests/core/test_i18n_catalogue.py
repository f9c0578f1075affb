"""A request's language and catalogue, found once: translations, language switches and date formats."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import render_template_string, session
from flask_babel import Domain, force_locale, gettext, lazy_gettext, refresh

from core.i18n import current_language
from tests.factories import add_challenge, build_catalogue_world, html


def _page(source: str, **context) -> str:
    """source rendered as an HTML template (autoescaped)."""
    return render_template_string(source, **context)


def test_catalogue_translates_templates_and_code_in_the_readers_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        app.preprocess_request()
        assert _page("{{ _('Challenges') }}") == "Utmaningar"
        assert gettext("Challenges") == str(lazy_gettext("Challenges")) == "Utmaningar"
        assert current_language() == "sv"


def test_catalogue_switches_inside_force_locale_and_back(app):
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        app.preprocess_request()
        assert _page("{{ _('Challenges') }}") == "Utmaningar"
        with force_locale("fi"):  # an email rendered in its reader's language
            assert _page("{{ _('Challenges') }}") == gettext("Challenges") == "Haasteet"
            assert current_language() == "fi"
        assert _page("{{ _('Challenges') }}") == gettext("Challenges") == "Utmaningar"


def test_catalogue_switches_after_refresh(app):
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        app.preprocess_request()
        assert gettext("Challenges") == "Utmaningar"
        session["lang"] = "fi"
        refresh()
        assert _page("{{ _('Challenges') }}") == gettext("Challenges") == "Haasteet"


def test_a_list_page_looks_its_catalogue_up_once(app, client, monkeypatch):
    """Hundreds of strings on the catalogue, one lookup of the catalogue (Flask-Babel's is per string)."""
    world = build_catalogue_world()
    for n in range(5):
        add_challenge(world["helsinki"], world["officer"], themes=[world["learning"]], title_fi=f"Haaste {n}")
    lookups = []
    look_up = Domain.get_translations

    def counted(domain):
        lookups.append(domain)
        return look_up(domain)

    monkeypatch.setattr(Domain, "get_translations", counted)
    page = html(client.get("/challenges", headers={"Accept-Language": "sv"}))
    assert "Utmaningar" in page and page.count("Haaste ") == 5
    assert len(lookups) == 1


def test_template_pgettext_tells_the_event_register_from_the_account_one(app):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        app.preprocess_request()
        assert _page("{{ pgettext('event', 'Register') }}") == "Ilmoittaudu"
        assert _page("{{ pgettext('account', 'Register') }}") == "Rekisteröidy"
        with force_locale("sv"):
            assert _page("{{ pgettext('event', 'Register') }}") == "Anmäl dig"


def test_template_gettext_formats_and_escapes_as_jinja_newstyle_does(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        app.preprocess_request()
        assert _page("{{ _('Contact person: %(name)s', name=who) }}", who="<b>") == "Contact person: &lt;b&gt;"
        assert _page("{{ _('weight %(weight)s %%', weight=5) }}") == "weight 5 %"
        assert _page("{{ ngettext('%(num)d challenge found', '%(num)d challenges found', 1) }}") == "1 challenge found"
        assert _page("{{ ngettext('%(num)d challenge found', '%(num)d challenges found', 3) }}") == "3 challenges found"
        plain = "{% autoescape false %}{{ _('Contact person: %(name)s', name=who) }}{% endautoescape %}"
        assert _page(plain, who="<b>") == "Contact person: <b>"  # as in the plain-text emails


def test_iso_filter_writes_a_time_element_value_html_accepts(app):
    """HTML allows at most milliseconds in <time datetime>; stored times carry microseconds."""
    moment = datetime(2026, 3, 1, 10, 30, 5, 698423, tzinfo=timezone.utc)
    with app.test_request_context("/"):
        assert _page("{{ m | iso }}|{{ d | iso }}", m=moment, d=date(2026, 3, 1)) == "2026-03-01T10:30:05+00:00|2026-03-01"
