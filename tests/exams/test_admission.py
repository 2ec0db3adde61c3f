"""Admission to the exam (Decree 1204 p.10-11, Order 601n): the identity document checked at the venue,
the venue's networks, the Council's approved assessment tools, the practical stage only after a passed
theory stage where the specification says so, extra time, and the staff's live monitor of the theory test."""

import datetime
import html
import json

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from qac.exams import selectors, services
from qac.exams.forms import ExtraTimeForm, PresenceForm
from qac.exams.models import Answer, Decision, Enrolment, ExamResult, SessionEvent, TheoryAttempt
from tests.helpers.exams import (
    ID_CHECK,
    admit,
    answer_all,
    correct_ids,
    criteria_of,
    fresh,
    plan_session,
    ru,
    score,
    slot,
    start_session,
    state,
)

NOT_ADMITTED = "The test opens once the staff at the venue have checked your identity document and marked you present."
OUTSIDE = "The theory test can be taken only from the exam venue's network. Ask the staff in the exam room."
VENUE = "10.20.0.0/16"
INSIDE_IP, OUTSIDE_IP = "10.20.3.4", "203.0.113.9"
PRACTICAL_REFUSED = "%(name)s did not pass the theory stage and is not admitted to the practical stage."
NOT_ADMITTED_NOTE = "Not admitted to the practical stage: the theory stage was not passed."


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def in_progress(planned_session, enrolment, staff):
    """The session is open and then started; the ``candidate`` persona is enrolled but not marked present."""
    services.session_open(session=planned_session, by=staff)
    services.session_start(session=planned_session, by=staff)
    return fresh(enrolment)


# --- The identity document -------------------------------------------------------------------------------


