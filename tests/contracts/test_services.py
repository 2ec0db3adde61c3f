import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from qac.contracts import services
from qac.contracts.models import Contract, ContractLine, ContractStatus, ContractTransition, PayerKind, Payment
from qac.contracts.rules import CONTRACT_TRANSITIONS
from qac.contracts.selectors import payers
from standards.models import Fee
from tests.helpers.contracts import PRICE
from tests.helpers.exams import ru

pytestmark = pytest.mark.django_db
CS = ContractStatus


def state() -> tuple:
    return (
        list(Contract.objects.values_list("pk", "status", "amount")),
        ContractLine.objects.count(),
        list(Payment.objects.values_list("pk", "amount")),
        ContractTransition.objects.count(),
    )


def test_an_employer_sending_three_employees_gets_one_contract_for_the_sum(employer_contract, employer):
    contract = employer_contract
    assert contract.payer == employer
    assert contract.lines.count() == 3
    assert contract.amount == PRICE * 3
    assert contract.number == f"{contract.date.year}/{contract.pk:05d}"
    assert list(contract.history.values_list("from_status", "to_status")) == [("", CS.DRAFT)]


def test_the_price_is_the_one_in_force_on_the_contract_date(application, staff, qualification):
    today = timezone.localdate()
    Fee.objects.create(qualification=qualification, amount=Decimal("15000.00"), valid_from=today)
    Fee.objects.create(
        qualification=qualification, amount=Decimal("99999.00"), valid_from=today + datetime.timedelta(1)
    )
    last_week = services.contract_create(by=staff, applications=[application], date=today - datetime.timedelta(7))
    assert last_week.amount == PRICE
    services.contract_cancel(contract=last_week, by=staff, reason="Ошибка в дате")
    current = services.contract_create(by=staff, applications=[application], date=today)
    assert current.amount == Decimal("15000.00")
    assert current.lines.get().fee.valid_from == today


def test_without_a_payer_the_candidate_pays_for_themself(own_contract, candidate):
    assert own_contract.payer.person == candidate
    assert own_contract.payer.name == candidate.get_full_name()
    assert own_contract.inform_payer is False


def test_an_application_is_under_one_live_contract_at_a_time(own_contract, application, staff, employer):
    before = state()
    with pytest.raises(services.ContractError) as exc:
        services.contract_create(by=staff, payer=employer, applications=[application], date=timezone.localdate())
    assert str(exc.value) == ru(
        "Application %(number)s is already under contract № %(contract)s.",
        number=application.number,
        contract=own_contract.number,
    )
    assert state() == before


def test_no_contract_without_a_price(application, staff, qualification):
    Fee.objects.filter(qualification=qualification).delete()
    before = state()
    with pytest.raises(services.ContractError, match=qualification.code):
        services.contract_create(by=staff, applications=[application], date=timezone.localdate())
    assert state() == before


def test_applications_of_several_candidates_need_an_organisation(make_application, staff):
    before = state()
    with pytest.raises(services.ContractError):
        services.contract_create(
            by=staff, applications=[make_application(), make_application()], date=timezone.localdate()
        )
    assert state() == before


def test_only_staff_make_contracts(application, candidate):
    with pytest.raises(services.ContractError):
        services.contract_create(by=candidate, applications=[application], date=timezone.localdate())
    assert Contract.objects.count() == 0


def test_a_partial_payment_is_recorded_and_the_contract_is_paid_when_the_rest_arrives(employer_contract, staff):
    contract, today = employer_contract, timezone.localdate()
    services.payment_record(contract=contract, by=staff, paid_on=today, amount=PRICE, document_number="11")
    contract.refresh_from_db()
    assert contract.status == CS.DRAFT
    services.payment_record(contract=contract, by=staff, paid_on=today, amount=PRICE * 2, document_number="12")
    contract.refresh_from_db()
    assert contract.status == CS.PAID
    assert contract.history.last().note.endswith(f"{today:%d.%m.%Y}")


def test_more_than_is_due_is_refused_naming_what_is_due(employer_contract, staff):
    contract = employer_contract
    services.payment_record(
        contract=contract, by=staff, paid_on=timezone.localdate(), amount=Decimal("1000.00"), document_number="1"
    )
    before = state()
    with pytest.raises(services.ContractError) as exc:
        services.payment_record(
            contract=contract, by=staff, paid_on=timezone.localdate(), amount=PRICE * 3, document_number="2"
        )
    assert str(exc.value) == ru(
        "%(amount)s ₽ is more than is due under contract № %(number)s: %(due)s ₽ of %(total)s ₽.",
        amount=PRICE * 3,
        number=contract.number,
        due=PRICE * 3 - Decimal("1000.00"),
        total=PRICE * 3,
    )
    assert state() == before


