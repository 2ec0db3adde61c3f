"""Stale and repeated forms the URL walk (tests/test_every_url.py) found answering 500, now answering a message."""

import pytest
from django.urls import reverse

from candidates import services as candidate_services
from candidates.models import ApplicationStatus
from qac.accounts.roles import Role
from qac.demo.bank import seed_demo_bank
from qac.exams import services as exam_services
from qac.exams.models import Enrolment, EnrolmentStatus
from standards.models import Qualification
from tests.builders import accepted_application, session_in_progress
from tests.factories import CandidateProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(settings, tmp_path, staff):
    """An accepted application enrolled in a session: the application is «scheduled»."""
    settings.MEDIA_ROOT = tmp_path
    candidate = CandidateProfileFactory(user=UserFactory(role=Role.CANDIDATE)).user
    qualification = Qualification.objects.get(code="31.00400.02")
    application = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    _session, (enrolment,) = session_in_progress(
        qualification=qualification, staff=staff, chair=experts[0], experts=experts[1:], applications=[application]
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCHEDULED
    return application, enrolment


def test_a_stale_accept_on_a_scheduled_application_is_refused_with_a_message(scheduled, client, staff):
    """The review's "accept" once moved a scheduled application back to accepted and left its enrolment
    behind; a later "take off the session" then failed with an illegal transition (500)."""
    application, enrolment = scheduled
    client.force_login(staff)
    page = client.get(reverse("candidates:staff_application", args=[application.pk])).content.decode()
    assert 'value="accept"' not in page  # not offered

    response = client.post(
        reverse("candidates:staff_application_action", args=[application.pk]),
        {"action": "accept", "text": "", "version": application.version},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCHEDULED
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED


def test_the_exams_app_still_moves_a_scheduled_application(scheduled, staff):
    application, _enrolment = scheduled
    assert candidate_services.allowed_moves(application, actor=candidate_services.STAFF) == set()
    candidate_services.application_unschedule(application=application, by=staff, note="moved")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED


def test_the_autosave_answers_400_to_a_form_post_instead_of_failing(scheduled, client):
    """A form-encoded post had its body read by the input check first; reading it as JSON then raised."""
    application, enrolment = scheduled
    seed_demo_bank()
    attempt = exam_services.theory_start(enrolment=enrolment, by=application.candidate)
    client.force_login(application.candidate)
    response = client.post(reverse("exams:theory_answer", args=[attempt.pk]), {"question": "1"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