def test_the_test_does_not_open_for_a_candidate_never_marked_present(in_progress, candidate, client):
    before = state()
    with pytest.raises(services.ExamError) as exc:
        services.theory_start(enrolment=in_progress, by=candidate)
    assert str(exc.value) == ru(NOT_ADMITTED)
    assert state() == before

    client.force_login(candidate)
    page = client.get(reverse("exams:my_exam", args=[in_progress.pk])).content.decode()
    assert 'data-testid="start-theory"' not in page
    assert 'data-testid="not-admitted"' in page
    response = client.post(reverse("exams:theory_start", args=[in_progress.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:my_exam", args=[in_progress.pk])
    assert flashed(response) == [("error", ru(NOT_ADMITTED))]
    assert state() == before


def test_present_without_an_identity_check_is_not_admitted(in_progress, candidate, client):
    """Rows marked present before the check was recorded (or by hand) do not open the test."""
    Enrolment.objects.filter(pk=in_progress.pk).update(present=True)
    before = state()
    with pytest.raises(services.ExamError) as exc:
        services.theory_start(enrolment=fresh(in_progress), by=candidate)
    assert str(exc.value) == ru(NOT_ADMITTED)
    client.force_login(candidate)
    response = client.post(reverse("exams:theory_start", args=[in_progress.pk]))
    assert response.status_code == 302
    assert flashed(response) == [("error", ru(NOT_ADMITTED))]
    assert state() == before


@pytest.mark.parametrize(
    "check",
    [
        {},
        {"id_document_type": "passport_ru", "id_document_tail": ""},
        {"id_document_type": "passport_ru", "id_document_tail": "12"},
        {"id_document_type": "passport_ru", "id_document_tail": "12345"},
        {"id_document_type": "passport_ru", "id_document_tail": "12-4"},
        {"id_document_type": "driving_licence", "id_document_tail": "1234"},
        {"id_document_type": "", "id_document_tail": "1234"},
    ],
)
def test_marking_present_needs_the_document_checked(in_progress, staff, check):
    before = state()
    with pytest.raises(services.ExamError):
        services.mark_presence(enrolment=in_progress, by=staff, present=True, **check)
    assert state() == before
    assert not PresenceForm(data=check).is_valid()


def test_marking_present_records_the_document_who_and_when_and_opens_the_test(in_progress, staff, candidate):
    services.mark_presence(
        enrolment=in_progress, by=staff, present=True, id_document_type="passport_ru", id_document_tail=" 45ab "
    )
    admitted = fresh(in_progress)
    assert (admitted.present, admitted.id_document_type, admitted.id_document_tail) == (True, "passport_ru", "45AB")
    assert admitted.id_checked_by == staff
    assert abs(admitted.id_checked_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert "…45AB" in SessionEvent.objects.filter(session=admitted.session).last().note
    attempt = services.theory_start(enrolment=admitted, by=candidate)
    assert attempt.deadline_at - attempt.started_at == datetime.timedelta(minutes=30)


def test_staff_admit_through_the_session_page(in_progress, staff, client):
    client.force_login(staff)
    url = reverse("exams:enrolment_action", args=[in_progress.pk])
    before = state()
    response = client.post(url, {"action": "present", "id_document_type": "passport_ru", "id_document_tail": "1"})
    assert flashed(response)[-1][0] == "error"
    assert state() == before
    page = client.get(reverse("exams:session", args=[in_progress.session_id])).content.decode()
    assert 'name="id_document_tail"' in page
    client.post(url, {"action": "present", "id_document_type": "passport_ru", "id_document_tail": "9876"})
    assert fresh(in_progress).admitted


# --- The venue's networks ----------------------------------------------------------------------------------


def test_the_test_opens_only_from_the_venue_networks(settings, in_progress, staff, candidate, client):
    settings.QAC_THEORY_NETWORKS = [VENUE]
    admit(in_progress, staff)
    client.force_login(candidate)
    url = reverse("exams:theory_start", args=[in_progress.pk])
    before = state()
    response = client.post(url, REMOTE_ADDR=OUTSIDE_IP)
    assert response.status_code == 403
    assert html.escape(ru(OUTSIDE)) in response.content.decode()
    assert state() == before

    response = client.post(url, REMOTE_ADDR=INSIDE_IP)
    attempt = TheoryAttempt.objects.get(enrolment=in_progress)
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:theory", args=[attempt.pk])
    # The page itself is refused from outside as well.
    assert client.get(reverse("exams:theory", args=[attempt.pk]), REMOTE_ADDR=OUTSIDE_IP).status_code == 403
    assert client.get(reverse("exams:theory", args=[attempt.pk]), REMOTE_ADDR=INSIDE_IP).status_code == 200


def test_autosave_and_submit_are_refused_from_outside_the_venue(settings, in_progress, staff, candidate, client):
    settings.QAC_THEORY_NETWORKS = ["192.0.2.0/24", VENUE]
    admit(in_progress, staff)
    attempt = services.theory_start(enrolment=fresh(in_progress), by=candidate)
    client.force_login(candidate)
    qid = attempt.question_ids[0]
    from qac.exams.models import Question

    body = json.dumps({"question": qid, "choices": correct_ids(Question.objects.get(pk=qid))[:1]})
    answer_url = reverse("exams:theory_answer", args=[attempt.pk])
    before = state()
    response = client.post(answer_url, body, content_type="application/json", REMOTE_ADDR=OUTSIDE_IP)
    assert response.status_code == 403
    assert response.json() == {"error": ru(OUTSIDE)}
    response = client.post(reverse("exams:theory_submit", args=[attempt.pk]), REMOTE_ADDR=OUTSIDE_IP)
    assert response.status_code == 403
    assert html.escape(ru(OUTSIDE)) in response.content.decode()
    # A client address that is no address at all is outside too.
    response = client.post(answer_url, body, content_type="application/json", REMOTE_ADDR="")
    assert response.status_code == 403
    assert state() == before

    response = client.post(answer_url, body, content_type="application/json", REMOTE_ADDR=INSIDE_IP)
    assert response.status_code == 200
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_no_networks_set_means_from_anywhere(settings):
    settings.QAC_THEORY_NETWORKS = []
    assert services.theory_network_allowed(address=OUTSIDE_IP)
    settings.QAC_THEORY_NETWORKS = ["2001:db8::/32"]
    assert services.theory_network_allowed(address="2001:db8::5")
    assert not services.theory_network_allowed(address=INSIDE_IP)


# --- Approved assessment tools ------------------------------------------------------------------------------


def _plan(staff, qualification, commission, **kwargs):
    chair, *experts = commission
    kwargs |= {"days": 4, "capacity": 3}
    return plan_session(by=staff, qualification=qualification, chair=chair, experts=experts, **kwargs)


EXAMPLE = (
    "The exam specification of %(code)s is example data shipped with the system: record the Council's "
    "approved assessment tools (decision number and date) before planning a session for real candidates."
)
UNAPPROVED = (
    "The Council's approval of the assessment tools of %(code)s is not recorded: enter the decision "
    "number and date in the exam specification before planning a session."
)
BANK_UNAPPROVED = (
    "The Council's approval of the question bank of %(code)s is not recorded: enter the decision "
    "number and date in the exam specification before planning a session."
)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"is_example": True, "approval_number": "", "approval_date": None}, EXAMPLE),
        # Example data is refused even if someone typed an approval into it.
        ({"is_example": True}, EXAMPLE),
        ({"approval_number": "", "approval_date": None}, UNAPPROVED),
        ({"approval_date": None}, UNAPPROVED),
        ({"bank_approval_number": "  ", "bank_approval_date": None}, BANK_UNAPPROVED),
    ],
)
def test_a_real_session_needs_approved_assessment_tools(staff, qualification, commission, changes, message):
    spec = qualification.exam_spec
    for field, value in changes.items():
        setattr(spec, field, value)
    spec.save()
    before = state()
    with pytest.raises(services.ExamError) as exc:
        _plan(staff, qualification, commission)
    assert str(exc.value) == ru(message, code=qualification.code)
    assert state() == before


