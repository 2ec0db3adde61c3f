"""Two people acting on the same row at the same moment, in real threads with their own connections.

On PostgreSQL the row lock and the partial unique index decide; on SQLite,
IMMEDIATE transactions serialise the writers. Either way exactly one wins.
"""

import pytest

from candidates import services
from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role
from standards.models import Qualification
from tests.factories import CandidateProfileFactory, UserFactory
from tests.helpers.candidates import submit
from tests.helpers.threads import run_at_once

pytestmark = pytest.mark.usefixtures("committed_catalogue")


def test_two_staff_deciding_at_once_one_wins_the_other_is_told(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff_a = UserFactory(role=Role.STAFF)
    staff_b = UserFactory(role=Role.STAFF)
    candidate = CandidateProfileFactory().user
    app = submit(
        services.application_create(candidate=candidate, qualification=Qualification.objects.get(code="31.00400.02"))
    )
    seen = app.version

    outcomes = run_at_once(
        lambda: services.application_accept(
            application=Application.objects.get(pk=app.pk), by=staff_a, expected_version=seen
        ),
        lambda: services.application_reject(
            application=Application.objects.get(pk=app.pk), by=staff_b, reason="Нет опыта", expected_version=seen
        ),
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    wins = [o for o in outcomes if isinstance(o, Application)]
    assert len(wins) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], services.StaleApplication)
    app.refresh_from_db()
    assert app.status in (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED)
    assert app.status == wins[0].status
    assert app.history.filter(to_status__in=[ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED]).count() == 1
    assert app.version == seen + 1


def test_a_double_submitted_new_application_form_makes_one_application():
    candidate = CandidateProfileFactory().user
    qualification = Qualification.objects.get(code="31.00400.04")
    outcomes = run_at_once(*[lambda: services.application_create(candidate=candidate, qualification=qualification)] * 3)
    created = [o for o in outcomes if isinstance(o, Application)]
    refused = [o for o in outcomes if isinstance(o, services.ApplicationError)]
    assert len(created) == 1 and len(refused) == 2, outcomes
    assert Application.objects.filter(candidate=candidate, qualification=qualification).count() == 1
