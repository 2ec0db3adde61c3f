"""The staff home's deadline board after the exam: packages (7 days), Council decisions (14),
register numbers, documents to issue (30) and duplicates (15), counted and flagged."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from qac.certificates import services
from qac.certificates.selectors import documents_board
from qac.council.models import CouncilPackage, PackageStatus
from qac.council.selectors import council_board
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

    council = council_board()
    assert (council["packages"], council["packages_overdue"]) == (1, 1)
    assert (council["decisions"], council["decisions_overdue"]) == (1, 1)
    board = documents_board()
    assert board["numbers"]["total"] == 1
    assert board["issue"]["total"] == 1 and board["issue"]["overdue"] == 0
    assert (board["duplicates"]["total"], board["duplicates"]["overdue"]) == (1, 1)

    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    for row in ("due-packages", "due-decisions", "due-numbers", "due-issue", "due-duplicates"):
        assert f'data-testid="{row}"' in page
    listed = client.get(reverse("certificates:list"), {"status": "duplicate_requests"}).content.decode()
    assert reverse("certificates:document", args=[numbered.pk]) in listed
