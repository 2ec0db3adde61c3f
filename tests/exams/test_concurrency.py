"""Two staff members acting at the same moment, in real threads with their own connections.

On PostgreSQL the row locks (the session row for enrolment, the experts' user rows for
booking a commission) decide; on SQLite, IMMEDIATE transactions serialise the writers.
Either way exactly one wins and the other is told why.
"""

import pytest

from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role
from qac.exams import services
from qac.exams.models import CommissionMember, Enrolment, EnrolmentStatus, ExamSession
from tests.factories import UserFactory
from tests.helpers.exams import accepted_application, make_qualification, plan_session, ru
from tests.helpers.threads import run_at_once

pytestmark = pytest.mark.usefixtures("committed_catalogue")


@pytest.fixture
def people():
    staff_a = UserFactory(role=Role.STAFF)
    staff_b = UserFactory(role=Role.STAFF)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(5)]
    return staff_a, staff_b, experts


def _session(qualification, by, chair, members, *, hour=10, capacity=2):
    return plan_session(by=by, qualification=qualification, chair=chair, experts=members, hour=hour, capacity=capacity)


def test_two_staff_enrolling_different_candidates_into_the_last_place_one_wins(people):
    staff_a, staff_b, experts = people
    qualification = make_qualification()
    session = _session(qualification, staff_a, experts[0], experts[1:3], capacity=2)
    first, second, third = (
        accepted_application(candidate=UserFactory(role=Role.CANDIDATE), qualification=qualification, staff=staff_a)
        for _ in range(3)
    )
    services.enrol(session=session, applications=[first], by=staff_a)

    outcomes = run_at_once(
        lambda: services.enrol(session=ExamSession.objects.get(pk=session.pk), applications=[second], by=staff_a),
        lambda: services.enrol(session=ExamSession.objects.get(pk=session.pk), applications=[third], by=staff_b),
    )
    wins = [o for o in outcomes if isinstance(o, list)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], services.ExamError)
    assert str(errors[0]) == ru("The session has %(free)s free places; %(asked)s were asked for.", free=0, asked=1)
    live = Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)
    assert live.count() == session.capacity == 2
    statuses = dict(Application.objects.filter(pk__in=[second.pk, third.pk]).values_list("pk", "status"))
    assert sorted(statuses.values()) == [ApplicationStatus.ACCEPTED, ApplicationStatus.SCHEDULED]
    winner = wins[0][0].application_id
    assert statuses[winner] == ApplicationStatus.SCHEDULED


def test_two_sessions_booking_one_expert_at_overlapping_times_one_is_refused(people):
    staff_a, staff_b, experts = people
    shared = experts[0]
    qualification = make_qualification()
    other_qualification = make_qualification()

    outcomes = run_at_once(
        lambda: _session(qualification, staff_a, shared, experts[1:3], hour=10),
        lambda: _session(other_qualification, staff_b, experts[3], [experts[4], shared], hour=12),
    )
    created = [o for o in outcomes if isinstance(o, ExamSession)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(created) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], services.ExamError)
    assert str(shared) in str(refused[0])
    assert ExamSession.objects.count() == 1
    assert CommissionMember.objects.filter(expert=shared).count() == 1
    assert CommissionMember.objects.count() == 3
