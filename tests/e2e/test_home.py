"""A first visit: the front page in three languages, switched without JavaScript tricks."""


def test_visitor_switches_language_on_the_front_page(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fi"
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Challenges and pilots of the six cities"
    page.get_by_role("link", name="Accessibility statement").click()
    page.wait_for_url("**/accessibility")
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement"
