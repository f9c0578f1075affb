"""Browser journeys of the account pages: register, confirm, log in, switch language, log out."""
import re
from urllib.parse import urlsplit


from auth.models import Organisation
from auth.services.accounts import add_membership, create_user
from auth.services.invitations import invite
from core.extensions import db
from tests.factories import business_id

PASSWORD = "a long and memorable passphrase"


def test_new_company_registers_verifies_logs_in_and_out(page, live_mail):
    page.goto("/register")
    assert page.locator("html").get_attribute("lang") == "fi"
    page.locator("input[name=name]").fill("Maija Meikäläinen")
    page.locator("input[name=email]").fill("maija@yritys.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_confirm]").fill(PASSWORD)
    page.locator("select[name=locale]").select_option("fi")
    page.locator("input[name=company_action][value=new]").check()
    page.locator("input[name=business_id]").fill("2736490-4")
    page.locator("input[name=company_name]").fill("Yritys Oy")
    page.locator("input[name=accept_terms]").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/email-sent/registration")
    assert page.get_by_role("heading", level=1).count() == 1

    [message] = [m for m in live_mail if m.recipients == ["maija@yritys.example"]]
    link = re.search(r"https?://\S+/verify/[\w-]+", message.body).group(0)
    page.goto(urlsplit(link).path)
    assert page.get_by_role("heading", level=1).inner_text() == "Sähköpostiosoite vahvistettu"
    page.locator("main a[href='/login']").click()
    page.wait_for_url("**/login")

    page.locator("input[name=email]").fill("maija@yritys.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/start")  # login lands on the start page
    assert "Maija Meikäläinen" in page.locator("header").inner_text()

    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    page.locator("header form[action$='/logout'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("header form[action$='/logout']").count() == 0
    assert page.locator("header a[href='/login']").count() == 1


def test_registration_with_mistakes_shows_errors_next_to_fields(page):
    page.goto("/register")
    page.locator("input[name=email]").fill("not-an-email")
    page.locator("input[name=password]").fill("short")
    page.locator("input[name=business_id]").fill("2736490-5")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1
    for name in ("name", "email", "password", "business_id", "accept_terms"):
        assert page.locator(f"#{name}[aria-invalid=true]").count() == 1
        assert page.locator(f"#{name}-error").count() == 1


def test_account_side_pages_pass_axe(page, live_server, live_mail):
    # Data made directly in the live app: a city admin who also owns a company with a pending request.
    with live_server.app.test_request_context():
        city = Organisation(kind="city", slug="vantaa", name="Vantaa")
        company = Organisation(kind="company", slug="firma", name="Firma Oy", business_id=business_id(7))
        db.session.add_all([city, company])
        admin = create_user("admin@vantaa.example", "Aino Admin", PASSWORD, verified=True, locale="en")
        add_membership(admin, city, "admin", actor=None)
        add_membership(admin, company, "owner", actor=None)
        requester = create_user("joiner@firma.example", "Jussi Joiner", PASSWORD, verified=True)
        add_membership(requester, company, "member", actor=requester, status="pending")
        invite(city, "invitee@vantaa.example", "Iida Invitee", "officer", "en", admin)
        db.session.commit()
        city_id, company_id = city.id, company.id
        db.session.remove()

    token = re.search(r"/invitations/([\w-]+)", live_mail[-1].body).group(1)
    page.goto(f"/invitations/{token}")
    assert page.locator("input[name=accept_terms]").count() == 1
    for path in ("/terms", "/verify/resend", "/password/reset", "/verify/not-a-token",
                 "/password/reset/not-a-token", "/invitations/not-a-token"):
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1

    page.goto("/login")
    page.locator("input[name=email]").fill("admin@vantaa.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/start")  # login lands on the start page
    page.goto(f"/invitations/{token}")
    assert page.get_by_role("alert").count() == 1  # logged in as someone else
    page.goto(f"/organisations/{company_id}/requests")
    assert page.get_by_text("Jussi Joiner").count() == 1
    page.goto(f"/organisations/{city_id}/invitations")
    assert page.get_by_text("invitee@vantaa.example").count() == 1
    page.locator("main form[action$='/revoke'] button").click()
    page.wait_for_load_state()
    assert page.get_by_text("invitee@vantaa.example").count() == 1  # in the confirmation message
