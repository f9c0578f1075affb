"""The Finnish business ID (Y-tunnus) check: format and check digit."""
import pytest
from wtforms import Form, StringField

from auth.validators import BusinessId, business_id_check_digit, is_valid_business_id


@pytest.mark.parametrize("value", ["2736490-4", "3183476-1", "0112038-9", "1572860-0"])
def test_business_id_valid_examples_pass(value):
    assert is_valid_business_id(value)


@pytest.mark.parametrize("value", [
    "2736490-5",   # wrong check digit
    "3183476-2",
    "2736490",     # no check digit
    "27364904",    # no hyphen
    "273649-04",   # hyphen in the wrong place
    "2736490-44",  # too long
    "a736490-4",   # not a digit
    " 2736490-4",  # spaces are stripped by the form, not accepted here
    "",
    None,
])
def test_business_id_invalid_examples_fail(value):
    assert not is_valid_business_id(value)


def test_business_id_with_remainder_one_has_no_check_digit():
    digits = next(f"{n:07d}" for n in range(10_000_000)
                  if sum(int(d) * w for d, w in zip(f"{n:07d}", (7, 9, 10, 5, 8, 4, 2))) % 11 == 1)
    assert business_id_check_digit(digits) is None
    assert not any(is_valid_business_id(f"{digits}-{d}") for d in range(10))


class _CompanyForm(Form):
    business_id = StringField(validators=[BusinessId()])


@pytest.mark.parametrize("value, message", [
    ("2736490-4", None),
    ("2736490-5", "check digit does not match"),
    ("27364904", "in the form 1234567-8"),
])
def test_business_id_validator_explains_the_problem(app, value, message):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = _CompanyForm(data={"business_id": value})
        assert form.validate() is (message is None)
        if message:
            assert message in str(form.business_id.errors[0])
