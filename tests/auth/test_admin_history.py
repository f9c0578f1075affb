"""The user admin page's history: newest first, a page at a time, nothing lost however long it grows."""
from __future__ import annotations

import re

from auth.roles import Role
from core import audit

EN = {"Accept-Language": "en"}


def test_user_history_shows_the_newest_first_and_pages_back_to_the_oldest(client, db, make_org, make_user,
                                                                          login_as):
    city = make_org(name="Turku")
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))  # its oldest entry: the role added
    for n in range(25):
        audit.record("organisation_updated", person, person, data={"fields": [f"field_{n:02d}"]})
    db.session.commit()
    html = client.get(f"/admin/users/{person.id}", headers=EN).get_data(as_text=True)
    assert "field_24" in html and "field_05" in html and "field_04" not in html
    assert html.index("field_24") < html.index("field_23") and "Role added" not in html
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Show older entries', html).group(1).replace("&amp;", "&")
    html = client.get(older, headers=EN).get_data(as_text=True)
    assert "field_04" in html and "field_00" in html and "Role added" in html and "field_05" not in html
    assert "Show older entries" not in html and "Show the newest entries" in html


def test_user_history_cursor_out_of_range_is_ignored(client, make_org, make_user, login_as):
    city = make_org()
    login_as("city_admin", org=city)
    person = make_user(city, (Role.OFFICER.value,))
    response = client.get(f"/admin/users/{person.id}?before=99999999999999", headers=EN)
    assert response.status_code == 200 and "Role added" in response.get_data(as_text=True)
