"""The home page per role: the head's figures and charts (period filter, CSV), the expert's sessions with the
chair badge and what is left to score, the candidate's stepper with the next action."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from qac import stats
from qac.exams import services as exam_services
from tests.builders import session_in_progress
from tests.factories import ApplicationFactory, CandidateProfileFactory
from tests.helpers.certificates import ABSENT, FAIL_PRACTICAL, FAIL_THEORY, PASS
from tests.helpers.exams import accepted_application, criteria_of

pytestmark = pytest.mark.django_db


def wide_period():
    today = timezone.localdate()
    return {
        "start": (today - datetime.timedelta(days=60)).isoformat(),
        "end": (today + datetime.timedelta(days=60)).isoformat(),
    }


def test_pass_rates_per_qualification_and_stage_leave_out_the_absent(make_exam):
    make_exam([PASS, PASS, FAIL_THEORY, FAIL_PRACTICAL, ABSENT], days=3)  # in the period whatever ran before
    today = timezone.localdate()
    period = stats.Period(today - datetime.timedelta(days=60), today + datetime.timedelta(days=60))
    (row,) = stats.pass_rates(period)
    assert (row["assessed"], row["passed"], row["rate"]) == (4, 2, 50)
    assert (row["theory"], row["theory_passed"]) == (4, 3)
    # The candidate who failed the theory was still scored on the practice here (passing marks).
    assert (row["practical"], row["practical_passed"], row["practical_rate"]) == (4, 3, 75)
    # Outside the period: nothing.
    assert (
        stats.pass_rates(stats.Period(today - datetime.timedelta(days=400), today - datetime.timedelta(days=300))) == []
    )


def test_applications_per_month_and_review_time(make_exam):
    make_exam([PASS, PASS], days=3)  # two applications registered and accepted today
    today = timezone.localdate()
    period = stats.Period(today.replace(day=1) - datetime.timedelta(days=40), today)
    per_month = stats.applications_per_month(period)
    assert per_month[-1] == (today.replace(day=1), 2)
    assert all(n == 0 for _m, n in per_month[:-1]) and len(per_month) >= 2
    review = stats.review_time(period)
    assert review["decided"] == 2 and review["in_time"] == 2
    assert review["average_days"] is not None and review["worst_days"] >= review["average_days"]


def test_the_head_sees_figures_and_charts_staff_do_not(make_exam, client, head, staff):
    make_exam([PASS, FAIL_THEORY], days=3)
    client.force_login(head)
    page = client.get(reverse("home"), wide_period())
    assert page.status_code == 200
    html = page.content.decode()
    for chart in ("chart-per-month", "chart-pass", "chart-deadlines"):
        assert f'data-testid="{chart}"' in html
    assert '<svg class="qac-chart"' in html and "<title" in html and 'role="img"' in html
    assert "50 %" in html  # the value is written on the bar, not left to colour
    assert 'data-testid="deadline-board"' in html
    client.force_login(staff)
    staff_page = client.get(reverse("home")).content.decode()
    assert 'data-testid="deadline-board"' in staff_page and "head-figures" not in staff_page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-01-01"}, "ends before it starts"),
        ({"start": "yesterday"}, "Enter a valid date"),
        ({"start": "1900-01-01", "end": "2026-01-01"}, "ten years"),
    ],
)
def test_a_bad_period_is_a_clear_message_not_an_error(client, head, query, message):
    client.force_login(head)
    with_english = {**query}
    client.cookies["django_language"] = "en"
    page = client.get(reverse("home"), with_english)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert client.get(reverse("figures_csv"), query).status_code == 400


def wide_period_values():
    return [wide_period()["start"], wide_period()["end"]]


def test_the_figures_download_as_csv_for_the_head_only(make_exam, qualification, client, head, staff, candidate):
    make_exam([PASS, FAIL_THEORY], days=3)
    client.force_login(head)
    response = client.get(reverse("figures_csv"), wide_period())
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Assessed, passed, pass rate overall / theory / practice.
    assert [qualification.code, "2", "1", "50", "50", "100"] in rows
    assert rows[0][1:] == wide_period_values()
    for user in (staff, candidate):
        client.force_login(user)
        assert client.get(reverse("figures_csv")).status_code == 403
    client.logout()
    assert client.get(reverse("figures_csv")).status_code == 302


def test_the_expert_sees_the_chair_badge_and_who_is_left_to_score(client, commission, staff, qualification):
    chair, other, _third = commission
    applications = [
        accepted_application(candidate=CandidateProfileFactory().user, qualification=qualification, staff=staff)
        for _ in range(2)
    ]
    _session, enrolments = session_in_progress(
        qualification=qualification, staff=staff, chair=chair, experts=commission[1:], applications=applications
    )
    client.force_login(chair)
    (shown,) = client.get(reverse("home")).context["expert_sessions"]
    assert (shown.is_chair, shown.left_to_score) == (True, 2)
    c1, c2 = criteria_of(qualification)
    exam_services.practical_save_scores(enrolment=enrolments[0], expert=chair, scores={c1.pk: 1, c2.pk: 1})
    # Half a sheet still counts as left to score.
    exam_services.practical_save_scores(enrolment=enrolments[1], expert=chair, scores={c1.pk: 1})
    page = client.get(reverse("home"))
    (shown,) = page.context["expert_sessions"]
    assert shown.left_to_score == 1
    assert 'data-testid="chair-badge"' in page.content.decode()
    # The session page: each candidate's progress; the chair sees each expert's verdict.
    session_page = client.get(reverse("exams:expert_session", args=[_session.pk])).content.decode()
    assert 'data-testid="scoring-progress"' in session_page
    assert other.get_full_name() in session_page  # the chair's column names every expert
    sheet = client.get(reverse("exams:expert_score", args=[enrolments[0].pk])).content.decode()
    assert sheet.count('<th scope="col"') == 4 * qualification.exam_spec.tasks.count()
    client.force_login(other)
    assert (
        other.get_full_name()
        not in client.get(reverse("exams:expert_session", args=[_session.pk]))
        .content.decode()
        .split('data-testid="scoring-progress"')[1]
    )
    page = client.get(reverse("home"))
    (theirs,) = page.context["expert_sessions"]
    assert (theirs.is_chair, theirs.left_to_score) == (False, 2)
    assert 'data-testid="chair-badge"' not in page.content.decode()


def test_the_candidate_stepper_shows_where_they_are_and_what_to_do(client, candidate):
    client.force_login(candidate)
    journey = client.get(reverse("home")).context["journey"]
    assert [s.state for s in journey.steps][:2] == ["current", "todo"]
    assert journey.action_url == reverse("candidates:profile")
    CandidateProfileFactory(user=candidate)
    journey = client.get(reverse("home")).context["journey"]
    assert journey.steps[1].state == "current" and journey.action_url == reverse("standards:catalogue")
    draft = ApplicationFactory(candidate=candidate)
    page = client.get(reverse("home"))
    journey = page.context["journey"]
    assert [s.state for s in journey.steps] == ["done", "current", "todo", "todo", "todo", "todo", "todo"]
    assert journey.action_url == reverse("candidates:application", args=[draft.pk])
    html = page.content.decode()
    assert 'aria-current="step"' in html and 'data-testid="next-action"' in html
