"""Validation of the personal data a candidate enters: SNILS, identity documents, dates."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_APPLICANT_AGE = 16
MAX_APPLICANT_AGE = 100


def normalize_snils(value: str) -> str:
    """Digits only: '112-233-445 95' -> '11223344595'."""
    return re.sub(r"[\s\-]", "", value or "")


def snils_checksum(digits: str) -> int:
    """The control number of a SNILS (Pension Fund rules): weights 9..1 over the first nine digits."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def validate_snils(value: str) -> None:
    digits = normalize_snils(value)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValidationError(_("SNILS has 11 digits, e.g. 112-233-445 95."), code="snils_format")
    # Numbers up to 001-001-998 were issued without a meaningful checksum.
    if int(digits[:9]) > 1001998 and snils_checksum(digits) != int(digits[9:]):
        raise ValidationError(
            _("This SNILS is not valid: its check digits do not match. Please check the number."),
            code="snils_checksum",
        )


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}" if len(digits) == 11 else digits


def mask_snils(digits: str) -> str:
    """For lists: only the check digits stay readable."""
    return f"***-***-*** {digits[9:11]}" if len(digits) == 11 else "***"


def mask_document_number(number: str) -> str:
    return f"{'*' * max(len(number) - 2, 2)}{number[-2:]}" if number else ""


# Identity documents: (series pattern, number pattern, example) by type.
ID_DOCUMENT_FORMATS = {
    "passport_ru": (r"\d{4}", r"\d{6}", _("Russian passport: series of 4 digits, number of 6 digits.")),
    "passport_foreign": (
        r"[0-9A-Za-zА-Яа-яЁё]{0,10}",
        r"[0-9A-Za-z]{5,15}",
        _("Foreign passport: number of 5 to 15 letters or digits."),
    ),
    "military_id": (r"[А-ЯЁ]{2}", r"\d{7}", _("Military ID: series of 2 Cyrillic capitals, number of 7 digits.")),
    "residence_permit": (r"\d{2}", r"\d{7}", _("Residence permit: series of 2 digits, number of 7 digits.")),
}


def validate_id_document(doc_type: str, series: str, number: str) -> dict[str, ValidationError]:
    """Errors by field name for a document whose series or number does not fit its type."""
    fmt = ID_DOCUMENT_FORMATS.get(doc_type)
    if fmt is None:
        return {"id_doc_type": ValidationError(_("Choose the type of the identity document."), code="id_doc_type")}
    series_re, number_re, hint = fmt
    errors = {}
    if not re.fullmatch(series_re, (series or "").replace(" ", "")):
        errors["id_doc_series"] = ValidationError(hint, code="id_doc_series")
    if not re.fullmatch(number_re, (number or "").replace(" ", "")):
        errors["id_doc_number"] = ValidationError(hint, code="id_doc_number")
    return errors


def validate_not_future(value: datetime.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future_date")


def validate_birth_date(value: datetime.date) -> None:
    validate_not_future(value)
    today = timezone.localdate()
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < MIN_APPLICANT_AGE:
        raise ValidationError(
            _("An applicant must be at least %(age)s years old.") % {"age": MIN_APPLICANT_AGE}, code="too_young"
        )
    if age > MAX_APPLICANT_AGE:
        raise ValidationError(_("Please check the date of birth: it is implausibly early."), code="too_old")


def validate_plausible_past_date(value: datetime.date) -> None:
    validate_not_future(value)
    if value and value.year < 1940:
        raise ValidationError(_("Please check the date: it is implausibly early."), code="implausible_date")
