"""Documents on the Order 725n forms, built straight with the ORM.

These tests pin how a numbered document looks, not how it came to be numbered,
so the rows (exam session, enrolment, result, document) are made directly rather
than through the issuing services.
"""

import datetime

import pytest

from candidates.models import Application
from qac.certificates.models import IssuedDocument, Kind, NumberSource, Variant
from qac.exams.models import Enrolment, ExamResult, ExamSession
from standards.models import Qualification
from standards.selectors import center_get
from tests.factories import UserFactory
from tests.helpers.forms_725n import (
    LABOUR_FUNCTIONS,
    LEGAL_ADDRESS,
    NUMBER,
    REGISTER_URL,
    local_dt,
)


@pytest.fixture
def center(db):
    center = center_get()
    center.head_name = "П.С. Громов"
    center.signer_name = ""
    center.signer_is_deputy = False
    center.legal_address = LEGAL_ADDRESS
    center.save()
    return center


@pytest.fixture
def qualification(db):
    qualification = Qualification.objects.select_related("standard").get(code="31.00400.02")
    qualification.labour_functions = LABOUR_FUNCTIONS
    qualification.legal_requirement = ""
    qualification.additional_characteristics = "Слесарь по ремонту автомобилей 5-го разряда"
    qualification.save()
    qualification.standard.approval_details = "утвержден приказом Минтруда России от 13.03.2017 № 275н"
    qualification.standard.save()
    return qualification


@pytest.fixture
def make_document(db, qualification):
    """A document row with everything the register gives it; ``fields`` override the defaults."""
    staff = UserFactory()

    def make(*, result=None, exam_days=(datetime.date(2026, 3, 4), datetime.date(2026, 3, 4)), **fields):
        if result is None:
            holder = UserFactory(last_name="Соколова", first_name="Анна")
            application = Application.objects.create(candidate=holder, qualification=qualification, status="passed")
            session = ExamSession.objects.create(
                qualification=qualification,
                starts_at=local_dt(exam_days[0], 10),
                ends_at=local_dt(exam_days[1], 16),
                venue_address="Санкт-Петербург, ул. Автомобильная, 1",
                capacity=5,
                status="results_approved",
                created_by=staff,
            )
            enrolment = Enrolment.objects.create(session=session, application=application, enrolled_by=staff)
            result = ExamResult.objects.create(enrolment=enrolment, decision="passed")
        data = {
            "kind": Kind.CERTIFICATE,
            "variant": Variant.ORIGINAL,
            "number": NUMBER,
            "number_source": NumberSource.REGISTER,
            "register_url": REGISTER_URL,
            "qualification": qualification,
            "holder": result.enrolment.application.candidate,
            "holder_last_name": "Соколова",
            "holder_first_name": "Анна",
            "holder_patronymic": "Сергеевна",
            "exam_date": exam_days[0],
            "issue_date": datetime.date(2026, 3, 5),
            "valid_until": datetime.date(2029, 3, 5),
        }
        data.update(fields)
        return IssuedDocument.objects.create(result=result, **data)

    return make
