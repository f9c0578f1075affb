"""Finnish business IDs (Y-tunnus): format 1234567-8 with a check digit, and a WTForms validator."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, ValidationError

BUSINESS_ID_PATTERN = re.compile(r"\d{7}-\d")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(digits: str) -> int | None:
    """The check digit of seven digits; None when no digit fits (remainder 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def is_valid_business_id(value: str | None) -> bool:
    """True for a well-formed business ID whose check digit matches."""
    if not value or not BUSINESS_ID_PATTERN.fullmatch(value):
        return False
    return business_id_check_digit(value[:7]) == int(value[8])


class BusinessId:
    """WTForms validator: the field holds a valid Finnish business ID."""

    format_message = _l("Enter the business ID in the form 1234567-8.")
    check_message = _l("This business ID does not exist: its check digit does not match. Check the number.")

    def __call__(self, form: Form, field: Field) -> None:
        """Refuse a wrong format or a wrong check digit, with a message that says which."""
        value = field.data or ""
        if not BUSINESS_ID_PATTERN.fullmatch(value):
            raise ValidationError(self.format_message)
        if not is_valid_business_id(value):
            raise ValidationError(self.check_message)