def test_only_demo_data_plans_with_an_example_specification(staff, qualification, commission):
    spec = qualification.exam_spec
    spec.is_example, spec.approval_number, spec.approval_date = True, "", None
    spec.save()
    session = _plan(staff, qualification, commission, allow_example=True)
    assert session.pk


def test_the_planning_page_refuses_an_example_specification(staff, qualification, commission, client):
    spec = qualification.exam_spec
    spec.is_example, spec.approval_number, spec.approval_date = True, "", None
    spec.save()
    chair, *experts = commission
    starts, ends = slot(4)
    client.force_login(staff)
    before = state()
    response = client.post(
        reverse("exams:session_new"),
        {
            "qualification": qualification.pk,
            "starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(ends).strftime("%Y-%m-%dT%H:%M"),
            "venue_address": "Санкт-Петербург",
            "capacity": 3,
            "chair": chair.pk,
            "experts": [e.pk for e in experts],
        },
    )
    assert response.status_code == 400
    assert html.escape(ru(EXAMPLE, code=qualification.code)) in response.content.decode()
    assert state() == before


def test_the_specification_refuses_half_an_approval_and_an_approved_example(qualification):
    from django.core.exceptions import ValidationError

    spec = qualification.exam_spec
    spec.approval_date = None
    with pytest.raises(ValidationError) as exc:
        spec.clean()
    assert "approval_date" in exc.value.message_dict
    spec.refresh_from_db()
    spec.is_example = True
    with pytest.raises(ValidationError) as exc:
        spec.clean()
    assert "is_example" in exc.value.message_dict


def test_the_catalogue_says_whether_the_tools_are_approved(client, qualification):
    spec = qualification.exam_spec
    spec.approval_number, spec.approval_date = "№ 57", datetime.date(2026, 2, 3)
    spec.bank_approval_number, spec.bank_approval_date = "№ 58", datetime.date(2026, 2, 4)
    spec.save()
    page = client.get(reverse("standards:catalogue")).content.decode()
    assert 'data-testid="tools-approved"' in page
    assert "№ 57" in page and "03.02.2026" in page and "№ 58" in page and "04.02.2026" in page

    spec.is_example, spec.approval_number, spec.approval_date = True, "", None
    spec.bank_approval_number, spec.bank_approval_date = "", None
    spec.save()
    detail = client.get(reverse("standards:qualification", args=[qualification.code])).content.decode()
    assert 'data-testid="tools-example"' in detail
    assert 'data-testid="tools-approved"' not in detail


# --- The practical stage after a failed theory stage ------------------------------------------------------------


@pytest.fixture
def theory_failed(running, qualification, commission, staff):
    """The specification requires a passed theory stage; the ``candidate`` persona failed it."""
    spec = qualification.exam_spec
    spec.practical_requires_theory = True
    spec.save()
    answer_all(running.attempt, correctly=False)
    services.theory_submit(attempt=running.attempt)
    assert ExamResult.objects.get(enrolment=running.enrolment).theory_passed is False
    return running


def test_experts_cannot_score_a_candidate_who_failed_the_theory(theory_failed, commission, member_a, client):
    enrolment = theory_failed.enrolment
    before = state()
    with pytest.raises(services.ExamError) as exc:
        score(enrolment, member_a, 5, 5)
    assert str(exc.value) == ru(PRACTICAL_REFUSED, name=enrolment.application.candidate.get_full_name())
    assert state() == before

    c1, c2 = criteria_of(enrolment.session.qualification)
    client.force_login(member_a)
    response = client.post(reverse("exams:expert_score", args=[enrolment.pk]), {f"c{c1.pk}": 5, f"c{c2.pk}": 5})
    assert response.status_code == 400
    assert state() == before


