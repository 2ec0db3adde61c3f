"""The candidate's exam page shows the theory test's buttons ``allowed_theory_actions`` allows (issue 15, item 4).

Starting is shown by the very check ``theory_start`` refuses by (``theory_start_refusal``), so the two
cannot drift. A candidate never marked present is pinned in
``test_admission.py::test_the_test_does_not_open_for_a_candidate_never_marked_present``; an expired
test's button in ``test_views.py::test_an_expired_test_is_submitted_by_the_button_or_by_the_beat_job``.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qac.exams import services
from qac.exams.models import TheoryAttempt
from tests.helpers.exams import admit, fresh, ru, state

MARKS = {
    "start": 'data-testid="start-theory"',
    # The link to the test's own page (its submit form's action ends in /submit/).
    "continue": re.compile(r'href="[^"]*/me/theory/\d+/"'),
    "submit_expired": 'data-testid="submit-expired"',
}


def _page(client, candidate, enrolment):
    client.force_login(candidate)
    return client.get(reverse("exams:my_exam", args=[enrolment.pk]))


def _shown(page: str) -> set[str]:
    return {a for a, mark in MARKS.items() if (mark.search(page) if isinstance(mark, re.Pattern) else mark in page)}


@pytest.fixture
def running(planned_session, enrolment, staff):
    services.session_open(session=planned_session, by=staff)
    services.session_start(session=planned_session, by=staff)
    return fresh(enrolment)


def _situation(name, *, enrolment, staff):
    """Bring ``enrolment`` (its session running, the candidate not yet marked) into the situation ``name``."""
    if name == "absent":
        services.mark_presence(enrolment=enrolment, by=staff, present=False)
    elif name in ("admitted", "on_paper"):
        admit(enrolment, staff)
    if name == "on_paper":
        services.theory_record_paper(enrolment=fresh(enrolment), by=staff, percent=80, reason="Сбой сети")
    return fresh(enrolment)


@pytest.mark.parametrize("name", ["not_marked", "absent", "admitted", "on_paper"])
def test_the_start_button_shows_exactly_when_theory_start_would_start(running, staff, candidate, client, name):
    enrolment = _situation(name, enrolment=running, staff=staff)
    allowed = name == "admitted"
    assert services.allowed_theory_actions(enrolment, None, now=timezone.now()) == ({"start"} if allowed else set())
    assert (services.theory_start_refusal(enrolment) is None) is allowed
    response = _page(client, candidate, enrolment)
    assert response.context["actions"] == ({"start"} if allowed else set())
    assert _shown(response.content.decode()) == ({"start"} if allowed else set())
    if allowed:
        return
    before = state()
    with pytest.raises(services.ExamError) as exc:
        services.theory_start(enrolment=enrolment, by=candidate)
    assert str(exc.value) == services.theory_start_refusal(enrolment)
    assert state() == before


def test_a_theory_stage_recorded_on_paper_says_so_instead_of_offering_the_test(running, staff, candidate, client):
    """Before, the page offered "Start" and the service refused it; now the page gives the service's reason."""
    enrolment = _situation("on_paper", enrolment=running, staff=staff)
    page = _page(client, candidate, enrolment).content.decode()
    assert 'data-testid="theory-on-paper"' in page and ru("Your theory stage is recorded on paper.") in page
    assert 'data-testid="not-admitted"' not in page


def test_nothing_starts_before_the_session_does(planned_session, enrolment, staff, candidate, client):
    """Admitted at the door while the session is open, not yet started."""
    services.session_open(session=planned_session, by=staff)
    admit(enrolment, staff)
    enrolment = fresh(enrolment)
    assert services.allowed_theory_actions(enrolment, None, now=timezone.now()) == set()
    assert _shown(_page(client, candidate, enrolment).content.decode()) == set()
    with pytest.raises(services.ExamError):
        services.theory_start(enrolment=enrolment, by=candidate)
    assert not TheoryAttempt.objects.filter(enrolment=enrolment).exists()


@pytest.mark.parametrize(
    ("when", "expected"), [("running", {"continue"}), ("time_over", {"submit_expired"}), ("submitted", set())]
)
def test_a_started_test_is_continued_or_submitted_by_its_clock(running, staff, candidate, client, when, expected):
    admit(running, staff)
    attempt = services.theory_start(enrolment=fresh(running), by=candidate)
    if when == "time_over":
        TheoryAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - datetime.timedelta(seconds=1))
    if when == "submitted":
        services.theory_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert services.allowed_theory_actions(fresh(running), attempt, now=timezone.now()) == expected
    response = _page(client, candidate, running)
    assert response.context["actions"] == expected
    assert _shown(response.content.decode()) == expected