@pytest.mark.parametrize(
    ("amount", "number", "days", "message"),
    [
        (Decimal("0"), "1", 0, "The amount must be more than zero."),
        (Decimal("-5"), "1", 0, "The amount must be more than zero."),
        (Decimal("10"), " ", 0, "Give the number of the payment document."),
        (Decimal("10"), "1", 1, "A payment cannot be dated in the future."),
    ],
)
def test_a_payment_needs_its_particulars(own_contract, staff, amount, number, days, message):
    before = state()
    with pytest.raises(services.ContractError) as exc:
        services.payment_record(
            contract=own_contract,
            by=staff,
            paid_on=timezone.localdate() + datetime.timedelta(days),
            amount=amount,
            document_number=number,
        )
    assert str(exc.value) == ru(message)
    assert state() == before


def test_the_same_payment_document_is_recorded_once(own_contract, staff):
    today = timezone.localdate()
    services.payment_record(contract=own_contract, by=staff, paid_on=today, amount=Decimal("100"), document_number="7")
    with pytest.raises(services.ContractError):
        services.payment_record(
            contract=own_contract, by=staff, paid_on=today, amount=Decimal("100"), document_number="7"
        )
    assert own_contract.payments.count() == 1


def test_a_paid_contract_takes_no_more_money(own_contract, staff):
    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="1"
    )
    with pytest.raises(services.ContractError):
        services.payment_record(
            contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=Decimal("1"), document_number="2"
        )


def test_every_move_follows_the_table_and_writes_history(own_contract, staff):
    contract = services.contract_send(contract=own_contract, by=staff)
    contract = services.contract_guarantee(contract=contract, by=staff, note="Гарантийное письмо № 5 от 01.12.2026")
    assert contract.guarantee.startswith("Гарантийное письмо")
    with pytest.raises(services.ContractError):
        services.contract_close(contract=contract, by=staff)  # guaranteed is not paid
    services.payment_record(
        contract=contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="9"
    )
    contract = services.contract_close(contract=contract, by=staff)
    moves = list(contract.history.values_list("from_status", "to_status"))
    assert moves == [
        ("", CS.DRAFT),
        (CS.DRAFT, CS.SENT),
        (CS.SENT, CS.GUARANTEED),
        (CS.GUARANTEED, CS.PAID),
        (CS.PAID, CS.CLOSED),
    ]
    assert all((frm, to) in CONTRACT_TRANSITIONS for frm, to in moves[1:])


def test_a_guarantee_needs_its_grounds_and_a_cancel_its_reason(own_contract, staff):
    before = state()
    with pytest.raises(services.ContractError):
        services.contract_guarantee(contract=own_contract, by=staff, note="  ")
    with pytest.raises(services.ContractError):
        services.contract_cancel(contract=own_contract, by=staff, reason="")
    assert state() == before


def test_a_contract_with_money_received_is_not_cancelled(own_contract, staff):
    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=Decimal("1"), document_number="1"
    )
    with pytest.raises(services.ContractError):
        services.contract_cancel(contract=own_contract, by=staff, reason="Отказ")
    own_contract.refresh_from_db()
    assert own_contract.status == CS.DRAFT


def test_a_cancelled_contract_moves_no_further(own_contract, staff):
    services.contract_cancel(contract=own_contract, by=staff, reason="Отказ")
    for move in (services.contract_send, services.contract_close):
        with pytest.raises(services.ContractError):
            move(contract=own_contract, by=staff)
    with pytest.raises(services.ContractError):
        services.papers_request(contract=own_contract, by=staff)


def test_a_private_person_may_pay_for_someone_else_but_has_no_kpp(application, staff):
    fields = {"kind": PayerKind.PERSON, "name": "Сидоров Пётр Ильич", "inn": "500100732259", "address": "СПб"}
    with pytest.raises(services.ContractError) as exc:
        services.payer_create(by=staff, kpp="780101001", **fields)
    assert str(exc.value) == ru("A person has no KPP.")
    payer = services.payer_create(by=staff, **fields)
    assert payer in payers()
    contract = services.contract_create(by=staff, payer=payer, applications=[application], date=timezone.localdate())
    assert contract.payer == payer and contract.amount == PRICE
