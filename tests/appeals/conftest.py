"""Fixtures for the appeals tests: an exam failed (or passed) by the ``candidate`` persona, approved
through the real services, the Council's decision recorded, and helpers to walk an appeal on.

The session, commission and media fixtures are those of ``tests/certificates/conftest.py``.
"""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from qac.appeals import services
from qac.appeals.models import Grounds, Remedy
from tests.certificates.conftest import (  # noqa: F401 (fixtures re-exported to the test modules)
    FAIL_PRACTICAL,
    PASS,
    _clear_cache,
    chair,
    commission,
    make_exam,
    media,
    qualification,
)
from tests.factories import pdf_upload
from tests.helpers.legal import council_decide


@pytest.fixture
def failed(make_exam, candidate, staff):  # noqa: F811
    """The candidate failed the practical stage; the session is approved and the Council decided (conclusion)."""
    built = make_exam([FAIL_PRACTICAL], holders=[candidate])
    council_decide(built.session, staff)
    result = built.results[0]
    result.refresh_from_db()
    return result


@pytest.fixture
def application(failed):
    application = failed.enrolment.application
    application.refresh_from_db()
    return application


def file_appeal(application, by, **kwargs):
    kwargs.setdefault("grounds", [Grounds.RESULT])
    kwargs.setdefault("statement", "Практическое задание оценено неверно: критерий 2 выполнен.")
    kwargs.setdefault("files", [pdf_upload("protest.pdf")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.appeal_file(application=application, by=by, **kwargs)


def forward(appeal, staff, **kwargs):
    kwargs.setdefault("forwarded_on", timezone.localdate())
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.appeal_forward(appeal=appeal, by=staff, reference="Письмо № 7", **kwargs)


def satisfy(appeal, staff, remedy=Remedy.REEXAM, **kwargs):
    today = timezone.localdate()
    kwargs.setdefault("execute_by", today + datetime.timedelta(days=30))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.appeal_decide(
            appeal=appeal,
            by=staff,
            satisfied=True,
            number="А-3/2026",
            decided_on=today,
            text="Назначить повторный экзамен без оплаты.",
            remedy=remedy,
            **kwargs,
        )
