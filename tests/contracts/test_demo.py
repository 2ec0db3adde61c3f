"""The demo under the payment rule, as ``make run`` loads it: its enrolments pass, and it shows the contracts."""

import pytest
from django.core.management import call_command

from qac.contracts.models import Contract, ContractPaper, ContractStatus, Payment
from qac.exams.models import Enrolment

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_paid_and_an_unpaid_employer_contract_and_enrols_only_paid_applications(settings):
    assert settings.QAC_ENROLMENT_REQUIRES_PAYMENT is True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    paid = Contract.objects.get(payer__name="АО «СеверТрансАвто»")
    unpaid = Contract.objects.get(payer__name="ООО «Автосервис Нева»")
    assert paid.status == ContractStatus.PAID and paid.lines.count() == 2 and paid.inform_payer
    assert paid.payments.get().statement is not None  # paid through the 1C statement
    assert unpaid.status == ContractStatus.SENT and unpaid.lines.count() == 2 and not unpaid.payments.exists()
    assert ContractPaper.objects.filter(contract__in=[paid, unpaid], status="rendered").count() == 4
    enrolled = Enrolment.objects.select_related("application")
    assert enrolled.count() >= 8
    for enrolment in enrolled:
        (line,) = enrolment.application.contract_lines.all()
        assert line.contract.status == ContractStatus.PAID
    before = (Contract.objects.count(), Payment.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Contract.objects.count(), Payment.objects.count()) == before
