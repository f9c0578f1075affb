"""Browser journey: a person chooses, on a phone, which emails come at once, daily or never (axe-checked)."""
from auth.services.accounts import create_user
from core.extensions import db

PASSWORD = "a long and memorable passphrase"


def test_person_chooses_a_daily_digest_for_answers_on_a_phone(page, live_server):
    with live_server.app.app_context():
        create_user("saara@yritys.example", "Saara Sähkö", PASSWORD, verified=True, locale="fi",
                    terms_version="2026-01")
        db.session.commit()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/login")
    page.locator("input[name=email]").fill("saara@yritys.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/account#notifications")
    answers = page.get_by_role("group", name="Vastaukset kysymyksiin")
    assert answers.get_by_label("Heti").is_checked()
    answers.get_by_label("Päivän kooste").check()
    page.get_by_role("group", name="Avautuvat kokeiluehdotusten haut").get_by_label("Ei koskaan").check()
    page.get_by_role("button", name="Tallenna sähköpostiasetukset").click()
    page.wait_for_url("**/account#notifications")
    assert page.locator(".alert-success").inner_text().strip().startswith("Sähköpostiasetuksesi tallennettiin")
    answers = page.get_by_role("group", name="Vastaukset kysymyksiin")
    assert answers.get_by_label("Päivän kooste").is_checked()
    assert page.get_by_role("group", name="Avautuvat kokeiluehdotusten haut").get_by_label("Ei koskaan").is_checked()
