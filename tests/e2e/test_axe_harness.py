"""The browser harness itself: axe must catch a violation, or no browser test means anything."""
import pytest


def test_axe_check_fails_on_a_page_with_violations(page, live_server):
    page.goto("/")
    # Route a page with an image without alternative text through the live origin.
    page.route("**/broken", lambda route: route.fulfill(
        content_type="text/html", body="<html><body><img src='/x.png'></body></html>"))
    page.goto("/broken")
    with pytest.raises(AssertionError, match="image-alt"):
        page.check_accessibility()
    page.goto("/")  # leave the test on a clean page for the final check
