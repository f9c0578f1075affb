"""The one refusal and the helper that shows it on a form: next to its field, its row's field, or above."""
from __future__ import annotations

import pytest
from wtforms import FormField, StringField

from core.forms import FieldList, Form, RowForm
from core.refusals import Conflict, Refused, Stale, put_on_form, refuse_if


class _Row(RowForm):
    name = StringField("Name")


class _Rows(Form):
    title = StringField("Title")
    rows = FieldList(FormField(_Row), min_entries=2)

    def field_for(self, key):
        """Row keys ("rows", index, field) land on that row's field."""
        if isinstance(key, tuple):
            return self.rows.entries[key[1]].form[key[2]]
        return self._fields.get(key)


def test_put_on_form_shows_a_message_next_to_its_field_and_loose_ones_above(app):
    with app.test_request_context(method="POST", data={"title": "x"}):
        form = _Rows()
        loose = put_on_form(form, Refused.with_errors({"title": "Too short.", ("rows", 1, "name"): "Name it.",
                                                       "gone": "Elsewhere.", None: "Whole form."}))
        assert form.title.errors == ["Too short."]
        assert form.rows.entries[1].form.name.errors == ["Name it."]
        assert not form.rows.entries[0].form.name.errors
        assert loose == ["Elsewhere.", "Whole form."] == form.form_errors


def test_put_on_form_finds_fields_by_name_without_a_field_for(app):
    class Plain(Form):
        email = StringField("Email")

    with app.test_request_context(method="POST", data={"email": "a@example.com"}):
        form = Plain()
        form.validate()
        assert put_on_form(form, Refused("Taken.", "email")) == []
        assert form.email.errors == ["Taken."]


def test_refusal_status_codes_and_refuse_if():
    assert Refused("No.").status_code == 400
    assert Conflict("Locked.").status_code == 409 and Stale("Old.").status_code == 409
    assert isinstance(Stale("Old."), Conflict)
    refuse_if(False, "never")
    with pytest.raises(Refused) as refused:
        refuse_if(True, "Not yours.", "organisation", status_code=403)
    assert (refused.value.message, refused.value.field, refused.value.status_code) == (
        "Not yours.", "organisation", 403)
    assert refused.value.errors == {"organisation": "Not yours."}