def test_a_failed_theory_fails_the_exam_with_the_reason_in_the_protocol(
    theory_failed, commission, chair, staff, qualification
):
    enrolment = theory_failed.enrolment
    # Scores given before the rule applied (e.g. before the theory was submitted) do not count.
    spec = qualification.exam_spec
    spec.practical_requires_theory = False
    spec.save()
    for expert in commission:
        score(enrolment, expert, 5, 5)
    spec.practical_requires_theory = True
    spec.save()
    services.session_complete(session=theory_failed.session, by=staff)
    result = ExamResult.objects.get(enrolment=enrolment)
    assert (result.decision, result.practical_not_admitted) == (Decision.FAILED, True)
    assert (result.practical_percent, result.practical_passed, result.failed_criteria) == (None, None, [])

    services.session_approve(session=theory_failed.session, by=chair)
    with translation.override("ru"):
        html = render_to_string("exams/protocol.html", selectors.protocol_context(theory_failed.session))
    assert ru(NOT_ADMITTED_NOTE) in html


def test_without_the_rule_a_failed_theory_is_still_scored(running, commission, staff):
    answer_all(running.attempt, correctly=False)
    services.theory_submit(attempt=running.attempt)
    for expert in commission:
        score(running.enrolment, expert, 5, 5)
    services.session_complete(session=running.session, by=staff)
    result = ExamResult.objects.get(enrolment=running.enrolment)
    assert (result.decision, result.practical_not_admitted, result.practical_passed) == (Decision.FAILED, False, True)


# --- Extra time ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [0, 500, -10, 101, True])
def test_extra_time_out_of_range_is_refused(planned_session, enrolment, staff, percent):
    before = state()
    with pytest.raises(services.ExamError) as exc:
        services.enrolment_grant_extra_time(enrolment=enrolment, by=staff, percent=percent, reason="Инвалидность")
    assert str(exc.value) == ru("Extra time is a percentage of the time limit from 1 to 100.")
    assert state() == before
    assert not ExtraTimeForm(data={"percent": percent, "reason": "Инвалидность"}).is_valid()


@pytest.mark.parametrize("percent", ["0", "500"])
def test_the_session_page_refuses_extra_time_of_0_or_500(planned_session, enrolment, staff, client, percent):
    client.force_login(staff)
    before = state()
    response = client.post(
        reverse("exams:enrolment_action", args=[enrolment.pk]),
        {"action": "extra_time", "percent": percent, "reason": "Инвалидность"},
    )
    assert response.status_code == 302
    assert flashed(response)[-1][0] == "error"
    assert state() == before


def test_extra_time_needs_staff_and_a_reason(planned_session, enrolment, staff, chair, candidate):
    before = state()
    for by, reason in ((staff, " "), (chair, "Инвалидность"), (candidate, "Инвалидность")):
        with pytest.raises(services.ExamError):
            services.enrolment_grant_extra_time(enrolment=enrolment, by=by, percent=50, reason=reason)
    assert state() == before


def test_extra_time_lengthens_the_deadline_and_the_sweeper_honours_it(
    planned_session, enrolment, staff, candidate, client
):
    services.enrolment_grant_extra_time(enrolment=enrolment, by=staff, percent=50, reason="Нарушение зрения")
    granted = fresh(enrolment)
    assert (granted.extra_time_percent, granted.extra_time_reason, granted.extra_time_by) == (
        50,
        "Нарушение зрения",
        staff,
    )
    assert granted.extra_time_at is not None
    start_session(planned_session, staff, [enrolment])
    attempt = services.theory_start(enrolment=fresh(enrolment), by=candidate)
    assert attempt.deadline_at - attempt.started_at == datetime.timedelta(minutes=45)  # 30 min + 50 %

    # The page's timer counts down from the server's deadline.
    client.force_login(candidate)
    page = client.get(reverse("exams:theory", args=[attempt.pk])).content.decode()
    ms_left = int(page.split('data-ms-left="')[1].split('"')[0])
    assert 44 * 60 * 1000 < ms_left <= 45 * 60 * 1000

    # The beat job leaves it alone after the plain 30 minutes and submits it after 45.
    assert services.finalize_expired_attempts(now=attempt.started_at + datetime.timedelta(minutes=31)) == 0
    assert TheoryAttempt.objects.get(pk=attempt.pk).submitted_at is None
    TheoryAttempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - datetime.timedelta(minutes=46),
        deadline_at=attempt.deadline_at - datetime.timedelta(minutes=46),
    )
    from qac.exams.tasks import finalize_expired_attempts_task

    assert finalize_expired_attempts_task.delay().get() == 1
    done = TheoryAttempt.objects.get(pk=attempt.pk)
    assert done.auto_submitted and done.submitted_at == done.deadline_at


