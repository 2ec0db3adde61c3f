"""The exams app through its pages: who may open what, and what each request changes.

Every URL of ``qac/exams/urls.py`` is walked by every persona: anonymous, the
candidate, another candidate, the expert who chairs the session's commission
(the ``expert`` persona), an expert on no commission of the session, staff and
the head. A refused request is checked to change nothing (``state()``).
"""

import datetime
import json

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.models import ApplicationStatus
from qac.accounts.roles import Role
from qac.exams import selectors, services
from qac.exams import tasks as exam_tasks
from qac.exams.models import (
    Answer,
    Decision,
    EnrolmentStatus,
    ExamResult,
    ExamSession,
    PracticalScore,
    Question,
    ResultCorrection,
    SessionStatus,
    TheoryAttempt,
)
from tests.factories import UserFactory
from tests.helpers.exams import (
    accepted_application,
    correct_ids,
    criteria_of,
    fresh,
    invitations,
    make_qualification,
    ru,
    slot,
    start_session,
    state,
)

pytestmark = pytest.mark.django_db

SS = SessionStatus
A = ApplicationStatus
PERSONAS = ["anonymous", "candidate", "other_candidate", "expert", "other_expert", "staff", "head"]


# --- Helpers --------------------------------------------------------------------------------------


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def post_json(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world(running_two):
    """A session in progress: both candidates sit the test; ``other_candidate`` has submitted it."""
    services.theory_submit(attempt=running_two.other_attempt)
    running_two.result = ExamResult.objects.get(enrolment=running_two.other_enrolment)
    return running_two


# --- 1. The permission walk -------------------------------------------------------------------------

# What each persona gets; None: sent to log in. The owner of the candidate pages is ``candidate``.
STAFF = {
    "anonymous": None,
    "candidate": 403,
    "other_candidate": 403,
    "expert": 403,
    "other_expert": 403,
    "staff": 200,
    "head": 200,
}
EXPERT = {
    "anonymous": None,
    "candidate": 403,
    "other_candidate": 403,
    "expert": 200,
    "other_expert": 404,
    "staff": 403,
    "head": 403,
}
OWNER = {
    "anonymous": None,
    "candidate": 200,
    "other_candidate": 404,
    "expert": 403,
    "other_expert": 403,
    "staff": 403,
    "head": 403,
}


def _with(table, **changes):
    return {**table, **changes}


# name -> (method, args from the world, data from the world, expected codes by persona).
# Requests of the allowed persona are harmless (an unknown action, an invalid form, an action
# the session's state refuses), so every row of the walk changes nothing, except the candidate's
# own autosave and submit, whose effect is checked instead.
ENDPOINTS = {
    "sessions": ("get", lambda w: [], None, STAFF),
    "session_new": ("get", lambda w: [], None, STAFF),
    "session": ("get", lambda w: [w.session.pk], None, STAFF),
    "session_action": (
        "post",
        lambda w: [w.session.pk],
        lambda w: {"action": "bogus"},
        _with(STAFF, staff=302, head=302),
    ),
    "session_reschedule": ("post", lambda w: [w.session.pk], lambda w: {}, _with(STAFF, staff=400, head=400)),
    "session_enrol": ("post", lambda w: [w.session.pk], lambda w: {}, _with(STAFF, staff=400, head=400)),
    "session_monitor": ("get", lambda w: [w.session.pk], None, STAFF),
    "session_monitor_data": ("get", lambda w: [w.session.pk], None, STAFF),
    "enrolment_action": (
        "post",
        lambda w: [w.enrolment.pk],
        lambda w: {"action": "bogus"},
        _with(STAFF, staff=302, head=302),
    ),
    "expert_sessions": ("get", lambda w: [], None, _with(EXPERT, other_expert=200)),
    "expert_session": ("get", lambda w: [w.session.pk], None, EXPERT),
    "expert_score": ("get", lambda w: [w.enrolment.pk], None, EXPERT),
    # The session is still in progress: the chair's approval is refused with a message.
    "expert_approve": ("post", lambda w: [w.session.pk], lambda w: {}, _with(EXPERT, expert=302)),
    # Not approved yet: the chair's correction is refused with a message.
    "expert_correct": (
        "post",
        lambda w: [w.result.pk],
        lambda w: {"decision": Decision.PASSED, "reason": "Ошибка"},
        _with(EXPERT, expert=302),
    ),
    "my_exam": ("get", lambda w: [w.enrolment.pk], None, OWNER),
    # The attempt exists: starting again resumes it.
    "theory_start": ("post", lambda w: [w.enrolment.pk], lambda w: {}, _with(OWNER, candidate=302)),
    "theory": ("get", lambda w: [w.attempt.pk], None, OWNER),
    "theory_answer": (
        "json",
        lambda w: [w.attempt.pk],
        lambda w: {
            "question": w.attempt.question_ids[0],
            "choices": correct_ids(Question.objects.get(pk=w.attempt.question_ids[0]))[:1],
        },
        # The autosave answers JSON: no log-in redirect, a 403 for anyone not a candidate.
        _with(OWNER, anonymous=403),
    ),
    "theory_submit": ("post", lambda w: [w.attempt.pk], lambda w: {}, _with(OWNER, candidate=302)),
}


def test_the_walk_covers_every_url_of_the_exams_app():
    from qac.exams.urls import urlpatterns
    from tests.exams.test_date_offers import DATE_OFFER_ENDPOINTS

    # The offer pages have a walk of their own, over a world with an offer in it.
    assert {p.name for p in urlpatterns} == set(ENDPOINTS) | {"protocol"} | set(DATE_OFFER_ENDPOINTS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_every_exam_page_answers_only_its_people(persona_client, world, persona, name):
    method, args, data, expected = ENDPOINTS[name]
    client, _user = persona_client(persona)
    url = reverse(f"exams:{name}", args=args(world))
    before = state()
    if method == "get":
        response = client.get(url)
    elif method == "json":
        response = post_json(client, url, data(world))
    else:
        response = client.post(url, data(world))

    code = expected[persona]
    if code is None:
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == code, response.content[:300]
    if method == "json" and code != 404:
        assert response["Content-Type"] == "application/json"

    if persona == "candidate" and name == "theory_answer":
        assert Answer.objects.filter(attempt=world.attempt, question_id=world.attempt.question_ids[0]).exists()
        return
    if persona == "candidate" and name == "theory_submit":
        assert TheoryAttempt.objects.get(pk=world.attempt.pk).submitted_at is not None
        assert response["Location"] == reverse("exams:my_exam", args=[world.enrolment.pk])
        return
    assert state() == before


def test_the_expert_list_shows_only_the_experts_own_sessions(world, client, other_expert, expert):
    url = reverse("exams:expert_sessions")
    session_url = reverse("exams:expert_session", args=[world.session.pk])
    assert session_url in client_for(expert).get(url).content.decode()
    assert session_url not in client_for(other_expert).get(url).content.decode()


@pytest.fixture
def with_protocol(completed, chair, django_capture_on_commit_callbacks):
    """An approved session whose protocol has been rendered (eager Celery, at the commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.session_approve(session=completed.session, by=chair)
    completed.session.refresh_from_db()
    assert completed.session.protocol
    return completed


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("anonymous", 404),
        ("candidate", 404),
        ("other_candidate", 404),
        ("expert", 200),
        ("member_a", 200),
        ("other_expert", 404),
        ("staff", 200),
        ("head", 200),
    ],
)
def test_the_protocol_is_downloaded_by_staff_and_the_commission_only(persona_client, with_protocol, persona, code):
    client, _user = persona_client(persona)
    before = state()
    response = client.get(reverse("exams:protocol", args=[with_protocol.session.pk]))
    assert response.status_code == code
    if code == 200:
        body = b"".join(response.streaming_content)
        assert body.startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert f"protocol-{with_protocol.session.pk}.pdf" in response["Content-Disposition"]
    assert state() == before


@pytest.mark.parametrize("persona", ["staff", "expert"])
def test_no_protocol_yet_is_a_404(persona_client, world, persona):
    client, _user = persona_client(persona)
    assert client.get(reverse("exams:protocol", args=[world.session.pk])).status_code == 404


# --- 2. Staff pages and what they change ---------------------------------------------------------------


def _session_form(qualification, chair, experts, *, days=4, hour=10, hours=4):
    starts, ends = slot(days, hour, hours)
    return {
        "qualification": qualification.pk,
        "starts_at": local(starts),
        "ends_at": local(ends),
        "venue_address": "Санкт-Петербург, Заводская, 3",
        "venue_room": "12",
        "capacity": 6,
        "chair": chair.pk,
        "experts": [e.pk for e in experts],
    }


def test_staff_plan_a_session_through_the_form(client, staff, qualification, chair, member_a, member_b):
    client.force_login(staff)
    response = client.post(reverse("exams:session_new"), _session_form(qualification, chair, [member_a, member_b]))
    session = ExamSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:session", args=[session.pk])
    assert (session.capacity, session.venue_room, session.created_by) == (6, "12", staff)
    assert session.commission.count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert member_a.get_full_name() in page.content.decode()


@pytest.mark.parametrize("problem", ["two_experts", "not_an_expert", "in_the_past", "ends_first"])
def test_a_refused_session_form_answers_400_and_plans_nothing(
    client, staff, qualification, chair, member_a, member_b, candidate, problem
):
    form = _session_form(qualification, chair, [member_a, member_b])
    if problem == "two_experts":
        form["experts"] = [member_a.pk]
    elif problem == "not_an_expert":
        form["experts"] = [member_a.pk, candidate.pk]
    elif problem == "in_the_past":
        form.update(_session_form(qualification, chair, [member_a], days=-2))
        form["experts"] = [member_a.pk, member_b.pk]
    else:
        form["ends_at"] = form["starts_at"]
    client.force_login(staff)
    before = state()
    response = client.post(reverse("exams:session_new"), form)
    assert response.status_code == 400
    assert state() == before
    if problem == "two_experts":
        assert (
            ru("An expert commission needs at least %(n)s experts, one of them the chair.", n=3)
            in response.context["form"].non_field_errors()
        )


def test_staff_open_start_and_complete_a_session_from_its_page(client, staff, planned_session, enrolment):
    client.force_login(staff)
    url = reverse("exams:session_action", args=[planned_session.pk])
    for action, status in [("open", SS.OPEN), ("start", SS.IN_PROGRESS), ("complete", SS.COMPLETED)]:
        response = client.post(url, {"action": action})
        assert response.status_code == 302
        assert response["Location"] == reverse("exams:session", args=[planned_session.pk])
        planned_session.refresh_from_db()
        assert planned_session.status == status
    # Completing computed the (still undecided) result.
    assert ExamResult.objects.filter(enrolment=enrolment).exists()


def test_an_illegal_action_is_refused_with_a_message_and_changes_nothing(client, staff, planned_session):
    client.force_login(staff)
    before = state()
    response = client.post(reverse("exams:session_action", args=[planned_session.pk]), {"action": "complete"})
    assert response.status_code == 302
    [(level, text)] = flashed(response)
    assert level == "error"
    assert "«" in text
    assert state() == before


def test_cancelling_from_the_page_needs_a_reason_then_tells_the_candidates(
    client, staff, planned_session, enrolment, candidate, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("exams:session_action", args=[planned_session.pk])
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "cancel", "reason": ""})
    assert response.status_code == 302
    assert flashed(response)[-1][0] == "error"
    assert state() == before

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "cancel", "reason": "Эксперт заболел"})
    planned_session.refresh_from_db()
    assert planned_session.status == SS.CANCELLED
    assert fresh(enrolment).application.status == A.ACCEPTED
    [message] = invitations(candidate.email)
    assert "Эксперт заболел" in message.body


def test_staff_move_a_session_from_its_page(
    client, staff, planned_session, enrolment, candidate, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    starts, ends = slot(days=7, hour=9)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exams:session_reschedule", args=[planned_session.pk]),
            {
                "starts_at": local(starts),
                "ends_at": local(ends),
                "venue_address": "Другой адрес",
                "venue_room": "",
                "reason": "Ремонт",
            },
        )
    assert response.status_code == 302
    planned_session.refresh_from_db()
    assert (planned_session.starts_at, planned_session.venue_address) == (starts, "Другой адрес")
    assert len(invitations(candidate.email)) == 1


def test_staff_enrol_from_the_page_and_the_invitation_goes_out(
    client, staff, planned_session, application, candidate, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(reverse("exams:session", args=[planned_session.pk])).content.decode()
    assert f'value="{application.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exams:session_enrol", args=[planned_session.pk]), {"applications": [application.pk]}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == A.SCHEDULED
    assert len(invitations(candidate.email)) == 1


def test_an_application_the_page_does_not_offer_is_refused_by_the_form(client, staff, planned_session):
    foreign = accepted_application(
        candidate=UserFactory(role=Role.CANDIDATE), qualification=make_qualification(), staff=staff
    )
    client.force_login(staff)
    before = state()
    response = client.post(reverse("exams:session_enrol", args=[planned_session.pk]), {"applications": [foreign.pk]})
    assert response.status_code == 400
    assert state() == before


def test_enrolling_past_the_capacity_from_the_page_changes_nothing(client, staff, make_session, make_accepted):
    session = make_session(capacity=1)
    apps = [make_accepted(), make_accepted()]
    client.force_login(staff)
    before = state()
    response = client.post(reverse("exams:session_enrol", args=[session.pk]), {"applications": [a.pk for a in apps]})
    assert response.status_code == 302
    assert flashed(response)[-1][0] == "error"
    assert state() == before


def test_staff_mark_presence_take_off_and_record_paper_and_removal(
    client, staff, planned_session, enrolment, other_enrolment
):
    client.force_login(staff)
    url = reverse("exams:enrolment_action", args=[enrolment.pk])
    other_url = reverse("exams:enrolment_action", args=[other_enrolment.pk])
    services.session_open(session=planned_session, by=staff)

    before = state()
    response = client.post(other_url, {"action": "unenrol", "reason": ""})
    assert flashed(response)[-1][0] == "error"
    assert state() == before
    client.post(other_url, {"action": "unenrol", "reason": "Просьба кандидата"})
    assert fresh(other_enrolment).status == EnrolmentStatus.CANCELLED

    before = state()
    response = client.post(url, {"action": "present"})  # no identity document recorded
    assert flashed(response)[-1][0] == "error"
    assert state() == before
    client.post(url, {"action": "present", "id_document_type": "passport_ru", "id_document_tail": "4567"})
    admitted = fresh(enrolment)
    assert (admitted.present, admitted.id_document_type, admitted.id_document_tail) == (True, "passport_ru", "4567")
    assert admitted.id_checked_by == staff and admitted.id_checked_at is not None
    services.session_start(session=planned_session, by=staff)

    before = state()
    response = client.post(url, {"action": "paper", "percent": "", "reason": "Сбой"})
    assert flashed(response)[-1][0] == "error"
    response = client.post(url, {"action": "special", "decision": "removed", "note": ""})
    assert flashed(response)[-1][0] == "error"
    assert state() == before

    client.post(url, {"action": "paper", "percent": 82, "reason": "Сбой сети"})
    result = ExamResult.objects.get(enrolment=enrolment)
    assert (result.theory_on_paper, result.theory_percent) == (True, 82)
    client.post(url, {"action": "special", "decision": "removed", "note": "Шпаргалка"})
    result.refresh_from_db()
    assert (result.decision, result.incident_note) == (Decision.REMOVED, "Шпаргалка")


def test_the_session_list_filters_by_status(client, staff, make_session):
    planned = make_session(days=3)
    opened = make_session(days=5)
    services.session_open(session=opened, by=staff)
    client.force_login(staff)
    html = client.get(reverse("exams:sessions"), {"status": SS.OPEN}).content.decode()
    assert reverse("exams:session", args=[opened.pk]) in html
    assert reverse("exams:session", args=[planned.pk]) not in html
    # An unknown status shows everything rather than failing.
    html = client.get(reverse("exams:sessions"), {"status": "nonsense"}).content.decode()
    assert reverse("exams:session", args=[planned.pk]) in html


# --- 3. Expert pages ------------------------------------------------------------------------------------


def test_an_expert_saves_scores_through_the_sheet(client, running, member_a):
    c1, c2 = criteria_of(running.session.qualification)
    client.force_login(member_a)
    url = reverse("exams:expert_score", args=[running.enrolment.pk])
    response = client.post(url, {f"c{c1.pk}": 4, f"c{c2.pk}": 5, f"note{c1.pk}": "Не убрал инструмент"})
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:expert_session", args=[running.session.pk])
    assert sorted(PracticalScore.objects.values_list("expert", "criterion", "score", "comment")) == sorted(
        [(member_a.pk, c1.pk, 4, "Не убрал инструмент"), (member_a.pk, c2.pk, 5, "")]
    )


@pytest.mark.parametrize("bad", ["6", "-1", "", "abc"])
def test_a_score_out_of_range_is_refused_by_the_sheet_and_nothing_is_saved(client, running, member_a, bad):
    c1, c2 = criteria_of(running.session.qualification)
    client.force_login(member_a)
    before = state()
    response = client.post(
        reverse("exams:expert_score", args=[running.enrolment.pk]), {f"c{c1.pk}": 3, f"c{c2.pk}": bad}
    )
    assert response.status_code == 400
    assert state() == before


def test_the_sheet_shows_an_expert_only_their_own_scores(client, running, chair, member_a):
    c1, c2 = criteria_of(running.session.qualification)
    services.practical_save_scores(
        enrolment=running.enrolment, expert=chair, scores={c1.pk: 1, c2.pk: 1}, comments={c1.pk: "Секрет председателя"}
    )
    client.force_login(member_a)
    html = client.get(reverse("exams:expert_score", args=[running.enrolment.pk])).content.decode()
    assert "Секрет председателя" not in html


def test_a_member_who_is_not_the_chair_cannot_approve(client, completed, member_a):
    client.force_login(member_a)
    before = state()
    response = client.post(reverse("exams:expert_approve", args=[completed.session.pk]))
    assert response.status_code == 302
    assert flashed(response) == [("error", ru("Only the chair of the commission approves the results."))]
    assert state() == before


def test_the_chair_approves_and_corrects_from_the_session_page(client, completed, chair):
    client.force_login(chair)
    response = client.post(reverse("exams:expert_approve", args=[completed.session.pk]))
    assert response.status_code == 302
    completed.session.refresh_from_db()
    assert completed.session.status == SS.RESULTS_APPROVED
    result = ExamResult.objects.get(enrolment=completed.other_enrolment)
    url = reverse("exams:expert_correct", args=[result.pk])

    before = state()
    response = client.post(url, {"decision": Decision.PASSED, "reason": ""})
    assert flashed(response)[-1][0] == "error"
    assert state() == before

    client.post(url, {"decision": Decision.PASSED, "theory_percent": 71, "reason": "Пересчёт"})
    result.refresh_from_db()
    assert (result.decision, result.theory_percent) == (Decision.PASSED, 71)
    correction = ResultCorrection.objects.get()
    assert (correction.by, correction.reason, correction.before["decision"]) == (chair, "Пересчёт", Decision.FAILED)


# --- 4. The candidate's exam and test ---------------------------------------------------------------------


def test_the_candidate_starts_takes_and_submits_the_test(client, candidate, planned_session, enrolment, staff):
    start_session(planned_session, staff, [enrolment])
    client.force_login(candidate)
    page = client.get(reverse("exams:my_exam", args=[enrolment.pk])).content.decode()
    assert reverse("exams:theory_start", args=[enrolment.pk]) in page

    response = client.post(reverse("exams:theory_start", args=[enrolment.pk]))
    attempt = TheoryAttempt.objects.get(enrolment=enrolment)
    assert response["Location"] == reverse("exams:theory", args=[attempt.pk])

    response = client.get(response["Location"])
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    positions = [html.index(f'data-question="{qid}"') for qid in attempt.question_ids]
    assert positions == sorted(positions)  # in the drawn order
    assert "is_correct" not in html

    qid = attempt.question_ids[0]
    ok = post_json(
        client,
        reverse("exams:theory_answer", args=[attempt.pk]),
        {"question": qid, "choices": correct_ids(Question.objects.get(pk=qid))[:1]},
    )
    assert ok.status_code == 200
    assert 0 < ok.json()["ms_left"] <= 30 * 60 * 1000

    response = client.post(reverse("exams:theory_submit", args=[attempt.pk]))
    assert response["Location"] == reverse("exams:my_exam", args=[enrolment.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.auto_submitted is False
    # The test page of a submitted attempt sends the candidate back to the exam page.
    assert client.get(reverse("exams:theory", args=[attempt.pk]))["Location"] == reverse(
        "exams:my_exam", args=[enrolment.pk]
    )


@pytest.mark.parametrize("page", ["theory", "my_exam"])
def test_opening_a_page_after_the_deadline_writes_nothing_and_says_the_time_is_over(client, candidate, running, page):
    """No state change on GET: the expired test stays as it is until the beat job or a POST submits it."""
    TheoryAttempt.objects.filter(pk=running.attempt.pk).update(
        deadline_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    client.force_login(candidate)
    pk = running.attempt.pk if page == "theory" else running.enrolment.pk
    response = client.get(reverse(f"exams:{page}", args=[pk]), follow=True)
    assert TheoryAttempt.objects.get(pk=running.attempt.pk).submitted_at is None
    assert not ExamResult.objects.filter(enrolment=running.enrolment, theory_percent__isnull=False).exists()
    assert response.status_code == 200
    assert 'data-testid="theory-time-over"' in response.content.decode()


def test_an_expired_test_is_submitted_by_the_button_or_by_the_beat_job(client, candidate, running):
    TheoryAttempt.objects.filter(pk=running.attempt.pk).update(
        deadline_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    client.force_login(candidate)
    response = client.post(reverse("exams:theory_submit", args=[running.attempt.pk]))
    assert response["Location"] == reverse("exams:my_exam", args=[running.enrolment.pk])
    attempt = TheoryAttempt.objects.get(pk=running.attempt.pk)
    assert attempt.submitted_at is not None and attempt.auto_submitted is True
    page = client.get(reverse("exams:my_exam", args=[running.enrolment.pk])).content.decode()
    assert 'data-testid="theory-submitted"' in page and 'data-testid="theory-time-over"' not in page


def test_the_beat_job_submits_an_expired_test_nobody_has_open(running):
    TheoryAttempt.objects.filter(pk=running.attempt.pk).update(
        deadline_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    assert exam_tasks.finalize_expired_attempts_task() == 1
    attempt = TheoryAttempt.objects.get(pk=running.attempt.pk)
    assert attempt.submitted_at is not None and attempt.auto_submitted is True


def test_the_candidate_sees_the_result_only_after_approval(client, candidate, completed, chair):
    client.force_login(candidate)
    url = reverse("exams:my_exam", args=[completed.enrolment.pk])
    assert 'data-testid="exam-result"' not in client.get(url).content.decode()
    services.session_approve(session=completed.session, by=chair)
    html = client.get(url).content.decode()
    assert 'data-testid="exam-result"' in html


def test_starting_before_the_exam_begins_is_refused_with_a_message(client, candidate, enrolment):
    client.force_login(candidate)
    before = state()
    response = client.post(reverse("exams:theory_start", args=[enrolment.pk]))
    assert response["Location"] == reverse("exams:my_exam", args=[enrolment.pk])
    assert flashed(response) == [("error", ru("The theory test opens when the staff start the session."))]
    assert state() == before


# --- 5. The autosave endpoint ------------------------------------------------------------------------------


def answer_url(attempt) -> str:
    return reverse("exams:theory_answer", args=[attempt.pk])


MALFORMED = {
    "not_json": "question=1",
    "truncated_json": '{"question": 1',
    "not_utf8": b'{"question": "\xff"}',
    "a_list": "[1, 2]",
    "a_string": '"hello"',
    "missing_question": json.dumps({"choices": [1]}),
    "null_question": json.dumps({"question": None, "choices": []}),
    "text_question": json.dumps({"question": "first", "choices": []}),
    "object_question": json.dumps({"question": {"id": 1}, "choices": []}),
    "text_choice": json.dumps({"question": "QID", "choices": ["a"]}),
    "choices_not_a_list": json.dumps({"question": "QID", "choices": 5}),
    "null_choices": json.dumps({"question": "QID", "choices": None}),
    "too_many_choices": json.dumps({"question": "QID", "choices": list(range(51))}),
}


@pytest.mark.parametrize("body", list(MALFORMED))
def test_the_autosave_answers_400_to_a_malformed_body(client, candidate, running, body):
    raw = MALFORMED[body]
    if isinstance(raw, str):
        raw = raw.replace('"QID"', str(running.attempt.question_ids[0]))
    client.force_login(candidate)
    before = state()
    response = post_json(client, answer_url(running.attempt), raw)
    assert response.status_code == 400
    assert response.json() == {"error": ru("The answer could not be read.")}
    assert state() == before


@pytest.mark.parametrize("problem", ["outside_variant", "foreign_choice", "two_on_single", "unknown_choice"])
def test_the_autosave_answers_400_to_answers_the_rules_refuse(client, candidate, running, bank, problem):
    variant = running.attempt.question_ids
    qid = variant[0]
    if problem == "outside_variant":
        outside = next(q for q in bank if q.pk not in variant)
        body = {"question": outside.pk, "choices": correct_ids(outside)[:1]}
    elif problem == "foreign_choice":
        body = {"question": qid, "choices": correct_ids(Question.objects.get(pk=variant[1]))[:1]}
    elif problem == "two_on_single":
        single = next(q for q in bank if q.kind == "single")
        TheoryAttempt.objects.filter(pk=running.attempt.pk).update(question_ids=[single.pk, *variant[1:]])
        body = {"question": single.pk, "choices": sorted(single.choices.values_list("pk", flat=True))[:2]}
    else:
        body = {"question": qid, "choices": [10**12]}
    client.force_login(candidate)
    before = state()
    response = post_json(client, answer_url(running.attempt), body)
    assert response.status_code == 400
    assert "error" in response.json() and "closed" not in response.json()
    assert state() == before


@pytest.mark.parametrize("why", ["deadline", "submitted"])
def test_the_autosave_answers_409_once_the_test_is_closed(client, candidate, running, why):
    if why == "deadline":
        TheoryAttempt.objects.filter(pk=running.attempt.pk).update(
            deadline_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    else:
        services.theory_submit(attempt=running.attempt)
    qid = running.attempt.question_ids[0]
    client.force_login(candidate)
    before = state()
    response = post_json(
        client, answer_url(running.attempt), {"question": qid, "choices": correct_ids(Question.objects.get(pk=qid))[:1]}
    )
    assert response.status_code == 409
    assert response.json()["closed"] is True
    assert state() == before


@pytest.mark.parametrize("persona", ["anonymous", "expert", "other_expert", "staff", "head"])
def test_the_autosave_answers_403_json_to_anyone_not_a_candidate(persona_client, running, persona):
    client, _user = persona_client(persona)
    qid = running.attempt.question_ids[0]
    before = state()
    response = post_json(client, answer_url(running.attempt), {"question": qid, "choices": []})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert state() == before


def test_the_autosave_answers_404_for_another_candidates_attempt(client, other_candidate, running_two):
    qid = running_two.attempt.question_ids[0]
    client.force_login(other_candidate)
    before = state()
    response = post_json(
        client,
        answer_url(running_two.attempt),
        {"question": qid, "choices": correct_ids(Question.objects.get(pk=qid))[:1]},
    )
    assert response.status_code == 404
    assert state() == before


def test_the_autosave_accepts_only_post(client, candidate, running):
    client.force_login(candidate)
    assert client.get(answer_url(running.attempt)).status_code == 405


def test_the_autosave_replaces_an_earlier_answer(client, candidate, running):
    qid = running.attempt.question_ids[0]
    first, second = sorted(Question.objects.get(pk=qid).choices.values_list("pk", flat=True))[:2]
    client.force_login(candidate)
    assert post_json(client, answer_url(running.attempt), {"question": qid, "choices": [first]}).json()["saved"] == [
        first
    ]
    post_json(client, answer_url(running.attempt), {"question": qid, "choices": [second]})
    assert list(Answer.objects.values_list("question", "choice_ids")) == [(qid, [second])]


# --- 6. Query counts --------------------------------------------------------------------------------------


@pytest.fixture
def attempts_10_and_40(candidate, staff, make_session, make_user):
    """The candidate's running attempts with 10 and with 40 questions, in two sessions on different days."""
    attempts = {}
    for days, count, per_topic in [(3, 10, 4), (5, 40, 14)]:
        qualification = make_qualification(question_count=count, per_topic=per_topic)
        app = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
        session = make_session(
            days=days,
            qualification=qualification,
            chair=make_user(Role.EXPERT),
            experts=[make_user(Role.EXPERT), make_user(Role.EXPERT)],
        )
        [enrolment] = services.enrol(session=session, applications=[app], by=staff)
        start_session(session, staff, [enrolment])
        attempts[count] = services.theory_start(enrolment=fresh(enrolment), by=candidate)
    return attempts


# tests/exams/test_autosave_queries.py lists them; the question's choices are read once per process.
AUTOSAVE_QUERIES = 3 if settings.SESSION_ENGINE.endswith("cached_db") else 4


def test_the_autosave_costs_the_same_queries_for_any_question_and_any_variant_size(
    client, candidate, attempts_10_and_40, django_assert_num_queries, settings
):
    settings.QAC_THEORY_KEEP_CHOICES = True  # as in production
    client.force_login(candidate)
    for attempt in attempts_10_and_40.values():
        assert len(attempt.question_ids) in (10, 40)
        for index in (0, 29 if len(attempt.question_ids) == 40 else 9):
            qid = attempt.question_ids[index]
            body = {"question": qid, "choices": correct_ids(Question.objects.get(pk=qid))[:1]}
            selectors.forget_choices()
            with django_assert_num_queries(AUTOSAVE_QUERIES + 1):
                response = post_json(client, answer_url(attempt), body)
            assert response.status_code == 200
            with django_assert_num_queries(AUTOSAVE_QUERIES):
                assert post_json(client, answer_url(attempt), body).status_code == 200


def _queries(client, url) -> int:
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("who", "page"), [("staff", "exams:sessions"), ("expert", "exams:expert_sessions")])
def test_a_session_list_does_not_grow_with_the_sessions(client, make_session, request, who, page):
    """The staff's and the expert's session lists cost the same queries for two sessions and for eight."""
    client.force_login(request.getfixturevalue(who))
    url = reverse(page)
    make_session(days=3)
    make_session(days=4)
    two = _queries(client, url)
    for days in range(5, 11):
        make_session(days=days)
    assert _queries(client, url) == two
