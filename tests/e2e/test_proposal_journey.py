"""Browser journey: a company finds "Make a proposal" on an open call, saves, submits and reads its receipt;
the city's officer, reading Swedish, finds it in the list of submitted proposals. Every page passes axe."""
from __future__ import annotations

from sqlalchemy import select

from auth.models import OrgKind, User
from auth.roles import Role
from challenges.workflow import DIRECT
from core.extensions import db
from tests.factories import PASSWORD, PROPOSAL_TEXTS, make_cast, make_challenge, make_org, make_user
from tests.live import checked_page, session_cookie

# The editor's labels in Finnish, for the required sections (pilots/proposals/forms.py SECTION_LABELS).
LABELS_FI = {"solution": "Ratkaisu", "maturity": "Ratkaisun kypsyys", "plan_what": "Mitä kokeillaan",
             "plan_where": "Missä kokeilu tehdään", "plan_with_whom": "Kenen kanssa", "plan_when": "Milloin",
             "kpis": "Ehdotetut mittarit", "end_user_participation": "Miten loppukäyttäjät osallistuvat"}


def test_company_submits_a_proposal_and_the_officer_finds_it(page, live_server, browser):
    with live_server.app.app_context():
        cast = make_cast()
        challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="open")
        company = make_org(OrgKind.COMPANY.value, name="Acme Oy")
        make_user(company, (Role.MEMBER.value,), email="aino@acme.example", locale="fi")
        cast["officer"].locale = "sv"
        challenge_id, officer_email, criteria = challenge.id, cast["officer"].email, [c.id for c in challenge.criteria]
        db.session.commit()
        db.session.remove()
    page.goto("/login")
    page.locator("input[name=email]").fill("aino@acme.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/challenges/{challenge_id}")
    page.get_by_role("link", name="Tee ehdotus").click()
    page.wait_for_load_state()
    page.locator("#solution").fill("Anturit jokaiseen luokkaan")
    page.get_by_role("button", name="Tallenna", exact=True).click()
    page.wait_for_load_state()
    assert "Ehdotuksesi tallennettiin" in page.locator(".alert-success").inner_text()
    assert page.locator("#solution").input_value() == "Anturit jokaiseen luokkaan"
    for name, text in PROPOSAL_TEXTS.items():
        if name != "solution":
            page.locator(f"#{name}").fill(text)
    for criterion_id in criteria:
        page.locator(f"#c{criterion_id}").fill("Vastaus kriteeriin")
    page.get_by_label("Tämä osio on liikesalaisuus").first.check()
    page.get_by_role("button", name="Tallenna ja jätä").click()
    page.wait_for_load_state()
    assert "Ehdotuksesi jätettiin" in page.locator(".alert-success").inner_text()
    receipt = page.get_by_role("region", name="Kuittaus").inner_text()
    assert "SHA-256" in receipt and len(page.locator("code").inner_text().strip()) == 64
    assert "Liikesalaisuus" in page.locator("main").inner_text()
    with live_server.app.app_context():
        officer = db.session.scalar(select(User).where(User.email == officer_email))
        name, value = session_cookie(live_server.app, officer).split("=", 1)
        db.session.remove()
    with checked_page(browser, live_server, "sv-SE") as staff:
        staff.context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
        staff.goto(f"/manage/challenges/{challenge_id}")
        staff.get_by_role("link", name="Inlämnade förslag").click()
        staff.wait_for_load_state()
        staff.get_by_role("link", name="Acme Oy").click()
        staff.wait_for_load_state()
        assert "Anturit jokaiseen luokkaan" in staff.locator("main").inner_text()
