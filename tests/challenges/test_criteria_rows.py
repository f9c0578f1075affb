"""Criteria as rows: saved from the city's template at creation, added and removed without JavaScript,
in three languages on the public page; and themes as checkboxes."""
from __future__ import annotations

import re

import pytest

from challenges.models import Challenge, CriteriaTemplate
from challenges.services import challenges as services
from challenges.services.themes import ensure_themes
from core.extensions import db
from tests.factories import audit_count, error_next_to, html, make_challenge

pytestmark = pytest.mark.usefixtures("english")


def _fresh(challenge: Challenge) -> Challenge:
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


def _url(challenge: Challenge) -> str:
    return f"/manage/challenges/{challenge.id}/edit/criteria"


def _rows(challenge: Challenge, rows: list[dict], **extra) -> dict:
    """The criteria form as posted: each row's fields under criteria-<n>-."""
    data = {"version": challenge.state_version, **extra}
    for n, row in enumerate(rows):
        data.update({f"criteria-{n}-{name}": str(value) for name, value in row.items()})
    return data


def _typed_values(page: str, name: str) -> list[str]:
    """The values shown in the inputs of one field of every row, in order."""
    return re.findall(rf'name="criteria-\d+-{name}"[^>]*value="([^"]*)"', page)


def test_new_challenge_gets_its_citys_template_criteria_as_saved_rows(cast):
    db.session.add(CriteriaTemplate(city_id=cast["city"].id, items=[
        {"name": "Sopivuus", "name_sv": "Lämplighet", "weight": 70, "scale": ["a"] * 6},
        {"name": "Hinta", "weight": 30}]))
    challenge = services.create_challenge(cast["city"], cast["officer"], "challenge.direct.v1", "paid",
                                          "Sisäilma", "Ilmanlaatu.")
    db.session.commit()
    criteria = _fresh(challenge).criteria
    assert [(c.position, c.name, c.name_sv, c.weight) for c in criteria] == [
        (0, "Sopivuus", "Lämplighet", 70), (1, "Hinta", None, 30)]
    assert criteria[1].scale == [""] * 6


def test_a_template_that_is_not_valid_criteria_is_offered_in_the_form_not_saved(client, cast, login):
    db.session.add(CriteriaTemplate(city_id=cast["city"].id, items=[
        {"name": "Sopivuus", "weight": 70}, {"name": "", "weight": 20}]))
    challenge = services.create_challenge(cast["city"], cast["officer"], "challenge.direct.v1", "paid",
                                          "Sisäilma", "Ilmanlaatu.")
    db.session.commit()
    assert _fresh(challenge).criteria == []
    login(cast["officer"])
    assert _typed_values(html(client.get(_url(challenge))), "name") == ["Sopivuus", ""]


def test_default_criteria_are_saved_in_three_languages(cast):
    challenge = services.create_challenge(cast["city"], cast["officer"], "challenge.direct.v1", "paid",
                                          "Sisäilma", "Ilmanlaatu.")
    db.session.commit()
    first = _fresh(challenge).criteria[0]
    assert (first.name, first.name_sv, first.name_en) == (
        "Sopivuus haasteeseen", "Lämplighet för utmaningen", "Fit to the challenge")
    assert sum(c.weight for c in challenge.criteria) == 100 and first.scale[0] == "Ei käsitelty lainkaan"


