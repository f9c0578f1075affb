"""Public texts in Finnish, Swedish and English: the reader's language with a marked fallback, the readiness
check per language (Swedish for bilingual cities), search in every language, and the Markdown preview."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from auth.models import OrgKind
from challenges.models import Challenge, DialogueEvent, Question, RfiQuestion
from challenges.ownership import add_partner
from challenges.services import challenges as services
from challenges.workflow import missing_for_publication, required_languages
from core.extensions import db
from core.i18n import Localized
from tests.factories import add_event, as_user, audit_count, html, make_cast, make_challenge, make_org, make_user


def _fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _reader(app, language: str):
    """An anonymous visitor's client reading pages in language."""
    client = as_user(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _missing(challenge) -> list[str]:
    """What publication still needs, in English."""
    with force_locale("en"):
        return [str(item) for item in missing_for_publication(challenge)]


def _bilingual_cast():
    """The cast of a challenge, its city bilingual (as Helsinki is)."""
    return make_cast(city=make_org(OrgKind.CITY.value, name="Helsinki", name_sv="Helsingfors", bilingual=True))


# --- the reader's language, and a fallback marked ----------------------------------------------

def test_challenge_page_shows_the_readers_language_and_marks_a_finnish_fallback(app, db):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"], state="open", problem="Ilma on huonoa.",
                               problem_sv="Luften är dålig.", end_users="Oppilaat.")
    page = html(_reader(app, "sv").get(f"/challenges/{challenge.id}"))
    assert "Luften är dålig." in page and "Ilma on huonoa." not in page
    # The end users exist only in Finnish: shown marked, the element in Finnish, the note in Swedish.
    assert '<div lang="fi"><p class="mb-1"><span class="fallback-note small text-body-secondary" lang="sv">' \
           '(på finska)</span></p><p>Oppilaat.</p>' in page
    finnish = html(_reader(app, "fi").get(f"/challenges/{challenge.id}"))
    assert "Ilma on huonoa." in finnish and "fallback-note" not in finnish


def test_criteria_scale_in_finnish_is_marked_for_a_swedish_reader_and_named_in_swedish(app, db):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    criterion = challenge.criteria[0]
    criterion.name, criterion.name_sv = "Soveltuvuus", "Lämplighet för utmaningen"
    criterion.scale = ["Ei käsitelty", "Heikko", "Tyydyttävä", "Hyvä", "Erittäin hyvä", "Erinomainen"]
    db.session.commit()
    page = html(_reader(app, "sv").get(f"/challenges/{challenge.id}"))
    assert "Skala från 0 till 5 (på finska)</summary>" in page
    assert '<tbody lang="fi">' in page and "Ei käsitelty" in page
    assert f"{criterion.name_sv}</caption>" in page and f"{criterion.name}</caption>" not in page
    finnish = html(_reader(app, "fi").get(f"/challenges/{challenge.id}"))
    assert "(suomeksi)" not in finnish and '<tbody lang="fi">' not in finnish


def test_catalogue_card_marks_a_finnish_title_standing_in_for_swedish(app, db):
    cast = make_cast()
    make_challenge(cast["city"], cast["officer"], state="open", title_sv=None)
    page = html(_reader(app, "sv").get("/challenges"))
    assert 'Koulujen sisäilma</a> <span class="fallback-note small text-body-secondary" lang="sv">(på finska)' in page


def test_english_reader_gets_english_terms_of_a_new_challenge(app, db):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    with force_locale("en"):
        english_terms = str(services.DEFAULT_IPR_TERMS)
    assert challenge.ipr_terms_en == english_terms and challenge.ipr_terms != english_terms
    assert english_terms in html(_reader(app, "en").get(f"/challenges/{challenge.id}"))


def test_fallback_note_is_empty_for_a_text_in_the_readers_language(app):
    render = app.jinja_env.from_string("{{ t | fallback_note }}|{{ t | fallback_lang }}").render
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render(t=Localized("Otsikko", "fi", True)) == (
            '<span class="fallback-note small text-body-secondary" lang="en">(in Finnish)</span>| lang="fi"')
        assert render(t=Localized("Title", "en", False)) == "|"


