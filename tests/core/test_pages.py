"""The pages of the shared kernel: front page, languages, errors, accessibility statement and feedback."""
import pytest

from core.feedback import AccessibilityFeedback
from core.views import safe_next


@pytest.mark.parametrize("lang, heading", [
    ("fi", "Kuuden kaupungin haasteet ja kokeilut"),
    ("sv", "Sex städers utmaningar och pilotprojekt"),
    ("en", "Challenges and pilots of the six cities"),
])
def test_home_page_speaks_the_browser_language(client, lang, heading):
    response = client.get("/", headers={"Accept-Language": lang})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert heading in html


def test_language_choice_is_remembered_over_the_browser_language(client):
    response = client.get("/language?lang=sv&next=/accessibility")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility"
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html


def test_language_choice_is_saved_on_the_account(client, db, login_as):
    user = login_as("user", locale="en")
    client.post("/language", data={"lang": "fi"})
    db.session.refresh(user)
    assert user.locale == "fi"
    assert '<html lang="fi">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_unknown_language_is_refused_with_a_message(client):
    response = client.get("/language?lang=de", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.get_data(as_text=True)


def test_unknown_language_of_a_user_is_refused_with_a_message(client, login_as):
    login_as("user", locale="en")
    response = client.post("/language", data={"lang": "de"})
    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/language", query_string={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "/\\/evil.example",
    "/account\r\nSet-Cookie: a=b", "/account\nx", "/account\x00", "/acc\tount", "/account\x7f",
    "/account\u0085", "/account\u2028", "/account\u202e", "/ account", "javascript:alert(1)",
    "account", "", None, "/" + "a" * 2100,
])
def test_safe_next_refuses_off_site_control_characters_and_odd_targets(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/account", "/challenges?city=helsinki&q=sis%C3%A4ilma#list",
                                    "/challenges/12/dialogue", "/haku?q=sisäilma"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


def test_language_switch_with_a_line_break_in_next_goes_home(client):
    response = client.get("/language", query_string={"lang": "en", "next": "/accessibility\r\nX-Evil: 1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("lang, text", [
    ("fi", "Sivua ei löytynyt"), ("sv", "Sidan hittades inte"), ("en", "Page not found")])
def test_not_found_page_is_translated(client, lang, text):
    response = client.get("/no-such-page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_server_error_page_is_translated_and_hides_the_traceback(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "core.health", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/healthz", headers={"Accept-Language": "sv"})
    assert response.status_code == 500
    assert "Något gick fel hos oss" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


def test_missing_csrf_token_gets_a_clear_400(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/language", data={"lang": "en"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_accessibility_statement_links_to_feedback(client):
    html = client.get("/accessibility", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Act on the Provision of Digital Services" in html
    assert 'href="/accessibility/feedback"' in html


def test_accessibility_feedback_is_stored_and_emailed(client, db, outbox):
    response = client.post("/accessibility/feedback", data={
        "page": "/", "description": "The menu cannot be reached by keyboard.",
        "email": "reporter@example.org"}, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    feedback = db.session.scalars(db.select(AccessibilityFeedback)).one()
    assert feedback.description == "The menu cannot be reached by keyboard."
    assert sorted(m.recipients[0] for m in outbox) == ["reporter@example.org", "saavutettavuus@kokeilu.invalid"]


def test_accessibility_feedback_without_description_is_refused_next_to_the_field(client, db, outbox):
    response = client.post("/accessibility/feedback", data={"description": " ", "email": "not-an-email"},
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="description-error"' in html and "Describe the problem you ran into." in html
    assert 'id="email-error"' in html and "Enter a valid email address." in html
    assert db.session.scalars(db.select(AccessibilityFeedback)).all() == []
    assert outbox == []


PHISHING = {"page": "https://bank.example/login", "name": "Your bank",
            "description": "Your account is locked. Confirm your card at https://bank.example/verify today."}


def test_accessibility_feedback_receipt_never_quotes_what_the_sender_typed(client, db, outbox):
    response = client.post("/accessibility/feedback", data={**PHISHING, "email": "victim@example.org"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    by_recipient = {m.recipients[0]: m for m in outbox}
    receipt = by_recipient["victim@example.org"]
    for text in (receipt.subject, receipt.body, receipt.html):
        assert "bank.example" not in text and "Your bank" not in text and "card" not in text
    assert "If it was not you, ignore this message" in receipt.body
    assert PHISHING["description"] in by_recipient["saavutettavuus@kokeilu.invalid"].body


def test_accessibility_feedback_sends_few_receipts_to_one_address_but_keeps_every_report(client, db, outbox):
    for n in range(30):
        response = client.post("/accessibility/feedback", data={**PHISHING, "email": "victim@example.org"},
                               environ_overrides={"REMOTE_ADDR": f"203.0.113.{n}"})
        assert response.status_code == 302
    receipts = [m for m in outbox if m.recipients == ["victim@example.org"]]
    assert 1 <= len(receipts) <= 5
    assert len(db.session.scalars(db.select(AccessibilityFeedback)).all()) == 30


def test_accessibility_feedback_from_one_client_is_limited_and_the_text_is_kept(client, db, outbox):
    for _n in range(10):
        response = client.post("/accessibility/feedback", data={"description": "Kontrasti on heikko."})
        assert response.status_code == 302
    response = client.post("/accessibility/feedback", data={"description": "Painike puuttuu näppäimistöltä."},
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Painike puuttuu näppäimistöltä." in html
    assert "Too many messages were sent from your network" in html
    assert len(db.session.scalars(db.select(AccessibilityFeedback)).all()) == 10


def test_every_page_has_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_production_pages_ask_browsers_for_https_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["STRICT_TRANSPORT_SECURITY"] = load_config_in_production()["STRICT_TRANSPORT_SECURITY"]
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def load_config_in_production():
    """The settings a production environment gives."""
    from core.config import load_config

    with pytest.MonkeyPatch.context() as env:
        env.setenv("KOKEILU_ENV", "production")
        return load_config()


def test_health_check_reaches_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
