"""Russian tax identifiers of payers: INN with its check digits, KPP by its shape."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    """10 digits (an organisation) or 12 (a person or an entrepreneur), with the tax service's check digits."""
    if not re.fullmatch(r"\d{10}|\d{12}", value or ""):
        return False
    if len(value) == 10:
        return _check_digit(value, _INN10) == int(value[9])
    return _check_digit(value, _INN11) == int(value[10]) and _check_digit(value, _INN12) == int(value[11])


def validate_inn(value: str) -> None:
    if not re.fullmatch(r"\d{10}|\d{12}", value or ""):
        raise ValidationError(
            _("An INN has 10 digits (an organisation) or 12 digits (a person or an entrepreneur)."), code="inn_format"
        )
    if not inn_is_valid(value):
        raise ValidationError(
            _("This INN is not valid: its check digits do not match. Please check the number."), code="inn_checksum"
        )


def validate_kpp(value: str) -> None:
    if not KPP_RE.fullmatch(value or ""):
        raise ValidationError(
            _("A KPP has 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits."), code="kpp_format"
        )
