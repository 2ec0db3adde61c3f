"""Formats of the national register's codes (domain.md)."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# A professional standard: two digits, a dot, three digits (e.g. 31.004).
STANDARD_CODE_RE = r"^\d{2}\.\d{3}$"
# A qualification: the standard's code, "00", a dot and two digits (31.00400.02).
QUALIFICATION_CODE_RE = r"^\d{2}\.\d{3}00\.\d{2}$"

validate_standard_code = RegexValidator(
    STANDARD_CODE_RE,
    _("A professional standard code looks like 31.004: two digits, a dot, three digits."),
    code="invalid_standard_code",
)
validate_qualification_code = RegexValidator(
    QUALIFICATION_CODE_RE,
    _("A qualification code looks like 31.00400.02: the standard's code, 00, a dot and two digits."),
    code="invalid_qualification_code",
)
