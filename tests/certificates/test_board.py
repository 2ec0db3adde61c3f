"""The staff home's deadline board after the exam: packages (7 days), Council decisions (14),
register numbers, documents to issue (30) and duplicates (15), counted and flagged."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from qac import board
from qac.certificates import services
from qac.council.models import CouncilPackage, PackageStatus
from qac.exams.models import ExamSession
from tests.helpers.certificates import FAIL_THEORY, PASS, issue
from tests.helpers.legal import council_decide, into_the_past, package_sent

pytestmark = pytest.mark.django_db


def test_the_board_counts_each_deadline_and_flags_the_overdue(make_exam, staff, client):
    # A package not sent 10 days after the exam: overdue (7 days).
    late = make_exam([PASS])
    into_the_past(late.session, days_ago=10)
    CouncilPackage.objects.create(session=late.session, status=PackageStatus.READY, due_on=timezone.localdate())
    # A package sent, the decision awaited 16 days after the exam: overdue (14 days).
    waiting = make_exam([PASS])

    package_sent(waiting.session, staff)
    shift = datetime.timedelta(days=14)
    ExamSession.objects.filter(pk=waiting.session.pk).update(
        starts_at=waiting.session.starts_at - shift, ends_at=waiting.session.ends_at - shift
    )
    # Decided: one certificate awaiting its number, one numbered and rendered, ready to hand over.
    decided = make_exam([PASS, FAIL_THEORY])
    with TestCase.captureOnCommitCallbacks(execute=True):
        council_decide(decided.session, staff)
    (numbered,) = issue(decided.results[:1], render=True)
    # An application for a duplicate received 20 days ago: overdue (15 days).
    request = services.duplicate_request_receive(
        original=numbered, by=staff, grounds="loss", received_on=timezone.localdate() - datetime.timedelta(days=20)
    )
    assert request.due_on < timezone.localdate()

    items = {i["key"]: i for i in board.board(today=timezone.localdate())}
    assert (items["council.packages"]["count"], items["council.packages"]["state"]) == (1, "overdue")
    assert (items["council.decisions"]["count"], items["council.decisions"]["state"]) == (1, "overdue")
    assert items["certificates.numbers"]["count"] == 1
    assert items["certificates.deliver"]["count"] == 1 and items["certificates.deliver"]["state"] != "overdue"
    assert (items["certificates.duplicates"]["count"], items["certificates.duplicates"]["state"]) == (1, "overdue")
    assert items["certificates.duplicates"]["due"] == request.due_on

    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    for key in ("council.packages", "council.decisions", "certificates.numbers", "certificates.deliver"):
        assert f'data-testid="board-{key}"' in page
    # Each item's link lists exactly its records.
    delivering = client.get(items["certificates.deliver"]["url"]).content.decode()
    assert reverse("certificates:document", args=[numbered.pk]) in delivering
    listed = client.get(reverse("certificates:list"), {"status": "duplicate_requests"}).content.decode()
    assert reverse("certificates:document", args=[numbered.pk]) in listed
