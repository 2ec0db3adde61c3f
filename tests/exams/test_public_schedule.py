"""The public schedule (/schedule/): upcoming planned or open sessions with free places, and nothing else."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application
from qac.exams.models import Enrolment, EnrolmentStatus, ExamSession, SessionStatus
from standards.models import Qualification
from tests.factories import CandidateProfileFactory

pytestmark = pytest.mark.django_db


def _session(staff, *, days=7, status=SessionStatus.PLANNED, capacity=3, venue="ул. Автомобильная, 1"):
    starts = timezone.now() + datetime.timedelta(days=days)
    return ExamSession.objects.create(
        qualification=Qualification.objects.get(code="31.00400.02"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        venue_address=venue,
        capacity=capacity,
        status=status,
        created_by=staff,
    )


def _enrol(session, staff, status=EnrolmentStatus.ENROLLED):
    candidate = CandidateProfileFactory().user
    application = Application.objects.create(
        candidate=candidate, qualification=session.qualification, status="accepted"
    )
    return Enrolment.objects.create(session=session, application=application, enrolled_by=staff, status=status)


def test_only_upcoming_planned_or_open_sessions_with_free_places_are_listed(client, staff):
    planned = _session(staff, venue="Место планового экзамена")
    opened = _session(staff, status=SessionStatus.OPEN, capacity=2, venue="Место открытого экзамена")
    _enrol(opened, staff)
    _enrol(opened, staff, status=EnrolmentStatus.CANCELLED)  # a cancelled enrolment frees its place
    full = _session(staff, capacity=1, venue="Место заполненного экзамена")
    _enrol(full, staff)
    cancelled = _session(staff, status=SessionStatus.CANCELLED, venue="Место отменённого экзамена")
    past = _session(staff, days=-1, venue="Место прошедшего экзамена")
    running = _session(staff, status=SessionStatus.IN_PROGRESS, venue="Место идущего экзамена")

    response = client.get(reverse("schedule"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="session-{planned.pk}"' in html and "Место планового экзамена" in html
    assert f'data-testid="session-{opened.pk}"' in html
    assert f'<td data-testid="free-{opened.pk}">1 / 2</td>' in html
    assert f'<td data-testid="free-{planned.pk}">3 / 3</td>' in html
    for hidden in (full, cancelled, past, running):
        assert f'data-testid="session-{hidden.pk}"' not in html
        assert hidden.venue_address not in html
    # Soonest first.
    assert [s.pk for s in response.context["sessions"]] == sorted(
        [planned.pk, opened.pk], key=lambda pk: ExamSession.objects.get(pk=pk).starts_at
    )


def test_the_schedule_follows_the_database(client, staff):
    session = _session(staff, capacity=1)
    assert f'data-testid="session-{session.pk}"' in client.get(reverse("schedule")).content.decode()
    _enrol(session, staff)
    assert f'data-testid="session-{session.pk}"' not in client.get(reverse("schedule")).content.decode()
    session.capacity = 2
    session.save()
    assert f'<td data-testid="free-{session.pk}">1 / 2</td>' in client.get(reverse("schedule")).content.decode()


def test_an_empty_schedule_says_so(client):
    ExamSession.objects.all().delete()
    html = client.get(reverse("schedule")).content.decode()
    assert 'class="empty-state"' in html


def test_the_schedule_is_for_anyone_and_shows_no_candidate(persona_client, staff):
    session = _session(staff)
    enrolment = _enrol(session, staff)
    for persona in ("anonymous", "candidate", "expert", "head"):
        client, _user = persona_client(persona)
        html = client.get(reverse("schedule")).content.decode()
        assert f'data-testid="session-{session.pk}"' in html
        assert enrolment.application.candidate.email not in html
        assert enrolment.application.candidate.last_name not in html


def test_schedule_queries_do_not_grow_with_sessions(client, staff, django_assert_max_num_queries):
    for days in range(1, 15):
        _enrol(_session(staff, days=days), staff)
    with django_assert_max_num_queries(3):
        assert client.get(reverse("schedule")).status_code == 200
