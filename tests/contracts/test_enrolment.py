"""Enrolment waits for payment unless staff record a guarantee (QAC_ENROLMENT_REQUIRES_PAYMENT)."""

import pytest
from django.utils import timezone

from qac.accounts.roles import Role
from qac.contracts import services
from qac.exams import offers
from qac.exams import services as exam_services
from qac.exams.models import DateOffer, Enrolment
from tests.helpers.contracts import PRICE
from tests.helpers.exams import plan_session, ru

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(qualification, staff, make_user):
    chair, *experts = [make_user(Role.EXPERT) for _ in range(3)]
    return plan_session(by=staff, qualification=qualification, chair=chair, experts=experts, days=5, capacity=10)


def test_an_application_without_a_contract_is_not_enrolled(session, application, staff):
    with pytest.raises(exam_services.ExamError) as exc:
        exam_services.enrol(session=session, applications=[application], by=staff)
    assert str(exc.value) == ru("Application %(number)s has no contract with a payer yet.", number=application.number)
    assert not Enrolment.objects.exists()


def test_an_unpaid_contract_blocks_enrolment_and_the_payment_opens_it(session, own_contract, application, staff):
    with pytest.raises(exam_services.ExamError) as exc:
        exam_services.enrol(session=session, applications=[application], by=staff)
    assert own_contract.number in str(exc.value)
    assert not Enrolment.objects.exists()
    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="1"
    )
    (enrolment,) = exam_services.enrol(session=session, applications=[application], by=staff)
    assert enrolment.application == application


def test_a_guarantee_lets_the_employees_be_enrolled_before_the_money_arrives(session, employer_contract, staff):
    apps = [line.application for line in employer_contract.lines.all()]
    services.contract_guarantee(contract=employer_contract, by=staff, note="Гарантийное письмо № 12")
    assert len(exam_services.enrol(session=session, applications=apps, by=staff)) == 3


def test_one_unpaid_application_keeps_the_whole_batch_out(session, own_contract, make_application, staff):
    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="1"
    )
    unpaid = make_application()
    services.contract_create(by=staff, applications=[unpaid], date=timezone.localdate())
    with pytest.raises(exam_services.ExamError):
        exam_services.enrol(session=session, applications=[own_contract.lines.get().application, unpaid], by=staff)
    assert not Enrolment.objects.exists()


def test_a_cancelled_contract_does_not_count(session, own_contract, application, staff):
    services.contract_cancel(contract=own_contract, by=staff, reason="Отказ")
    with pytest.raises(exam_services.ExamError):
        exam_services.enrol(session=session, applications=[application], by=staff)


def test_the_rule_is_a_setting(session, application, staff, settings):
    settings.QAC_ENROLMENT_REQUIRES_PAYMENT = False
    assert len(exam_services.enrol(session=session, applications=[application], by=staff)) == 1


def test_a_candidate_confirming_an_offered_date_waits_for_payment_too(session, own_contract, application, staff):
    offer = offers.date_offer_make(application=application, sessions=[session], by=staff)
    with pytest.raises(exam_services.ExamError) as exc:
        offers.date_offer_confirm(offer=offer, session=session, by=application.candidate)
    assert own_contract.number in str(exc.value)
    assert DateOffer.objects.get(pk=offer.pk).status == "offered" and not Enrolment.objects.exists()
    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="1"
    )
    offers.date_offer_confirm(offer=offer, session=session, by=application.candidate)
    assert Enrolment.objects.get().application == application
