"""Notification delivery through Celery: in-process on SQLite, through Redis to a real worker on CI's second pass."""

import time

import pytest
from django.core import mail

from candidates import services
from candidates.models import ApplicationStatus, ApplicationTransition
from standards.models import Qualification
from tests.factories import CandidateProfileFactory
from tests.helpers.candidates import attach_mandatory

pytestmark = pytest.mark.usefixtures("committed_catalogue")


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_committed_submission_reaches_the_candidate_by_mail(celery_worker_or_eager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    candidate = CandidateProfileFactory().user
    app = services.application_create(candidate=candidate, qualification=Qualification.objects.get(code="31.00700.01"))
    attach_mandatory(app)
    services.application_submit(application=app, by=candidate, consent=services.Consent(True, True, "192.0.2.1"))

    transition = ApplicationTransition.objects.get(application=app, to_status=ApplicationStatus.SUBMITTED)
    assert wait_for(lambda: ApplicationTransition.objects.get(pk=transition.pk).notified_at is not None)
    assert wait_for(lambda: len(mail.outbox) == 1), mail.outbox
    assert mail.outbox[0].to == [candidate.email]
    app.refresh_from_db()
    assert app.number in mail.outbox[0].subject
