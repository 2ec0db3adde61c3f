"""Fixtures for the council package tests: approved sessions built through the real services,
the center's Council details filled in, and readers for the written ZIP.

``exam(...)`` is the one of ``tests/certificates/conftest.py`` (with experts scoring 5 and 4).

``MEDIA_ROOT`` is a temporary directory for every test here; the media and qualification fixtures
and ``make_exam`` are those of ``tests/helpers/exam_fixtures.py``, with the commission named here.
"""

import datetime

import pytest

from qac.accounts.roles import Role
from qac.council import services
from standards.models import AssessmentCenter
from tests.helpers.certificates import (  # noqa: F401 (re-exported to the test modules)
    ABSENT,
    FAIL_PRACTICAL,
    FAIL_THEORY,
    INCIDENT,
    PASS,
    REMOVED,
    make_candidate,
)
from tests.helpers.council import (
    COUNCIL,
    COUNCIL_ADDRESS,
    LEGAL_ADDRESS,
    exam,
)
from tests.helpers.exam_fixtures import make_exam_fixture, media, qualification  # noqa: F401
from tests.helpers.legal import package_sent


@pytest.fixture(autouse=True)
def center(db):
    """The center row (the data migration's, or a new one under ``--no-migrations``) with the Council's
    and the signer's details filled in."""
    details = {
        "name": "Центр оценки квалификаций «Автопром Северо-Запад»",
        "register_number": "78.033",
        "city": "Санкт-Петербург",
        "council_name": COUNCIL,
        "council_address": COUNCIL_ADDRESS,
        "council_email": "spk@example.org",
        "legal_address": LEGAL_ADDRESS,
        "head_name": "А. А. Руководителев",
        "empowerment_minutes": "№ 30",
        "empowerment_date": datetime.date(2020, 4, 25),
    }
    center = AssessmentCenter.objects.order_by("pk").first()
    if center is None:
        return AssessmentCenter.objects.create(**details)
    AssessmentCenter.objects.filter(pk=center.pk).update(**details)
    center.refresh_from_db()
    return center


@pytest.fixture
def chair(make_user):
    return make_user(Role.EXPERT, last_name="Кузнецов", first_name="Дмитрий", patronymic="Сергеевич")


@pytest.fixture
def commission(chair, make_user):
    return [
        chair,
        make_user(Role.EXPERT, last_name="Орлова", first_name="Мария", patronymic="Игоревна"),
        make_user(Role.EXPERT, last_name="Белов", first_name="Пётр", patronymic="Андреевич"),
    ]


make_exam = make_exam_fixture(exam)


# --- State snapshot and sessions at each step, for the services and pages tests --------------------


# ``approved`` is each test module's own session.
@pytest.fixture
def ready(approved):
    """The approved session's package, built by the worker's service (the real ZIP on disk)."""
    package = services.package_request(session_id=approved.session.pk)
    return services.package_build(package_id=package.pk)


@pytest.fixture
def sent(approved, staff):
    """The approved session with its package recorded as sent (the ZIP stood in)."""
    return package_sent(approved.session, staff)
