"""Fixtures for contracts: a qualification with a price, accepted applications, an employer, statements.

Enrolment waits for payment here, as in production (the test settings turn the rule off for the
rest of the suite, whose tests enrol to test other things).
"""

import datetime

import pytest
from django.utils import timezone

from qac.contracts import services
from qac.contracts.models import PayerKind
from standards.models import Fee
from tests.builders import accepted_application, approve_tools
from tests.factories import CandidateProfileFactory, ExamSpecificationFactory, UserFactory
from tests.helpers.contracts import EMPLOYER_INN, EMPLOYER_KPP, PRICE


@pytest.fixture(autouse=True)
def payment_rule(settings, tmp_path):
    settings.QAC_ENROLMENT_REQUIRES_PAYMENT = True
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def qualification(db):
    spec = ExamSpecificationFactory()
    approve_tools(spec)
    Fee.objects.create(
        qualification=spec.qualification, amount=PRICE, valid_from=timezone.localdate() - datetime.timedelta(days=30)
    )
    return spec.qualification


@pytest.fixture
def make_application(qualification, staff):
    def make(user=None):
        user = user or UserFactory(role="candidate")
        if not hasattr(user, "candidate_profile"):
            CandidateProfileFactory(user=user)
        return accepted_application(candidate=user, qualification=qualification, staff=staff)

    return make


@pytest.fixture
def application(make_application, candidate):
    return make_application(candidate)


@pytest.fixture
def employer(staff):
    return services.payer_create(
        by=staff,
        kind=PayerKind.ORGANISATION,
        name="ООО «Автосервис Нева»",
        inn=EMPLOYER_INN,
        kpp=EMPLOYER_KPP,
        address="г. Санкт-Петербург, ул. Заводская, д. 5",
        contact_person="Петрова А. А.",
        email="buh@autoservice.test",
    )


@pytest.fixture
def employer_contract(employer, make_application, staff):
    """One contract of the employer for three employees."""
    apps = [make_application() for _ in range(3)]
    return services.contract_create(
        by=staff, payer=employer, applications=apps, date=timezone.localdate(), inform_payer=True
    )


@pytest.fixture
def own_contract(application, staff):
    """The ``candidate`` persona pays for themself."""
    return services.contract_create(by=staff, applications=[application], date=timezone.localdate())