def test_add_criterion_shows_one_more_row_keeping_what_was_typed_and_saves_nothing(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(_url(challenge), data=_rows(challenge, [
        {"name": "Muutettu nimi", "weight": 55}, {"name": "Toteutettavuus", "weight": 40}], add_row="1"))
    assert response.status_code == 200
    page = html(response)
    assert _typed_values(page, "name") == ["Muutettu nimi", "Toteutettavuus", ""]  # the added row, empty
    assert "Weights together: 95 of 100" in page
    assert [c.name for c in _fresh(challenge).criteria] == ["Sopivuus", "Toteutettavuus"]
    assert audit_count("challenge_updated") == 0


def test_criteria_form_says_the_scale_is_written_in_finnish_for_every_reader(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    page = html(client.get(_url(challenge)))
    assert "Anchored scale, in Finnish: readers of every language see it as written</legend>" in page


def test_remove_takes_out_that_row_only_and_saving_then_stores_the_rest(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    typed = [{"name": "Sopivuus", "weight": 50}, {"name": "Poistettava", "weight": 10},
             {"name": "Toteutettavuus", "weight": 50, "name_sv": "Genomförbarhet"}]
    page = html(client.post(_url(challenge), data=_rows(challenge, typed, remove_row="1")))
    assert _typed_values(page, "name") == ["Sopivuus", "Toteutettavuus"]
    assert _typed_values(page, "name_sv") == ["", "Genomförbarhet"]
    assert len(_fresh(challenge).criteria) == 2 and audit_count("challenge_updated") == 0
    remaining = [row for n, row in enumerate(typed) if n != 1]
    response = client.post(_url(challenge), data=_rows(_fresh(challenge), remaining))
    assert response.status_code == 302
    assert [(c.name, c.name_sv, c.weight) for c in _fresh(challenge).criteria] == [
        ("Sopivuus", None, 50), ("Toteutettavuus", "Genomförbarhet", 50)]


def test_removing_the_last_row_leaves_an_empty_row(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    page = html(client.post(_url(challenge), data=_rows(challenge, [{"name": "Ainoa", "weight": 100}],
                                                        remove_row="0")))
    assert _typed_values(page, "name") == [""] or 'name="criteria-1-name"' in page


@pytest.mark.parametrize("pressed", ["99", "-1", "x"])
def test_remove_of_a_row_that_is_not_there_changes_nothing(client, cast, login, pressed):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(_url(challenge), data=_rows(challenge, [{"name": "Sopivuus", "weight": 100}],
                                                       remove_row=pressed))
    assert response.status_code in (200, 302)
    assert len(_fresh(challenge).criteria) in (1, 2)


def test_enter_in_a_text_box_saves_rather_than_removing_a_row(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    page = html(client.get(_url(challenge)))
    first_button = re.search(r'<(?:button|input)[^>]*type="submit"[^>]*>', page.split('<form method="post"', 1)[1])
    assert "name=" not in first_button.group(0)  # a plain submit: the form is saved


def test_the_add_button_is_gone_at_the_limit_of_criteria(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    rows = [{"name": f"Kriteeri {n}", "weight": 1} for n in range(12)]
    page = html(client.post(_url(challenge), data=_rows(challenge, rows, add_row="1")))
    assert 'name="criteria-11-name"' in page and 'name="criteria-12-name"' not in page
    assert 'name="add_row"' not in page


def test_a_row_error_in_the_disclosure_opens_it(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(_url(challenge), data=_rows(challenge, [
        {"name": "Sopivuus", "weight": 100, "name_sv": "x" * 201}]))
    assert response.status_code == 400
    page = html(response)
    assert "<details open>" in page and error_next_to(page, "criteria-0-name_sv")


@pytest.mark.parametrize("language, name, fallback", [
    ("sv", "Lämplighet", False), ("en", "Sopivuus", True), ("fi", "Sopivuus", False)])
def test_public_page_shows_criteria_in_the_readers_language(app, cast, language, name, fallback):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    challenge.criteria[0].name_sv = "Lämplighet"
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = html(client.get(f"/challenges/{challenge.id}"))
    marked = re.search(rf'<span( lang="fi")?>{name}</span>', page)
    assert marked and bool(marked.group(1)) == fallback


def test_themes_are_checkboxes_in_a_fieldset_and_are_saved(client, cast, login):
    themes = ensure_themes()
    challenge = make_challenge(cast["city"], cast["officer"], themes=[themes[1]])
    login(cast["officer"])
    page = html(client.get(f"/manage/challenges/{challenge.id}/edit/texts"))
    fieldset = page.split('<legend class="form-label fs-6">Themes</legend>', 1)[1].split("</fieldset>", 1)[0]
    boxes = re.findall(r'<input[^>]*type="checkbox" name="themes"[^>]*>', fieldset)
    assert len(boxes) == len(themes) and "<select" not in fieldset
    assert [f'value="{themes[1].id}"' in box for box in boxes if "checked" in box] == [True]
    response = client.post(f"/manage/challenges/{challenge.id}/edit/texts", data={
        "version": challenge.state_version, "language": "fi", "title_fi": challenge.title_fi,
        "summary_fi": challenge.summary_fi, "themes": [themes[0].id, themes[5].id]})
    assert response.status_code == 302
    assert {t.id for t in _fresh(challenge).themes} == {themes[0].id, themes[5].id}
