"""Fixtures for the exams tests: a qualification with its own small question bank, a commission,
accepted applications made through the candidates services, and sessions in each state.

Everything is built through the real services, so a fixture in a given state got there the
way production data does. ``MEDIA_ROOT`` is a temporary directory for every test here
(uploaded documents, protocols).
"""

from types import SimpleNamespace

import pytest

from qac.accounts.roles import Role
from qac.exams import services
from qac.exams.models import Question
from tests.factories import (
    UserFactory,
)
from tests.helpers.access import user_fixture
from tests.helpers.exams import (
    accepted_application,
    decide,
    fresh,
    make_qualification,
    plan_session,
    start_session,
)

# --- People ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def chair(expert):
    """The ``expert`` persona chairs the commission of every session made by ``make_session``."""
    return expert


member_a = user_fixture(Role.EXPERT)
member_b = user_fixture(Role.EXPERT)
other_expert = user_fixture(Role.EXPERT, "An expert who sits on no commission of the fixtures' sessions.")


@pytest.fixture
def commission(chair, member_a, member_b):
    return [chair, member_a, member_b]


# --- Catalogue ---------------------------------------------------------------------------------------


@pytest.fixture
def qualification(db):
    return make_qualification()


@pytest.fixture
def spec(qualification):
    return qualification.exam_spec


@pytest.fixture
def bank(qualification):
    return list(Question.objects.filter(qualification=qualification).order_by("pk"))


# --- Applications and sessions -----------------------------------------------------------------------


@pytest.fixture
def make_accepted(qualification, staff):
    def make(candidate=None, qualification=qualification):
        candidate = candidate or UserFactory(role=Role.CANDIDATE)
        return accepted_application(candidate=candidate, qualification=qualification, staff=staff)

    return make


@pytest.fixture
def make_session(staff, qualification, chair, member_a, member_b):
    def make(*, days=3, hour=10, hours=4, capacity=5, qualification=qualification, chair=chair, experts=None):
        experts = [member_a, member_b] if experts is None else experts
        when = {"days": days, "hour": hour, "hours": hours, "capacity": capacity}
        return plan_session(by=staff, qualification=qualification, chair=chair, experts=experts, **when)

    return make


@pytest.fixture
def planned_session(make_session):
    return make_session()


@pytest.fixture
def application(candidate, make_accepted):
    """The ``candidate`` persona's accepted application."""
    return make_accepted(candidate)


@pytest.fixture
def other_application(other_candidate, make_accepted):
    return make_accepted(other_candidate)


@pytest.fixture
def enrolment(planned_session, application, staff):
    return fresh(services.enrol(session=planned_session, applications=[application], by=staff)[0])


@pytest.fixture
def other_enrolment(planned_session, other_application, staff, enrolment):
    return fresh(services.enrol(session=planned_session, applications=[other_application], by=staff)[0])


@pytest.fixture
def running(planned_session, enrolment, staff, candidate):
    """An exam in progress: the ``candidate`` persona is present and has started the theory test."""
    session = start_session(planned_session, staff, [enrolment])
    attempt = services.theory_start(enrolment=fresh(enrolment), by=candidate)
    return SimpleNamespace(session=session, enrolment=fresh(enrolment), attempt=attempt)


@pytest.fixture
def running_two(planned_session, enrolment, other_enrolment, staff, candidate, other_candidate):
    """As ``running``, with ``other_candidate`` sitting the same exam and test."""
    session = start_session(planned_session, staff, [enrolment, other_enrolment])
    attempt = services.theory_start(enrolment=fresh(enrolment), by=candidate)
    other_attempt = services.theory_start(enrolment=fresh(other_enrolment), by=other_candidate)
    return SimpleNamespace(
        session=session,
        enrolment=fresh(enrolment),
        other_enrolment=fresh(other_enrolment),
        attempt=attempt,
        other_attempt=other_attempt,
    )


@pytest.fixture
def completed(running_two, commission, staff):
    """A completed exam: ``candidate`` passed both stages, ``other_candidate`` failed the theory."""
    decide(running_two.enrolment, running_two.attempt, commission)
    decide(running_two.other_enrolment, running_two.other_attempt, commission, theory_ok=False)
    services.session_complete(session=running_two.session, by=staff)
    running_two.session.refresh_from_db()
    return running_two


# --- What a refused action must leave alone ----------------------------------------------------------
