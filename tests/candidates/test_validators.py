import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates.validators import (
    format_snils,
    mask_document_number,
    mask_snils,
    normalize_snils,
    snils_checksum,
    validate_birth_date,
    validate_id_document,
    validate_snils,
)


@pytest.mark.parametrize("value", ["112-233-445 95", "11223344595", " 112 233 445 95 ", "001-001-998 00"])
def test_valid_snils_numbers_pass(value):
    validate_snils(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("112-233-445 96", "snils_checksum"),
        ("11223344594", "snils_checksum"),
        ("1122334459", "snils_format"),
        ("112233445950", "snils_format"),
        ("112-233-44A 95", "snils_format"),
        ("", "snils_format"),
    ],
)
def test_invalid_snils_numbers_fail_with_a_specific_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_snils(value)
    assert exc.value.code == code


def test_snils_checksum_special_cases():
    # Below 100 the sum itself; 100 and 101 give 00; above, the remainder of 101.
    assert snils_checksum("112233445") == 95
    assert snils_checksum("000029999") == 0  # sum 100
    assert snils_checksum("000119999") == 0  # sum 101
    assert snils_checksum("087654303") == 0  # sum 202 -> 202 % 101 == 0
    assert snils_checksum("000000019") == 11


def test_snils_formatting_and_masking():
    assert normalize_snils("112-233-445 95") == "11223344595"
    assert format_snils("11223344595") == "112-233-445 95"
    assert mask_snils("11223344595") == "***-***-*** 95"
    assert "112" not in mask_snils("11223344595")
    assert mask_document_number("345678") == "****78"


@pytest.mark.parametrize(
    ("doc_type", "series", "number", "bad_fields"),
    [
        ("passport_ru", "4012", "345678", set()),
        ("passport_ru", "40 12", "345678", set()),
        ("passport_ru", "401", "345678", {"id_doc_series"}),
        ("passport_ru", "4012", "34567", {"id_doc_number"}),
        ("passport_ru", "40A2", "3456789", {"id_doc_series", "id_doc_number"}),
        ("military_id", "АБ", "1234567", set()),
        ("military_id", "AB", "1234567", {"id_doc_series"}),
        ("passport_foreign", "", "X1234567", set()),
        ("unknown", "1", "1", {"id_doc_type"}),
    ],
)
def test_identity_documents_are_checked_by_their_type(doc_type, series, number, bad_fields):
    assert set(validate_id_document(doc_type, series, number)) == bad_fields


def test_birth_dates_in_the_future_or_under_16_or_implausibly_old_are_refused():
    today = datetime.date.today()
    for born, code in [
        (today + datetime.timedelta(days=1), "future_date"),
        (today.replace(year=today.year - 15), "too_young"),
        (datetime.date(1900, 1, 1), "too_old"),
    ]:
        with pytest.raises(ValidationError) as exc:
            validate_birth_date(born)
        assert exc.value.code == code
    validate_birth_date(datetime.date(today.year - 16, 1, 1))