def test_dialogue_texts_are_shown_in_the_readers_language(app, dw):
    add_event(dw.challenge, title="Infotilaisuus", title_sv="Informationsmöte", description="Tervetuloa.")
    question = Question(challenge_id=dw.challenge.id, asked_by_id=dw.member.id, organisation_id=dw.company.id,
                        text="Saako?", text_sv="Får man?", answer="Saa.", answer_sv="Ja, det får man.",
                        published_at=dw.challenge.published_at)
    dw.challenge.dialogue_summary, dw.challenge.dialogue_summary_sv = "Opimme.", "Vi lärde oss."
    dw.challenge.dialogue_summary_published_at = dw.challenge.published_at
    db.session.add(question)
    db.session.commit()
    page = html(_reader(app, "sv").get(f"/challenges/{dw.challenge.id}/dialogue"))
    for swedish in ("Informationsmöte", "Får man?", "Ja, det får man.", "Vi lärde oss."):
        assert swedish in page
    assert "Infotilaisuus" not in page and "Opimme." not in page
    event = db.session.query(DialogueEvent).one()
    event_page = html(_reader(app, "sv").get(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}"))
    assert "<h1>Informationsmöte </h1>" in event_page
    assert '<div lang="fi"><p class="mb-1"><span class="fallback-note' in event_page  # the description


# --- readiness per language ------------------------------------------------------------------

def test_bilingual_city_needs_swedish_texts_before_publication(db):
    cast = _bilingual_cast()
    challenge = make_challenge(cast["city"], cast["officer"])  # Finnish texts and a Swedish title
    assert required_languages(challenge) == ("fi", "sv")
    assert _missing(challenge) == ["in Swedish: the summary, a problem statement, the end users"]
    challenge.summary_sv, challenge.problem_sv, challenge.end_users_sv = "Sammanfattning", "Problem", "Elever"
    assert _missing(challenge) == []


def test_finnish_is_required_always_and_swedish_not_for_a_finnish_speaking_city(db):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"], end_users=None, reporting_duties="  ")
    assert required_languages(challenge) == ("fi",)
    assert _missing(challenge) == ["in Finnish: the end users, the reporting duties"]


def test_a_joint_challenge_is_bilingual_when_any_owner_is(db):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    assert _missing(challenge) == []
    add_partner(challenge, make_org(OrgKind.CITY.value, name="Espoo", bilingual=True))
    db.session.commit()
    assert _missing(_fresh(Challenge, challenge.id))[0].startswith("in Swedish: the summary")


def test_submitting_a_bilingual_citys_challenge_without_swedish_is_refused(client, db, login):
    cast = _bilingual_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    page = html(client.get(f"/manage/challenges/{challenge.id}"))
    assert "in Swedish: the summary, a problem statement, the end users" in page
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "submit_for_approval", "seen_state": "draft"})
    assert response.status_code == 409
    assert _fresh(Challenge, challenge.id).state == "draft"


# --- search in every language --------------------------------------------------------------------

@pytest.mark.parametrize("q", ["inneluft", "klassrummen", "ventilation", "pupils"])
def test_catalogue_finds_a_challenge_by_words_of_any_language(app, db, q):
    cast = make_cast()
    make_challenge(cast["city"], cast["officer"], state="open")  # "Skolornas inneluft" in Swedish
    other = make_challenge(cast["city"], cast["officer"], state="open", title_fi="Toinen haaste")
    services.update_texts(other, cast["officer"], {"title_sv": "En annan utmaning", "end_users_en": "Pupils",
                                                   "problem_sv": "Luften i klassrummen",
                                                   "problem_en": "Poor ventilation"})
    db.session.commit()
    page = html(_reader(app, "en").get("/challenges", query_string={"q": q}))
    assert "1 challenge found" in page
    assert ("Toinen haaste" in page) is (q != "inneluft")


# --- officer forms in three languages, and the Markdown preview ------------------------------------

def _texts_form(challenge, **overrides):
    data = {"version": challenge.state_version, "language": "fi", "title_fi": challenge.title_fi,
            "summary_fi": challenge.summary_fi, **{name: getattr(challenge, name) or "" for name in
                                                   services.TEXT_FIELDS if name not in ("language",)}}
    data.update(overrides)
    return data


def test_texts_form_saves_every_language(client, db, login):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/texts", data=_texts_form(
        challenge, problem_sv="Luften är dålig", end_users_en="Pupils and teachers"))
    assert response.status_code == 302
    challenge = _fresh(Challenge, challenge.id)
    assert (challenge.problem_sv, challenge.end_users_en) == ("Luften är dålig", "Pupils and teachers")
    assert "luften är dålig" in challenge.search_document


def test_preview_renders_the_markdown_and_keeps_what_was_typed_without_saving(client, db, login):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/texts", data=_texts_form(
        challenge, problem="Ilma on **tunkkainen**", problem_sv="Luften *är* dålig", preview="Preview"))
    assert response.status_code == 200
    page = html(response)
    assert "<p>Ilma on <strong>tunkkainen</strong></p>" in page and "<p>Luften <em>är</em> dålig</p>" in page
    assert "Ilma on **tunkkainen**</textarea>" in page  # what was typed stays in the field
    assert 'aria-label="Preview: Problem statement in Swedish"' in page
    assert _fresh(Challenge, challenge.id).problem_sv is None
    assert audit_count("challenge_updated") == 0


