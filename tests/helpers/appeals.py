"""Walking an appeal on through the real services, for the appeals tests and the browser journey."""

import datetime

from django.test import TestCase
from django.utils import timezone

from qac.appeals import services
from qac.appeals.models import Grounds, Remedy
from tests.factories import pdf_upload


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
