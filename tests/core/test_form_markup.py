"""The form field macro writes markup the Nu HTML checker accepts, whatever the kind of field."""
from __future__ import annotations

from flask import render_template_string
from wtforms import DateField, FileField, SelectField
from wtforms.validators import DataRequired, Optional

from core.forms import Form


class _Fields(Form):
    """One of each kind of field the checker is particular about."""

    role = SelectField("Role", choices=[("member", "Member"), ("owner", "Owner")], validators=[DataRequired()])
    kind = SelectField("Kind", choices=[("", ""), ("school", "School")], validators=[DataRequired()])
    optional_kind = SelectField("Kind", choices=[("", ""), ("school", "School")], validators=[Optional()])
    day = DateField("Day", validators=[DataRequired()])
    file = FileField("File", validators=[DataRequired()])


def _render(name: str) -> str:
    """The field macro's markup for one field of _Fields."""
    form = _Fields(meta={"csrf": False})
    return render_template_string('{% from "_macros.html" import field %}{{ field(form[name]) }}', form=form,
                                  name=name)


def test_required_select_whose_first_option_is_a_choice_leaves_required_out(app):
    with app.test_request_context("/"):
        assert " required" not in _render("role").split("<select", 1)[1].split(">", 1)[0]


def test_required_select_with_an_empty_first_option_keeps_required(app):
    with app.test_request_context("/"):
        assert " required" in _render("kind").split("<select", 1)[1].split(">", 1)[0]


def test_empty_option_has_text_so_it_is_not_an_empty_element(app):
    with app.test_request_context("/"):
        assert '<option value="">–</option>' in _render("optional_kind")


def test_required_date_and_file_inputs_use_required_without_aria_required(app):
    with app.test_request_context("/"):
        for name in ("day", "file"):
            markup = _render(name)
            assert " required" in markup and "aria-required" not in markup