def test_preview_of_an_invalid_form_shows_the_errors_and_saves_nothing(client, db, login):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/terms", data={
        "version": challenge.state_version, "ipr_terms": "", "ipr_terms_sv": "Rätt **kvar**",
        "reporting_duties": "x" * 10001, "preview": "Preview"})
    assert response.status_code == 400
    page = html(response)
    assert "Rätt **kvar**</textarea>" in page and "<strong>kvar</strong>" in page
    assert audit_count("challenge_updated") == 0


def test_terms_form_saves_swedish_and_english_terms(client, db, login):
    cast = make_cast()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    data = {name: getattr(challenge, name) for name in services.TERMS_FIELDS if name != "personal_data_allowed"}
    data.update(version=challenge.state_version, ipr_terms_sv="Rättigheterna stannar hos företaget.")
    assert client.post(f"/manage/challenges/{challenge.id}/edit/terms", data=data).status_code == 302
    assert _fresh(Challenge, challenge.id).ipr_terms_sv == "Rättigheterna stannar hos företaget."


def test_dialogue_summary_preview_saves_nothing_and_save_keeps_every_language(app, dw):
    client = as_user(app, dw.officer)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/summary"
    response = client.post(url, data={"summary": "Opimme **paljon**.", "summary_sv": "Vi lärde oss.",
                                      "preview": "Preview"})
    assert response.status_code == 200 and "<strong>paljon</strong>" in html(response)
    assert _fresh(Challenge, dw.challenge.id).dialogue_summary is None
    assert client.post(url, data={"summary": "Opimme.", "summary_sv": "Vi lärde oss.", "changes_en": "Longer.",
                                  "save": "Save"}).status_code == 302
    challenge = _fresh(Challenge, dw.challenge.id)
    assert (challenge.dialogue_summary_sv, challenge.dialogue_changes_en) == ("Vi lärde oss.", "Longer.")


def test_answer_form_saves_the_answer_and_question_in_other_languages(app, dw):
    question = Question(challenge_id=dw.challenge.id, asked_by_id=dw.member.id, organisation_id=dw.company.id,
                        text="Saako antureita asentaa?")
    db.session.add(question)
    db.session.commit()
    client = as_user(app, dw.officer)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}"
    preview = client.post(url, data={"answer": "Saa *luvalla*.", "preview": "Preview"})
    assert preview.status_code == 200 and "<em>luvalla</em>" in html(preview)
    assert _fresh(Question, question.id).answer is None
    assert client.post(url, data={"answer": "Saa.", "answer_en": "Yes.", "text_en": "May sensors be fitted?"}
                       ).status_code == 302
    saved = _fresh(Question, question.id)
    assert (saved.answer, saved.answer_en, saved.text_en) == ("Saa.", "Yes.", "May sensors be fitted?")


def test_event_and_rfi_forms_save_every_language(app, dw):
    client = as_user(app, dw.officer)
    base = f"/manage/challenges/{dw.challenge.id}/dialogue"
    event = add_event(dw.challenge, title="Info")
    dw.challenge.dialogue_ends_at = datetime(2031, 12, 31, tzinfo=timezone.utc)  # the event is in the window
    db.session.commit()
    response = client.post(f"{base}/events/{event.id}/edit", data={
        "kind": "info_session", "title": "Info", "title_sv": "Infomöte", "description_en": "Welcome.",
        "starts_at": "2030-01-10T13:00", "ends_at": "2030-01-10T15:00", "location": "Hall"})
    assert response.status_code == 302
    saved = _fresh(DialogueEvent, event.id)
    assert (saved.title_sv, saved.description_en) == ("Infomöte", "Welcome.")
    assert client.post(f"{base}/rfi", data={"text": "Mitä mittaatte?", "text_sv": "Vad mäter ni?"}
                       ).status_code == 302
    question = db.session.scalars(select(RfiQuestion).where(RfiQuestion.challenge_id == dw.challenge.id)).one()
    assert (question.text, question.text_sv, question.text_en) == ("Mitä mittaatte?", "Vad mäter ni?", None)


def test_admin_marks_a_city_bilingual(app, db):
    admin = make_user(None, (), platform_admin=True)
    city = make_org(OrgKind.CITY.value, name="Vantaa", slug="vantaa-test")
    client = as_user(app, admin)
    response = client.post(f"/admin/organisations/{city.id}/edit", data={
        "name": "Vantaa", "slug": "vantaa-test", "bilingual": "y", "is_active": "y"})
    assert response.status_code == 302
    assert _fresh(type(city), city.id).bilingual is True
