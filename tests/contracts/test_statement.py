"""The 1C bank statement import: all or nothing, row errors naming the line, a second import a no-op."""

from decimal import Decimal

import pytest
from django.utils import timezone

from qac.contracts import services
from qac.contracts.models import BankDetails, BankStatement, ContractStatus, Payment
from qac.contracts.statement import parse
from tests.helpers.contracts import PRICE, payment_order, statement_bytes
from tests.helpers.exams import ru

pytestmark = pytest.mark.django_db


def imported(staff, content, name="kl_to_1c.txt"):
    return services.statement_import(content=content, file_name=name, by=staff)


def test_a_statement_records_the_employers_payment_and_the_contract_becomes_paid(employer_contract, staff):
    result = imported(staff, statement_bytes(payment_order(employer_contract, number="345")))
    assert result.errors == []
    (payment,) = result.recorded
    assert (payment.contract, payment.amount, payment.document_number) == (employer_contract, PRICE * 3, "345")
    assert payment.statement == result.statement
    employer_contract.refresh_from_db()
    assert employer_contract.status == ContractStatus.PAID


def test_the_same_statement_twice_changes_nothing(employer_contract, staff):
    content = statement_bytes(payment_order(employer_contract, amount=PRICE))
    first = imported(staff, content)
    assert len(first.recorded) == 1
    again = imported(staff, content, name="again.txt")
    assert again.imported_before == first.statement
    assert again.recorded == [] and again.errors == []
    assert Payment.objects.count() == 1 and BankStatement.objects.count() == 1


def test_an_order_already_recorded_in_an_overlapping_statement_is_counted_not_doubled(employer_contract, staff):
    order = payment_order(employer_contract, number="77", amount=PRICE)
    imported(staff, statement_bytes(dict(order)))
    result = imported(staff, statement_bytes(dict(order), payment_order(employer_contract, number="78", amount=PRICE)))
    assert result.errors == []
    assert result.already_recorded == 1 and len(result.recorded) == 1
    assert sorted(Payment.objects.values_list("document_number", flat=True)) == ["77", "78"]


def test_an_unknown_payer_refuses_the_whole_statement_naming_its_line(employer_contract, staff):
    good = payment_order(employer_contract, number="1", amount=PRICE)
    unknown = payment_order(employer_contract, number="2", amount=PRICE, inn="7707083893")
    result = imported(staff, statement_bytes(good, unknown))
    # The header and the account section take 8 lines; each order takes 9.
    assert result.errors == [
        ru(
            "Line %(line)s: %(error)s",
            line=18,
            error=ru(
                "the payer with INN %(inn)s (%(name)s) is not known; add the payer first.",
                inn="7707083893",
                name="ООО «Автосервис Нева»",
            ),
        )
    ]
    assert Payment.objects.count() == 0 and BankStatement.objects.count() == 0
    employer_contract.refresh_from_db()
    assert employer_contract.status == ContractStatus.DRAFT


def test_a_broken_line_refuses_the_whole_statement_naming_its_line(employer_contract, staff):
    content = statement_bytes(payment_order(employer_contract, amount=PRICE)).replace(
        "Номер=101".encode("cp1251"), "Номер 101".encode("cp1251")
    )
    result = imported(staff, content)
    assert ru("Line %(line)s: expected «Key=Value», found «%(text)s».", line=10, text="Номер 101") in result.errors
    assert Payment.objects.count() == 0 and BankStatement.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Сумма": "двенадцать"}, "Line %(line)s: the amount is not a sum of money."),
        ({"Дата": "2026-12-01"}, "Line %(line)s: the date is not DD.MM.YYYY."),
    ],
)
def test_a_bad_value_names_its_document(employer_contract, staff, change, expected):
    order = payment_order(employer_contract) | change
    result = imported(staff, statement_bytes(order))
    assert result.errors == [ru(expected, line=9)]
    assert Payment.objects.count() == 0


def test_a_statement_whose_purpose_names_no_contract_is_refused(employer_contract, staff):
    result = imported(staff, statement_bytes(payment_order(employer_contract, purpose="Оплата за обучение")))
    assert len(result.errors) == 1 and result.errors[0].startswith(ru("Line %(line)s: %(error)s", line=9, error=""))
    assert Payment.objects.count() == 0


def test_an_overpayment_in_a_statement_is_a_row_error_and_nothing_is_recorded(employer_contract, staff):
    first = payment_order(employer_contract, number="1", amount=PRICE * 2)
    second = payment_order(employer_contract, number="2", amount=PRICE * 2)
    result = imported(staff, statement_bytes(first, second))
    assert len(result.errors) == 1 and "18" in result.errors[0]
    assert Payment.objects.count() == 0


def test_a_file_that_is_not_a_1c_statement_is_refused(staff):
    result = imported(staff, "Дата;Сумма\n01.12.2026;100".encode("cp1251"))
    assert result.errors == [ru("Line 1: the file does not start with 1CClientBankExchange.")]
    assert imported(staff, b"\x98\x98").errors == [ru("The file is not text in the windows-1251 encoding 1C writes.")]


def test_payments_to_others_and_other_documents_are_skipped(employer_contract, staff):
    BankDetails.objects.create(inn="7814001239")
    outgoing = payment_order(employer_contract, number="5") | {"ПолучательИНН": "7842007779"}
    memorial = {"_kind": "Банковский ордер", "Номер": "9", "Сумма": "1.00"}
    ours = payment_order(employer_contract, number="6", amount=Decimal("500.00")) | {"ПолучательИНН": "7814001239"}
    result = imported(staff, statement_bytes(outgoing, memorial, ours))
    assert result.errors == []
    assert result.not_ours == 1
    assert [p.document_number for p in result.recorded] == ["6"]


def test_an_unclosed_document_is_an_error():
    text = "1CClientBankExchange\nСекцияДокумент=Платежное поручение\nНомер=1\n"
    assert parse(text).errors == [ru("The last document is not closed by КонецДокумента.")]


def test_the_dates_of_receipt_win_over_the_order_date(employer_contract, staff):
    today = timezone.localdate()
    order = payment_order(employer_contract, amount=PRICE, day=today.replace(day=1)) | {
        "ДатаПоступило": f"{today:%d.%m.%Y}"
    }
    (payment,) = imported(staff, statement_bytes(order)).recorded
    assert payment.paid_on == today