def test_extra_time_granted_during_the_test_moves_its_deadline(running, staff, chair):
    attempt = running.attempt
    services.enrolment_grant_extra_time(enrolment=running.enrolment, by=staff, percent=20, reason="Справка")
    moved = TheoryAttempt.objects.get(pk=attempt.pk)
    assert moved.deadline_at - moved.started_at == datetime.timedelta(minutes=36)

    services.theory_submit(attempt=moved)
    before = state()
    with pytest.raises(services.ExamError):
        services.enrolment_grant_extra_time(enrolment=running.enrolment, by=staff, percent=40, reason="Справка")
    assert state() == before


def test_the_protocol_shows_the_extra_time_not_its_reason(completed, staff, chair):
    services.session_approve(session=completed.session, by=chair)
    Enrolment.objects.filter(pk=completed.enrolment.pk).update(extra_time_percent=25, extra_time_reason="Диагноз")
    with translation.override("ru"):
        html = render_to_string("exams/protocol.html", selectors.protocol_context(completed.session))
    assert "+25%" in html
    assert "Диагноз" not in html


# --- The live monitor ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("candidate", 403),
        ("other_candidate", 403),
        ("expert", 403),
        ("staff", 200),
        ("head", 200),
    ],
)
@pytest.mark.parametrize("name", ["exams:session_monitor", "exams:session_monitor_data"])
def test_the_monitor_is_for_staff_only(persona_client, running, persona, expected, name):
    client, _user = persona_client(persona)
    before = state()
    response = client.get(reverse(name, args=[running.session.pk]))
    assert response.status_code == expected
    if expected == 200 and name.endswith("_data"):
        assert response["Content-Type"] == "application/json"
    assert state() == before


def test_the_monitor_json_says_who_is_in_the_test_with_time_left(running_two, staff, client):
    from qac.exams.models import Question

    attempt = running_two.attempt
    for qid in attempt.question_ids[:2]:
        from tests.helpers.exams import save_answer

        save_answer(attempt, qid, correct_ids(Question.objects.get(pk=qid)))
    services.theory_submit(attempt=running_two.other_attempt)
    client.force_login(staff)
    data = client.get(reverse("exams:session_monitor_data", args=[running_two.session.pk])).json()
    assert data["status"] == "in_progress"
    rows = {r["enrolment"]: r for r in data["rows"]}
    mine = rows[running_two.enrolment.pk]
    assert mine["state"] == "in_test"
    assert (mine["answered"], mine["total"]) == (2, len(attempt.question_ids))
    assert 29 * 60 < mine["seconds_left"] <= 30 * 60
    assert mine["admitted"] is True and mine["extra_time_percent"] == 0
    assert mine["name"] == running_two.enrolment.application.candidate.get_full_name()
    deadline = datetime.datetime.fromisoformat(mine["deadline_at"])
    assert abs(deadline - attempt.deadline_at) < datetime.timedelta(milliseconds=1)
    other = rows[running_two.other_enrolment.pk]
    assert (other["state"], other["seconds_left"]) == ("submitted", 0)
    assert other["submitted_at"] is not None

    page = client.get(reverse("exams:session_monitor", args=[running_two.session.pk])).content.decode()
    assert "js/monitor.js" in page
    assert "<script>" not in page  # no inline script: the page works under a strict CSP


# What the monitor's JSON costs: the log-in session (read from Redis instead when sessions are cached_db),
# the user and their roles, the exam session, and one query for every candidate's row (enrolment,
# candidate, attempt and its count of answers together).
MONITOR_QUERIES = 4 if settings.SESSION_ENGINE.endswith("cached_db") else 5


def test_the_monitor_json_costs_the_same_queries_for_any_number_of_candidates(
    planned_session, make_accepted, staff, client, django_assert_num_queries
):
    url = reverse("exams:session_monitor_data", args=[planned_session.pk])
    client.force_login(staff)
    enrolments = services.enrol(session=planned_session, applications=[make_accepted() for _ in range(4)], by=staff)
    first, *others = enrolments
    start_session(planned_session, staff, [first])
    services.theory_start(enrolment=fresh(first), by=first.application.candidate)
    client.get(url)  # warm caches
    with django_assert_num_queries(MONITOR_QUERIES):
        rows = client.get(url).json()["rows"]
    assert [r["state"] for r in rows].count("in_test") == 1

    # Three more candidates admitted and in the test: the cost does not grow.
    for e in others:
        services.mark_presence(enrolment=fresh(e), by=staff, present=True, **ID_CHECK)
        services.theory_start(enrolment=fresh(e), by=e.application.candidate)
    with django_assert_num_queries(MONITOR_QUERIES):
        rows = client.get(url).json()["rows"]
    assert [r["state"] for r in rows] == ["in_test"] * 4
