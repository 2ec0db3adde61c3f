"""The exams services: sessions and commissions, enrolment, the theory test, the practical
scores, results and approval.

Every refused action is checked to leave the database and the outbox as they were
(``state()`` in conftest); e-mails and other after-commit work run inside
``django_capture_on_commit_callbacks(execute=True)``.
"""

import datetime
import hashlib
from collections import Counter

import pytest
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus, ApplicationTransition
from qac.accounts.roles import Role
from qac.exams import selectors, services
from qac.exams.models import (
    Answer,
    CommissionMember,
    Decision,
    Enrolment,
    EnrolmentStatus,
    ExamResult,
    ExamSession,
    PracticalScore,
    Question,
    ResultCorrection,
    SessionEvent,
    SessionStatus,
    TheoryAttempt,
)
from qac.exams.signals import results_approved
from standards.models import ExamSpecification
from tests.factories import CandidateProfileFactory, UserFactory, pdf_upload
from tests.helpers.exams import (
    ID_CHECK,
    PASS_PERCENT,
    THEORY_COUNT,
    TOPICS,
    Rule,
    accepted_application,
    correct_ids,
    criteria_of,
    decide,
    fresh,
    ics,
    invitations,
    make_qualification,
    refused,
    ru,
    save_answer,
    score,
    slot,
    start_session,
    state,
    utc,
    wrong_ids,
)

pytestmark = pytest.mark.django_db

SS = SessionStatus
A = ApplicationStatus
ALL_STATUSES = list(SessionStatus.values)


def label(status: str) -> str:
    from django.utils import translation

    with translation.override("ru"):
        return str(SessionStatus(status).label)


def question(qualification, topic: int, index: int) -> Question:
    return Question.objects.get(qualification=qualification, external_id=f"{qualification.code}-{topic}-{index}")


@pytest.fixture
def session_in(make_session, staff, chair):
    """A fresh session brought to ``status`` by the legal path."""

    def make(status: str) -> ExamSession:
        session = make_session()
        if status == SS.CANCELLED:
            return services.session_cancel(session=session, by=staff, reason="Тест")
        steps = [
            (SS.OPEN, lambda: services.session_open(session=session, by=staff)),
            (SS.IN_PROGRESS, lambda: services.session_start(session=session, by=staff)),
            (SS.COMPLETED, lambda: services.session_complete(session=session, by=staff)),
            (SS.RESULTS_APPROVED, lambda: services.session_approve(session=session, by=chair)),
        ]
        for reached, step in steps:
            if status == SS.PLANNED:
                break
            step()
            if status == reached:
                break
        session.refresh_from_db()
        assert session.status == status
        return session

    return make


# --- Sessions and commissions --------------------------------------------------------------------------


def test_session_create_books_the_commission_with_one_chair_and_records_the_plan(
    make_session, staff, chair, member_a, member_b
):
    session = make_session()
    assert session.status == SS.PLANNED
    seats = {(m.expert_id, m.is_chair) for m in session.commission.all()}
    assert seats == {(chair.pk, True), (member_a.pk, False), (member_b.pk, False)}
    event = SessionEvent.objects.get(session=session)
    assert (event.by, event.from_status, event.to_status) == (staff, "", SS.PLANNED)


def test_the_chair_listed_again_among_the_experts_takes_one_seat(make_session, chair, member_a, member_b):
    session = make_session(experts=[chair, member_a, member_b, member_a])
    assert session.commission.count() == 3
    assert session.commission.filter(is_chair=True).get().expert == chair


@pytest.mark.parametrize("who", ["only_one_member", "chair_counted_twice", "nobody_else"])
def test_a_commission_needs_three_experts_including_the_chair(make_session, chair, member_a, who):
    experts = {"only_one_member": [member_a], "chair_counted_twice": [chair, member_a], "nobody_else": []}[who]
    message = refused(lambda: make_session(experts=experts))
    assert message == ru(
        "An expert commission needs at least %(n)s experts, one of them the chair.", n=services.MIN_COMMISSION
    )


@pytest.mark.parametrize("intruder", ["staff", "candidate", "head", "nobody"])
def test_only_users_with_the_expert_role_sit_on_a_commission(
    request, make_session, chair, member_a, member_b, intruder
):
    user = UserFactory() if intruder == "nobody" else request.getfixturevalue(intruder)
    before = state()
    with pytest.raises(services.ExamError) as exc:
        make_session(experts=[member_a, member_b, user])
    assert str(exc.value) == ru("Not experts: %(names)s.", names=str(user))
    # Not as the chair either.
    with pytest.raises(services.ExamError):
        make_session(chair=user, experts=[chair, member_a, member_b])
    assert state() == before


@pytest.mark.parametrize("persona", ["expert", "candidate"])
def test_only_staff_plan_sessions(request, qualification, chair, member_a, member_b, persona):
    starts, ends = slot()
    refused(
        lambda: services.session_create(
            by=request.getfixturevalue(persona),
            qualification=qualification,
            starts_at=starts,
            ends_at=ends,
            venue_address="Адрес",
            venue_room="",
            capacity=5,
            chair=chair,
            experts=[member_a, member_b],
        )
    )


@pytest.mark.parametrize("hours", [0, -1])
def test_a_session_ends_after_it_starts(make_session, hours):
    message = refused(lambda: make_session(hours=hours))
    assert message == ru("The session must end after it starts.")


@pytest.mark.parametrize(
    ("hour", "hours"),
    [(10, 4), (12, 4), (8, 3), (9, 8), (11, 1)],
    ids=["same", "overlaps_end", "overlaps_start", "contains", "inside"],
)
def test_an_expert_is_never_on_two_overlapping_sessions(make_session, make_user, member_a, hour, hours):
    make_session(days=3, hour=10, hours=4)
    new_chair, new_member = make_user(Role.EXPERT), make_user(Role.EXPERT)
    message = refused(
        lambda: make_session(days=3, hour=hour, hours=hours, chair=new_chair, experts=[new_member, member_a])
    )
    assert str(member_a) in message


@pytest.mark.parametrize(("hour", "hours"), [(14, 3), (7, 3)], ids=["right_after", "right_before"])
def test_adjacent_sessions_may_share_the_whole_commission(make_session, hour, hours):
    first = make_session(days=3, hour=10, hours=4)
    second = make_session(days=3, hour=hour, hours=hours)
    assert first.pk != second.pk
    assert CommissionMember.objects.count() == 6


def test_a_cancelled_session_frees_its_experts(make_session, staff):
    first = make_session()
    services.session_cancel(session=first, by=staff, reason="Перенос")
    second = make_session()
    assert second.commission.count() == 3


LEGAL = list(services.SESSION_TRANSITIONS)


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_every_legal_session_transition_moves_and_writes_history(session_in, staff, chair, from_status, to_status):
    session = session_in(from_status)
    version, events = session.version, session.events.count()
    by = chair if services.SESSION_TRANSITIONS[(from_status, to_status)] == "chair" else staff
    services.session_transition(session=session, to=to_status, by=by, note="примечание")
    session.refresh_from_db()
    assert session.status == to_status
    assert session.version == version + 1
    assert session.events.count() == events + 1
    event = session.events.order_by("-id").first()
    assert (event.by, event.from_status, event.to_status, event.note) == (by, from_status, to_status, "примечание")


ILLEGAL = [(a, b) for a in ALL_STATUSES for b in ALL_STATUSES if (a, b) not in services.SESSION_TRANSITIONS]


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_every_illegal_session_transition_is_refused_with_a_message(session_in, staff, chair, from_status, to_status):
    session = session_in(from_status)
    before = state()
    for by in (staff, chair):
        with pytest.raises(services.ExamError) as exc:
            services.session_transition(session=session, to=to_status, by=by)
        assert str(exc.value) == ru(
            "A session that is «%(status)s» cannot become «%(to)s».",
            status=label(from_status),
            to=label(to_status),
        )
    assert state() == before


STAFF_MOVES = [pair for pair, who in services.SESSION_TRANSITIONS.items() if who == "staff"]


@pytest.mark.parametrize(("from_status", "to_status"), STAFF_MOVES)
@pytest.mark.parametrize("persona", ["chair", "member_a", "candidate"])
def test_only_staff_move_a_session_status(request, session_in, persona, from_status, to_status):
    session = session_in(from_status)
    message = refused(
        lambda: services.session_transition(session=session, to=to_status, by=request.getfixturevalue(persona))
    )
    assert message == ru("Only the center's staff change a session's status.")


@pytest.mark.parametrize("persona", ["staff", "head", "member_a", "other_expert"])
def test_only_the_chair_approves(request, session_in, persona):
    session = session_in(SS.COMPLETED)
    message = refused(lambda: services.session_approve(session=session, by=request.getfixturevalue(persona)))
    assert message == ru("Only the chair of the commission approves the results.")


# --- Cancelling and moving ---------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(planned_session, enrolment, staff, reason):
    message = refused(lambda: services.session_cancel(session=planned_session, by=staff, reason=reason))
    assert message == ru("Say why the session is cancelled: the candidates are told.")


def test_cancelling_unschedules_everyone_and_mails_them_a_calendar_cancellation(
    planned_session, enrolment, other_enrolment, staff, django_capture_on_commit_callbacks
):
    services.session_open(session=planned_session, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=planned_session, by=staff, reason="Болезнь эксперта")
    planned_session.refresh_from_db()
    assert planned_session.status == SS.CANCELLED
    for e in (enrolment, other_enrolment):
        e = fresh(e)
        assert e.status == EnrolmentStatus.CANCELLED
        assert e.application.status == A.ACCEPTED
        last = e.application.history.order_by("-id").first()
        assert (last.from_status, last.to_status, last.note) == (A.SCHEDULED, A.ACCEPTED, "Болезнь эксперта")
        [message] = invitations(e.application.candidate.email)
        assert "Болезнь эксперта" in message.body
        name, props, mimetype = ics(message)
        assert name == "exam.ics"
        assert mimetype.startswith("text/calendar")
        assert "method=CANCEL" in mimetype
        assert props["METHOD"] == "CANCEL"
        assert props["STATUS"] == "CANCELLED"
        assert props["UID"] == f"exam-session-{planned_session.pk}-enrolment-{e.pk}@qac-78-033"
    assert planned_session.events.filter(to_status=SS.CANCELLED, note="Болезнь эксперта").count() == 1


def test_after_a_cancellation_the_candidates_can_be_enrolled_elsewhere(planned_session, enrolment, make_session, staff):
    services.session_cancel(session=planned_session, by=staff, reason="Перенос")
    other = make_session(days=5)
    [again] = services.enrol(session=other, applications=[fresh(enrolment).application], by=staff)
    assert fresh(again).application.status == A.SCHEDULED


def test_reschedule_moves_the_session_and_mails_a_newer_invitation(
    planned_session, application, staff, candidate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.enrol(session=planned_session, applications=[application], by=staff)
    [first] = invitations(candidate.email)
    _name, first_props, _mime = ics(first)
    assert first_props["METHOD"] == "REQUEST"
    assert first_props["DTSTART"] == utc(planned_session.starts_at)

    starts, ends = slot(days=6, hour=13, hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_reschedule(
            session=planned_session,
            by=staff,
            starts_at=starts,
            ends_at=ends,
            venue_address="Новый адрес, 5",
            venue_room="202",
            reason="Ремонт в аудитории",
        )
    planned_session.refresh_from_db()
    assert (planned_session.starts_at, planned_session.ends_at) == (starts, ends)
    assert (planned_session.venue_address, planned_session.venue_room) == ("Новый адрес, 5", "202")
    assert planned_session.events.filter(note="Ремонт в аудитории").count() == 1

    moved = [m for m in invitations(candidate.email) if m is not first]
    assert len(moved) == 1
    assert "Ремонт в аудитории" in moved[0].body
    name, props, mimetype = ics(moved[0])
    assert name == "exam.ics"
    assert mimetype.split(";")[0] == "text/calendar"
    assert props["METHOD"] == "REQUEST"
    # The new times, in UTC (Moscow is UTC+3: 13:00 local is 10:00Z).
    assert props["DTSTART"] == utc(starts)
    assert props["DTSTART"].endswith("100000Z")
    assert props["DTEND"] == utc(ends)
    assert props["UID"] == first_props["UID"]
    assert int(props["SEQUENCE"]) > int(first_props["SEQUENCE"])
    assert "Новый адрес\\, 5\\, 202" in props["LOCATION"]


def reschedule(session, by, starts, ends, *, reason="Перенос"):
    return services.session_reschedule(
        session=session, by=by, starts_at=starts, ends_at=ends, venue_address="X", venue_room="", reason=reason
    )


@pytest.mark.parametrize(
    ("reason", "hours", "message"),
    [("", 3, "Say why the session is moved: the candidates are told."), ("Ремонт", 0, None)],
    ids=["no_reason", "ends_before_start"],
)
def test_reschedule_needs_a_reason_and_a_sane_time(planned_session, enrolment, staff, reason, hours, message):
    starts, ends = slot(days=6, hours=hours)
    refusal = refused(lambda: reschedule(planned_session, staff, starts, ends, reason=reason))
    assert refusal == ru(message or "The session must end after it starts.")


def test_reschedule_into_a_busy_slot_of_one_expert_is_refused(
    planned_session, enrolment, make_session, make_user, member_a, staff
):
    make_session(days=6, hour=10, chair=make_user(Role.EXPERT), experts=[make_user(Role.EXPERT), member_a])
    starts, ends = slot(days=6, hour=12)
    assert str(member_a) in refused(lambda: reschedule(planned_session, staff, starts, ends))


def test_reschedule_into_a_slot_where_a_candidate_sits_another_exam_is_refused(
    planned_session, enrolment, candidate, make_session, make_user, staff
):
    other_qualification = make_qualification()
    other_app = accepted_application(candidate=candidate, qualification=other_qualification, staff=staff)
    elsewhere = make_session(
        days=6,
        qualification=other_qualification,
        chair=make_user(Role.EXPERT),
        experts=[make_user(Role.EXPERT), make_user(Role.EXPERT)],
    )
    services.enrol(session=elsewhere, applications=[other_app], by=staff)
    starts, ends = slot(days=6, hour=11)
    message = refused(lambda: reschedule(planned_session, staff, starts, ends))
    assert message == ru(
        "%(name)s is already enrolled in another session at that time.", name=candidate.get_full_name()
    )


def test_reschedule_may_overlap_the_sessions_own_old_time(planned_session, enrolment, staff):
    starts = planned_session.starts_at + datetime.timedelta(hours=1)
    reschedule(planned_session, staff, starts, starts + datetime.timedelta(hours=4), reason="На час позже")
    planned_session.refresh_from_db()
    assert planned_session.starts_at == starts


def test_a_running_session_is_not_moved(running, staff):
    starts, ends = slot(days=6)
    message = refused(lambda: reschedule(running.session, staff, starts, ends))
    assert message == ru("Only a planned or open session can be moved.")


# --- Enrolment ---------------------------------------------------------------------------------------


def test_enrolment_schedules_the_application_and_the_candidate_can_no_longer_withdraw(
    planned_session, application, staff, candidate
):
    [enrolment] = services.enrol(session=planned_session, applications=[application], by=staff)
    enrolment = fresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert enrolment.enrolled_by == staff
    assert enrolment.application.status == A.SCHEDULED
    last = enrolment.application.history.order_by("-id").first()
    assert (last.from_status, last.to_status, last.by) == (A.ACCEPTED, A.SCHEDULED, staff)
    assert planned_session.events.filter(note__contains=application.number).exists()

    before = state()
    with pytest.raises(candidate_services.IllegalTransition):
        candidate_services.application_withdraw(application=enrolment.application, by=candidate)
    assert state() == before


def test_enrolment_mails_an_invitation_with_a_calendar_file(
    planned_session, application, staff, candidate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [enrolment] = services.enrol(session=planned_session, applications=[application], by=staff)
    [message] = invitations(candidate.email)
    assert message.to == [candidate.email]
    assert f"/me/exams/{enrolment.pk}/" in message.body
    name, props, mimetype = ics(message)
    assert name == "exam.ics"
    assert mimetype == "text/calendar; method=REQUEST; charset=utf-8"
    assert props["BEGIN"] == "VCALENDAR"
    assert props["METHOD"] == "REQUEST"
    assert props["DTSTART"] == utc(planned_session.starts_at)
    assert props["DTEND"] == utc(planned_session.ends_at)
    assert props["SEQUENCE"] == str(planned_session.version)
    assert props["UID"] == f"exam-session-{planned_session.pk}-enrolment-{enrolment.pk}@qac-78-033"
    assert all(len(line.encode()) <= 75 for line in props["_raw"].split("\r\n"))


@pytest.mark.parametrize("status", [A.DRAFT, A.SUBMITTED, A.REJECTED, A.WITHDRAWN, A.DOCUMENTS_REQUESTED, A.SCHEDULED])
def test_only_accepted_applications_are_enrolled(planned_session, make_session, qualification, staff, status):
    candidate = UserFactory(role=Role.CANDIDATE)
    if status == A.SCHEDULED:
        app = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
        services.enrol(session=make_session(days=8), applications=[app], by=staff)
    else:
        CandidateProfileFactory(user=candidate)
        app = candidate_services.application_create(candidate=candidate, qualification=qualification)
        if status != A.DRAFT:
            for required in qualification.required_documents.filter(is_mandatory=True):
                candidate_services.application_attach_document(
                    application=app, required_document=required, uploaded_file=pdf_upload(), by=candidate
                )
            app = candidate_services.application_submit(
                application=app,
                by=candidate,
                consent=candidate_services.Consent(personal_data=True, exam_rules=True, ip=None),
            )
        if status == A.REJECTED:
            candidate_services.application_reject(application=app, by=staff, reason="Нет", expected_version=app.version)
        elif status == A.WITHDRAWN:
            candidate_services.application_withdraw(application=app, by=candidate)
        elif status == A.DOCUMENTS_REQUESTED:
            candidate_services.application_request_documents(
                application=app, by=staff, message="Диплом", expected_version=app.version
            )
    app.refresh_from_db()
    assert app.status == status
    message = refused(lambda: services.enrol(session=planned_session, applications=[app], by=staff))
    assert app.number is None or app.number in message


def test_an_application_for_another_qualification_is_not_enrolled(planned_session, staff):
    app = accepted_application(
        candidate=UserFactory(role=Role.CANDIDATE), qualification=make_qualification(), staff=staff
    )
    message = refused(lambda: services.enrol(session=planned_session, applications=[app], by=staff))
    assert message == ru("Application %(number)s is for another qualification.", number=app.number)


def test_capacity_is_never_exceeded_and_a_bulk_enrolment_is_all_or_none(make_session, make_accepted, staff):
    session = make_session(capacity=2)
    apps = [make_accepted() for _ in range(3)]
    message = refused(lambda: services.enrol(session=session, applications=apps, by=staff))
    assert message == ru("The session has %(free)s free places; %(asked)s were asked for.", free=2, asked=3)

    services.enrol(session=session, applications=apps[:2], by=staff)
    message = refused(lambda: services.enrol(session=session, applications=apps[2:], by=staff))
    assert message == ru("The session has %(free)s free places; %(asked)s were asked for.", free=0, asked=1)
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED).count() == 2


def test_one_bad_application_in_a_bulk_enrolment_leaves_the_good_ones_untouched(planned_session, make_accepted, staff):
    good = [make_accepted(), make_accepted()]
    bad = make_accepted()
    candidate_services.application_withdraw(application=bad, by=bad.candidate)
    refused(lambda: services.enrol(session=planned_session, applications=[*good, bad], by=staff))
    assert all(Application.objects.get(pk=a.pk).status == A.ACCEPTED for a in good)


@pytest.mark.parametrize(("hour", "ok"), [(12, False), (14, True), (6, True)], ids=["overlap", "after", "before"])
def test_a_candidate_is_never_in_two_overlapping_sessions(
    planned_session, enrolment, candidate, make_session, make_user, staff, hour, ok
):
    # planned_session runs 10:00-14:00 on day 3; the other one is for another qualification and commission.
    other_qualification = make_qualification()
    other_app = accepted_application(candidate=candidate, qualification=other_qualification, staff=staff)
    other = make_session(
        days=3,
        hour=hour,
        hours=4,
        qualification=other_qualification,
        chair=make_user(Role.EXPERT),
        experts=[make_user(Role.EXPERT), make_user(Role.EXPERT)],
    )
    if ok:
        services.enrol(session=other, applications=[other_app], by=staff)
        other_app.refresh_from_db()
        assert other_app.status == A.SCHEDULED
        return
    message = refused(lambda: services.enrol(session=other, applications=[other_app], by=staff))
    assert message == ru(
        "%(name)s is already enrolled in another session at that time.", name=candidate.get_full_name()
    )


@pytest.mark.parametrize("persona", ["chair", "candidate"])
def test_only_staff_enrol(request, planned_session, application, persona):
    refused(
        lambda: services.enrol(session=planned_session, applications=[application], by=request.getfixturevalue(persona))
    )


@pytest.mark.parametrize("status", [SS.IN_PROGRESS, SS.COMPLETED, SS.CANCELLED])
def test_candidates_are_enrolled_only_in_a_planned_or_open_session(session_in, make_accepted, staff, status):
    session = session_in(status)
    app = make_accepted()
    message = refused(lambda: services.enrol(session=session, applications=[app], by=staff))
    assert message == ru("Candidates are enrolled only in a planned or open session.")


def test_enrolling_nobody_is_refused(planned_session, staff):
    refused(lambda: services.enrol(session=planned_session, applications=[], by=staff))


@pytest.mark.parametrize("reason", ["", "  "])
def test_unenrol_needs_a_reason(enrolment, staff, reason):
    message = refused(lambda: services.unenrol(enrolment=enrolment, by=staff, reason=reason))
    assert message == ru("Say why the candidate is taken off the session.")


def test_unenrol_returns_the_application_to_accepted_and_tells_the_candidate(
    planned_session, enrolment, staff, candidate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.unenrol(enrolment=enrolment, by=staff, reason="Просьба кандидата")
    enrolment = fresh(enrolment)
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert enrolment.application.status == A.ACCEPTED
    assert planned_session.events.filter(note="Просьба кандидата").exists()
    [message] = invitations(candidate.email)
    assert "Просьба кандидата" in message.body
    _name, props, mimetype = ics(message)
    assert props["METHOD"] == "CANCEL" and "method=CANCEL" in mimetype
    # The place is free again, and the candidate can be enrolled anew.
    [again] = services.enrol(session=planned_session, applications=[enrolment.application], by=staff)
    assert fresh(again).status == EnrolmentStatus.ENROLLED


@pytest.mark.parametrize("persona", ["chair", "candidate"])
def test_only_staff_unenrol(request, enrolment, persona):
    refused(lambda: services.unenrol(enrolment=enrolment, by=request.getfixturevalue(persona), reason="Причина"))


def test_nobody_is_taken_off_a_running_session(running, staff):
    refused(lambda: services.unenrol(enrolment=running.enrolment, by=staff, reason="Причина"))


# --- The theory variant --------------------------------------------------------------------------------


def test_the_variant_is_reproducible_from_its_seed(spec):
    first = services.draw_variant(spec=spec, seed=12345)
    assert services.draw_variant(spec=spec, seed=12345) == first
    assert services.draw_variant(spec=spec, seed=54321) != first
    assert len({tuple(services.draw_variant(spec=spec, seed=s)) for s in range(10)}) > 1


def test_the_variant_has_the_specs_count_of_distinct_active_questions_of_its_own_bank(spec, qualification):
    make_qualification()  # another bank, which must never leak in
    inactive = Question.objects.filter(qualification=qualification).order_by("pk")[:2]
    Question.objects.filter(pk__in=[q.pk for q in inactive]).update(is_active=False)
    for seed in range(20):
        variant = services.draw_variant(spec=spec, seed=seed)
        assert len(variant) == THEORY_COUNT == len(set(variant))
        picked = Question.objects.filter(pk__in=variant)
        assert set(picked.values_list("qualification", flat=True)) == {qualification.pk}
        assert picked.filter(is_active=False).count() == 0


@pytest.mark.parametrize("count", [3, 6, 7, 11])
def test_the_variant_is_spread_evenly_over_the_topics(spec, count):
    ExamSpecification.objects.filter(pk=spec.pk).update(theory_question_count=count)
    spec.refresh_from_db()
    for seed in range(10):
        variant = services.draw_variant(spec=spec, seed=seed)
        per_topic = Counter(Question.objects.filter(pk__in=variant).values_list("topic", flat=True))
        counts = [per_topic.get(t, 0) for t in TOPICS]
        assert sum(counts) == count
        assert max(counts) - min(counts) <= 1


def test_a_bank_smaller_than_the_spec_is_refused(spec):
    ExamSpecification.objects.filter(pk=spec.pk).update(theory_question_count=13)
    spec.refresh_from_db()
    with pytest.raises(services.ExamError):
        services.draw_variant(spec=spec, seed=1)


# --- Starting the test -----------------------------------------------------------------------------------


def test_starting_the_test_fixes_the_variant_and_the_servers_deadline(running, spec):
    attempt = running.attempt
    assert attempt.question_ids == services.draw_variant(spec=spec, seed=attempt.seed)
    assert attempt.deadline_at - attempt.started_at == datetime.timedelta(minutes=spec.theory_time_limit_minutes)
    assert attempt.submitted_at is None


def test_starting_twice_resumes_the_same_attempt(running, candidate):
    before = state()
    again = services.theory_start(enrolment=running.enrolment, by=candidate)
    assert again.pk == running.attempt.pk
    assert (again.seed, again.question_ids, again.deadline_at) == (
        running.attempt.seed,
        running.attempt.question_ids,
        running.attempt.deadline_at,
    )
    assert state() == before


@pytest.mark.parametrize("status", [SS.PLANNED, SS.OPEN])
def test_the_test_opens_only_when_the_session_is_in_progress(planned_session, enrolment, staff, candidate, status):
    if status == SS.OPEN:
        services.session_open(session=planned_session, by=staff)
    message = refused(lambda: services.theory_start(enrolment=enrolment, by=candidate))
    assert message == ru("The theory test opens when the staff start the session.")


def test_the_test_is_closed_after_the_session_is_completed(planned_session, enrolment, staff, candidate):
    start_session(planned_session, staff, [enrolment])
    services.session_complete(session=planned_session, by=staff)
    refused(lambda: services.theory_start(enrolment=fresh(enrolment), by=candidate))


def test_an_absent_candidate_cannot_start(planned_session, enrolment, staff, candidate):
    services.session_open(session=planned_session, by=staff)
    services.mark_presence(enrolment=enrolment, by=staff, present=False)
    services.session_start(session=planned_session, by=staff)
    message = refused(lambda: services.theory_start(enrolment=fresh(enrolment), by=candidate))
    assert message == ru("You are not admitted to this session's test.")


@pytest.mark.parametrize("persona", ["other_candidate", "staff", "chair"])
def test_nobody_starts_the_test_for_the_candidate(request, planned_session, enrolment, staff, persona):
    start_session(planned_session, staff, [enrolment])
    refused(lambda: services.theory_start(enrolment=fresh(enrolment), by=request.getfixturevalue(persona)))


# --- Answers -------------------------------------------------------------------------------------------


def _refused(attempt, question_id, choice_ids, error=services.ExamError):
    before = state()
    with pytest.raises(error) as exc:
        save_answer(attempt, question_id, choice_ids)
    assert state() == before
    return str(exc.value)


def test_an_answer_saved_twice_keeps_only_the_latest(running):
    qid = running.attempt.question_ids[0]
    q = Question.objects.get(pk=qid)
    first, second = sorted(q.choices.values_list("pk", flat=True))[:2]
    assert save_answer(running.attempt, qid, [first]) == [first]
    save_answer(running.attempt, qid, [second])
    assert list(Answer.objects.filter(attempt=running.attempt).values_list("question", "choice_ids")) == [
        (qid, [second])
    ]


def test_answers_after_the_deadline_are_refused(running):
    qid = running.attempt.question_ids[0]
    TheoryAttempt.objects.filter(pk=running.attempt.pk).update(
        deadline_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    msg = _refused(running.attempt, qid, correct_ids(Question.objects.get(pk=qid))[:1], services.AttemptClosed)
    assert msg == ru("The time is up: the test has been submitted.")


def test_answers_after_submission_are_refused(running):
    qid = running.attempt.question_ids[0]
    save_answer(running.attempt, qid, wrong_ids(Question.objects.get(pk=qid))[:1])
    services.theory_submit(attempt=running.attempt)
    msg = _refused(running.attempt, qid, correct_ids(Question.objects.get(pk=qid))[:1], services.AttemptClosed)
    assert msg == ru("The test is already submitted.")


def test_a_question_outside_the_variant_is_refused(running, bank):
    outside = next(q for q in bank if q.pk not in running.attempt.question_ids)
    msg = _refused(running.attempt, outside.pk, correct_ids(outside)[:1])
    assert msg == ru("This question is not in your variant.")


def test_choices_of_another_question_are_refused(running, bank):
    qid, other_qid = running.attempt.question_ids[:2]
    other = Question.objects.get(pk=other_qid)
    msg = _refused(running.attempt, qid, correct_ids(other)[:1])
    assert msg == ru("These answers do not belong to the question.")
    # Mixed with one of its own, still refused.
    own = correct_ids(Question.objects.get(pk=qid))[:1]
    _refused(running.attempt, qid, own + correct_ids(other)[:1])


def test_two_choices_on_a_single_choice_question_are_refused(running, qualification):
    single = _crafted_variant(running.attempt, qualification)[0]
    assert single.kind == "single"
    two = sorted(single.choices.values_list("pk", flat=True))[:2]
    msg = _refused(running.attempt, single.pk, two)
    assert msg == ru("This question takes one answer.")


@pytest.mark.parametrize("tamper", ["unknown_choice", "choice_of_another_bank", "question_of_another_bank"])
def test_tampered_ids_are_refused(running, tamper):
    other_bank = Question.objects.filter(qualification=make_qualification()).first()
    qid = running.attempt.question_ids[0]
    if tamper == "unknown_choice":
        _refused(running.attempt, qid, [10**9])
    elif tamper == "choice_of_another_bank":
        _refused(running.attempt, qid, correct_ids(other_bank)[:1])
    else:
        _refused(running.attempt, other_bank.pk, correct_ids(other_bank)[:1])


# --- Submitting and scoring -------------------------------------------------------------------------


def _crafted_variant(attempt, qualification) -> list[Question]:
    """Six questions the test chooses (two per topic), replacing the drawn ones."""
    picked = [
        question(qualification, 0, 0),  # single, weight 1
        question(qualification, 0, 1),  # single, weight 2
        question(qualification, 1, 2),  # multiple, weight 3
        question(qualification, 1, 3),  # multiple, weight 1
        question(qualification, 2, 2),  # multiple, weight 3
        question(qualification, 2, 0),  # single, weight 1
    ]
    TheoryAttempt.objects.filter(pk=attempt.pk).update(question_ids=[q.pk for q in picked])
    return picked


def test_submit_scores_single_and_multiple_choice_with_weights(running, qualification):
    s1, s2, m3, m1, m3b, _s1b = _crafted_variant(running.attempt, qualification)
    save_answer(running.attempt, s1.pk, correct_ids(s1))  # right: +1
    save_answer(running.attempt, s2.pk, wrong_ids(s2)[:1])  # wrong
    save_answer(running.attempt, m3.pk, correct_ids(m3))  # exactly the right set: +3
    save_answer(running.attempt, m1.pk, correct_ids(m1)[:1])  # half of the right set: wrong
    save_answer(running.attempt, m3b.pk, correct_ids(m3b) + wrong_ids(m3b)[:1])  # one too many: wrong
    # s1b unanswered.
    attempt = services.theory_submit(attempt=running.attempt)
    assert (attempt.score, attempt.max_score) == (4, 11)
    assert attempt.submitted_at is not None and attempt.auto_submitted is False
    result = ExamResult.objects.get(enrolment=running.enrolment)
    assert result.theory_percent == 36  # 4 / 11
    assert result.theory_passed is False
    # Topic 0: 1 of 3; topic 1: 3 of 4 (75 %); topic 2: 0 of 4.
    assert result.failed_topics == sorted([TOPICS[0], TOPICS[2]])


def test_all_right_answers_pass_the_theory(running):
    for qid in running.attempt.question_ids:
        save_answer(running.attempt, qid, correct_ids(Question.objects.get(pk=qid)))
    attempt = services.theory_submit(attempt=running.attempt)
    assert attempt.score == attempt.max_score > 0
    result = ExamResult.objects.get(enrolment=running.enrolment)
    assert (result.theory_percent, result.theory_passed, result.failed_topics) == (100, True, [])


def test_a_second_submit_changes_nothing(running):
    qid = running.attempt.question_ids[0]
    save_answer(running.attempt, qid, correct_ids(Question.objects.get(pk=qid)))
    services.theory_submit(attempt=running.attempt)
    before = state()
    again = services.theory_submit(attempt=running.attempt)
    again_auto = services.theory_submit(attempt=running.attempt, auto=True)
    assert state() == before
    assert again.auto_submitted is False and again_auto.auto_submitted is False


def test_finalize_expired_attempts_submits_the_expired_and_leaves_the_running(running_two):
    qid = running_two.other_attempt.question_ids[0]
    save_answer(running_two.other_attempt, qid, correct_ids(Question.objects.get(pk=qid)))
    past = timezone.now() - datetime.timedelta(minutes=1)
    TheoryAttempt.objects.filter(pk=running_two.other_attempt.pk).update(deadline_at=past)
    assert services.finalize_expired_attempts() == 1
    expired = TheoryAttempt.objects.get(pk=running_two.other_attempt.pk)
    assert expired.auto_submitted is True
    assert expired.submitted_at == past  # never later than the deadline
    assert expired.score == Question.objects.get(pk=qid).weight
    assert ExamResult.objects.get(enrolment=running_two.other_enrolment).theory_percent is not None
    running_attempt = TheoryAttempt.objects.get(pk=running_two.attempt.pk)
    assert running_attempt.submitted_at is None and running_attempt.score is None
    assert not ExamResult.objects.filter(enrolment=running_two.enrolment).exists()
    # A second sweep finds nothing to do.
    before = state()
    assert services.finalize_expired_attempts() == 0
    assert state() == before


def test_completing_the_session_submits_unfinished_attempts_and_computes_results(running, staff):
    services.session_complete(session=running.session, by=staff)
    attempt = TheoryAttempt.objects.get(pk=running.attempt.pk)
    assert attempt.submitted_at is not None and attempt.auto_submitted is True
    result = ExamResult.objects.get(enrolment=running.enrolment)
    assert result.theory_percent == 0 and result.theory_passed is False
    # Nobody scored the practical stage yet: no decision.
    assert result.practical_passed is None and result.decision == ""


# --- Paper theory scores -------------------------------------------------------------------------------


def test_a_paper_score_is_recorded_by_staff_with_its_reason(planned_session, enrolment, staff, candidate):
    start_session(planned_session, staff, [enrolment])
    result = services.theory_record_paper(enrolment=enrolment, by=staff, percent=85, reason="Сбой сети")
    assert (result.theory_on_paper, result.theory_paper_reason, result.theory_percent, result.theory_passed) == (
        True,
        "Сбой сети",
        85,
        True,
    )
    assert planned_session.events.filter(note__contains="Сбой сети").exists()
    # The online test no longer opens for this candidate.
    refused(lambda: services.theory_start(enrolment=fresh(enrolment), by=candidate))


@pytest.mark.parametrize(
    ("persona", "percent", "reason"),
    [("staff", 80, ""), ("staff", 80, "   "), ("chair", 80, "Сбой"), ("candidate", 80, "Сбой"), ("staff", 101, "Сбой")],
    ids=["no_reason", "blank_reason", "chair", "candidate", "over_100"],
)
def test_a_paper_score_needs_staff_a_reason_and_a_percentage(
    request, planned_session, enrolment, staff, persona, percent, reason
):
    start_session(planned_session, staff, [enrolment])
    refused(
        lambda: services.theory_record_paper(
            enrolment=enrolment, by=request.getfixturevalue(persona), percent=percent, reason=reason
        )
    )


def test_a_paper_score_does_not_replace_a_submitted_online_test(running, staff):
    services.theory_submit(attempt=running.attempt)
    message = refused(
        lambda: services.theory_record_paper(enrolment=running.enrolment, by=staff, percent=90, reason="Сбой")
    )
    assert message == ru("The candidate has started the online test; its result stands.")


def test_a_paper_score_is_refused_while_an_online_attempt_is_open(running, staff):
    """Otherwise the attempt, scored later (deadline sweep, completion), would overwrite the paper score."""
    refused(lambda: services.theory_record_paper(enrolment=running.enrolment, by=staff, percent=90, reason="Сбой"))


def test_marking_present_after_a_mistaken_absent_lets_the_stages_decide(planned_session, enrolment, staff):
    from qac.exams.models import Decision, ExamResult

    services.session_open(session=planned_session, by=staff)
    services.result_set_special(enrolment=enrolment, by=staff, decision=Decision.ABSENT, note="")
    services.mark_presence(enrolment=enrolment, by=staff, present=True, **ID_CHECK)
    assert ExamResult.objects.get(enrolment=enrolment).decision == ""
    enrolment.refresh_from_db()
    assert enrolment.present is True


# --- Practical scores and the pass rules ------------------------------------------------------------------


def test_an_expert_of_the_commission_scores_and_may_change_their_scores(running, member_a):
    c1, c2 = criteria_of(running.session.qualification)
    services.practical_save_scores(
        enrolment=running.enrolment, expert=member_a, scores={c1.pk: 3, c2.pk: 4}, comments={c1.pk: "Неаккуратно"}
    )
    services.practical_save_scores(enrolment=running.enrolment, expert=member_a, scores={c1.pk: 5})
    assert sorted(PracticalScore.objects.values_list("expert", "criterion", "score", "comment")) == sorted(
        [(member_a.pk, c1.pk, 5, ""), (member_a.pk, c2.pk, 4, "")]
    )


def test_an_expert_not_on_the_commission_cannot_score(running, other_expert):
    c1, _c2 = criteria_of(running.session.qualification)
    message = refused(
        lambda: services.practical_save_scores(enrolment=running.enrolment, expert=other_expert, scores={c1.pk: 3})
    )
    assert message == ru("Only the experts of this session's commission score its candidates.")


@pytest.mark.parametrize("bad", [6, -1, 100])
def test_scores_out_of_range_are_refused_and_nothing_is_saved(running, member_a, bad):
    c1, c2 = criteria_of(running.session.qualification)
    # The valid score of the first criterion is not saved either.
    scores = {c1.pk: 2, c2.pk: bad}
    refused(lambda: services.practical_save_scores(enrolment=running.enrolment, expert=member_a, scores=scores))


def test_a_criterion_of_another_qualification_is_refused(running, member_a):
    foreign = criteria_of(make_qualification())[0]
    refused(
        lambda: services.practical_save_scores(enrolment=running.enrolment, expert=member_a, scores={foreign.pk: 1})
    )


def test_scores_are_taken_only_while_the_session_runs(planned_session, enrolment, staff, member_a):
    services.session_open(session=planned_session, by=staff)
    c1, _c2 = criteria_of(planned_session.qualification)
    refused(lambda: services.practical_save_scores(enrolment=fresh(enrolment), expert=member_a, scores={c1.pk: 1}))


def test_an_absent_candidate_is_not_scored(planned_session, enrolment, staff, member_a):
    services.session_open(session=planned_session, by=staff)
    services.mark_presence(enrolment=enrolment, by=staff, present=False)
    services.session_start(session=planned_session, by=staff)
    c1, _c2 = criteria_of(planned_session.qualification)
    refused(lambda: services.practical_save_scores(enrolment=fresh(enrolment), expert=member_a, scores={c1.pk: 1}))


# Each expert's (criterion 1, criterion 2), both out of 5; the pass bar is 70 % of 10.
RULE_CASES = {
    # 100 %, 70 %, 30 %: two of three pass; mean 67 %.
    "two_pass_mean_below": ([(5, 5), (4, 3), (2, 1)], {Rule.ALL: False, Rule.MAJORITY: True, Rule.MEAN: False}, 67),
    # 100 %, 40 %, 80 %: two of three pass; mean 73 %.
    "two_pass_mean_above": ([(5, 5), (2, 2), (4, 4)], {Rule.ALL: False, Rule.MAJORITY: True, Rule.MEAN: True}, 73),
    # 60 %, 60 %, 100 %: one of three passes; mean 73 %.
    "one_passes_mean_above": ([(3, 3), (3, 3), (5, 5)], {Rule.ALL: False, Rule.MAJORITY: False, Rule.MEAN: True}, 73),
    # 70 % each: every expert at the bar passes.
    "all_at_the_bar": ([(4, 3), (3, 4), (5, 2)], {Rule.ALL: True, Rule.MAJORITY: True, Rule.MEAN: True}, 70),
    # 60 % each.
    "none_pass": ([(3, 3), (3, 3), (3, 3)], {Rule.ALL: False, Rule.MAJORITY: False, Rule.MEAN: False}, 60),
}


@pytest.mark.parametrize("rule", [Rule.ALL, Rule.MAJORITY, Rule.MEAN])
@pytest.mark.parametrize("case", list(RULE_CASES))
def test_the_practical_pass_rule_combines_the_experts_verdicts(running, commission, spec, rule, case):
    ExamSpecification.objects.filter(pk=spec.pk).update(practical_pass_rule=rule)
    scores, verdicts, mean = RULE_CASES[case]
    for expert, (first, second) in zip(commission, scores, strict=True):
        score(running.enrolment, expert, first, second)
    evaluation = selectors.practical_evaluate(enrolment=fresh(running.enrolment))
    assert evaluation["complete"] is True
    assert evaluation["passed"] is verdicts[rule]
    assert evaluation["percent"] == mean
    expected_each = {e.pk: (f + s) * 10 >= PASS_PERCENT for e, (f, s) in zip(commission, scores, strict=True)}
    assert {pk: v["passed"] for pk, v in evaluation["per_expert"].items()} == expected_each
    assert evaluation["disagreement"] is (len(set(expected_each.values())) > 1)


def test_the_verdict_waits_until_every_expert_scored_every_criterion(running, chair, member_a, member_b):
    c1, _c2 = criteria_of(running.session.qualification)
    score(running.enrolment, chair, 5, 5)
    score(running.enrolment, member_a, 5, 5)
    services.practical_save_scores(enrolment=running.enrolment, expert=member_b, scores={c1.pk: 5})
    evaluation = selectors.practical_evaluate(enrolment=fresh(running.enrolment))
    assert evaluation["complete"] is False
    assert evaluation["passed"] is None and evaluation["percent"] is None
    assert evaluation["per_expert"][member_b.pk]["complete"] is False


def test_the_criteria_below_the_bar_are_recorded_for_the_conclusion(running, commission, staff):
    _c1, c2 = criteria_of(running.session.qualification)
    # Criterion 1: 5+4+2 of 15 (73 %); criterion 2: 5+3+1 of 15 (60 %).
    for expert, (first, second) in zip(commission, [(5, 5), (4, 3), (2, 1)], strict=True):
        score(running.enrolment, expert, first, second)
    services.theory_submit(attempt=running.attempt)
    services.session_complete(session=running.session, by=staff)
    result = ExamResult.objects.get(enrolment=running.enrolment)
    assert result.failed_criteria == [{"id": c2.pk, "task": c2.task.title, "criterion": c2.text}]
    assert result.practical_percent == 67
    assert result.practical_passed is False  # the rule is "all"
    assert result.decision == Decision.FAILED


# --- Results, approval and corrections ---------------------------------------------------------------------


@pytest.fixture
def receiver():
    calls = []

    def on_approved(sender, session_id, **kwargs):
        calls.append(session_id)

    results_approved.connect(on_approved)
    yield calls
    results_approved.disconnect(on_approved)


def test_approval_is_refused_while_a_result_is_missing(running_two, commission, staff, chair, receiver):
    decide(running_two.enrolment, running_two.attempt, commission)
    # The other candidate's test is submitted, but only two experts scored the practical stage.
    decide(running_two.other_enrolment, running_two.other_attempt, commission[:2])
    services.session_complete(session=running_two.session, by=staff)
    message = refused(lambda: services.session_approve(session=running_two.session, by=chair))
    assert running_two.other_enrolment.application.candidate.get_full_name() in message
    assert running_two.enrolment.application.candidate.get_full_name() not in message
    assert receiver == []


def test_approval_locks_the_results_closes_the_applications_and_renders_the_protocol(
    completed, chair, receiver, django_capture_on_commit_callbacks
):
    """Celery runs eagerly here (the test settings), so the protocol is rendered at the commit."""
    session = completed.session
    with django_capture_on_commit_callbacks(execute=True):
        services.session_approve(session=session, by=chair)
        assert receiver == []  # nothing leaves before the commit
    assert receiver == [session.pk]
    session.refresh_from_db()
    assert session.status == SS.RESULTS_APPROVED
    assert session.approved_by == chair and session.approved_at is not None
    assert fresh(completed.enrolment).application.status == A.PASSED
    assert fresh(completed.other_enrolment).application.status == A.FAILED
    assert session.events.filter(to_status=SS.RESULTS_APPROVED, by=chair).count() == 1

    assert session.protocol and session.protocol_error == ""
    with session.protocol.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == session.protocol_sha256

    # Locked: nothing more is scored, recorded or approved.
    before = state()
    c1, _c2 = criteria_of(session.qualification)
    with pytest.raises(services.ExamError):
        services.practical_save_scores(enrolment=fresh(completed.enrolment), expert=chair, scores={c1.pk: 0})
    with pytest.raises(services.ExamError):
        services.result_set_special(enrolment=fresh(completed.enrolment), by=chair, decision="removed", note="x")
    with pytest.raises(services.ExamError):
        services.session_approve(session=session, by=chair)
    assert state() == before
    assert receiver == [session.pk]


def test_absent_and_removed_candidates_close_as_absent_and_failed(
    planned_session, make_accepted, staff, chair, commission
):
    apps = [make_accepted() for _ in range(3)]
    present, absent, removed = (fresh(e) for e in services.enrol(session=planned_session, applications=apps, by=staff))
    services.session_open(session=planned_session, by=staff)
    services.result_set_special(enrolment=absent, by=staff, decision=Decision.ABSENT, note="")
    assert fresh(absent).present is False
    services.mark_presence(enrolment=present, by=staff, present=True, **ID_CHECK)
    services.mark_presence(enrolment=removed, by=staff, present=True, **ID_CHECK)
    services.session_start(session=planned_session, by=staff)
    attempt = services.theory_start(enrolment=present, by=present.application.candidate)
    decide(present, attempt, commission)
    # The chair records the removal (rules broken) during the exam.
    services.result_set_special(enrolment=removed, by=chair, decision=Decision.REMOVED, note="Телефон на экзамене")
    services.session_complete(session=planned_session, by=staff)
    assert ExamResult.objects.get(enrolment=absent).decision == Decision.ABSENT
    removed_result = ExamResult.objects.get(enrolment=removed)
    assert (removed_result.decision, removed_result.incident_note) == (Decision.REMOVED, "Телефон на экзамене")
    services.session_approve(session=planned_session, by=chair)
    assert fresh(present).application.status == A.PASSED
    assert fresh(absent).application.status == A.ABSENT
    assert fresh(removed).application.status == A.FAILED


@pytest.mark.parametrize(
    ("persona", "decision", "note"),
    [
        ("staff", Decision.REMOVED, ""),
        ("staff", Decision.REMOVED, "   "),
        ("member_a", Decision.ABSENT, ""),
        ("other_expert", Decision.REMOVED, "Телефон"),
        ("candidate", Decision.ABSENT, ""),
        ("staff", Decision.PASSED, "x"),
    ],
    ids=["removed_without_note", "removed_blank_note", "member", "other_expert", "candidate", "not_special"],
)
def test_a_special_decision_needs_staff_or_the_chair_and_a_removal_needs_a_note(
    request, running, persona, decision, note
):
    refused(
        lambda: services.result_set_special(
            enrolment=running.enrolment, by=request.getfixturevalue(persona), decision=decision, note=note
        )
    )


@pytest.fixture
def approved(completed, chair):
    services.session_approve(session=completed.session, by=chair)
    completed.session.refresh_from_db()
    completed.result = ExamResult.objects.get(enrolment=completed.other_enrolment)
    return completed


@pytest.mark.parametrize("persona", ["chair", "head"])
def test_a_correction_of_an_approved_result_records_who_why_before_and_after(request, approved, persona):
    by = request.getfixturevalue(persona)
    result = services.result_correct(
        result=approved.result, by=by, reason="Ошибка подсчёта", decision=Decision.PASSED, theory_percent=75
    )
    assert (result.decision, result.theory_percent) == (Decision.PASSED, 75)
    correction = ResultCorrection.objects.get(result=result)
    assert (correction.by, correction.reason) == (by, "Ошибка подсчёта")
    assert correction.before["decision"] == Decision.FAILED
    assert correction.after["decision"] == Decision.PASSED
    assert correction.before["theory_percent"] != 75 and correction.after["theory_percent"] == 75
    assert correction.before["practical_percent"] == correction.after["practical_percent"] == 100


@pytest.mark.parametrize(
    ("persona", "reason", "changes"),
    [
        ("chair", "", {"decision": Decision.PASSED}),
        ("chair", "  ", {"decision": Decision.PASSED}),
        ("member_a", "Ошибка", {"decision": Decision.PASSED}),
        ("staff", "Ошибка", {"decision": Decision.PASSED}),
        ("other_expert", "Ошибка", {"decision": Decision.PASSED}),
        ("chair", "Ошибка", {"decision": "excellent"}),
        ("chair", "Ошибка", {"failed_topics": []}),
    ],
    ids=["no_reason", "blank_reason", "member", "staff", "other_expert", "unknown_decision", "unknown_field"],
)
def test_a_correction_needs_a_reason_the_chair_or_the_head_and_known_values(
    request, approved, persona, reason, changes
):
    refused(
        lambda: services.result_correct(
            result=approved.result, by=request.getfixturevalue(persona), reason=reason, **changes
        )
    )


def test_results_that_are_not_approved_are_not_corrected_this_way(completed, chair):
    result = ExamResult.objects.get(enrolment=completed.enrolment)
    refused(lambda: services.result_correct(result=result, by=chair, reason="Ошибка", decision=Decision.FAILED))


def test_presence_is_marked_by_staff_in_an_open_or_running_session(planned_session, enrolment, staff, chair):
    # Still planned.
    refused(lambda: services.mark_presence(enrolment=enrolment, by=staff, present=True, **ID_CHECK))
    services.session_open(session=planned_session, by=staff)
    assert Enrolment.objects.get(pk=enrolment.pk).present is None
    refused(lambda: services.mark_presence(enrolment=enrolment, by=chair, present=True, **ID_CHECK))
    services.mark_presence(enrolment=enrolment, by=staff, present=True, **ID_CHECK)
    assert Enrolment.objects.get(pk=enrolment.pk).present is True


def test_the_application_history_records_every_exam_move(completed, chair):
    services.session_approve(session=completed.session, by=chair)
    moves = list(
        ApplicationTransition.objects.filter(application=fresh(completed.enrolment).application)
        .order_by("id")
        .values_list("to_status", flat=True)
    )
    assert moves[-2:] == [A.SCHEDULED, A.PASSED]


def test_allowed_session_actions_follow_the_status_and_the_role(planned_session, staff, chair, member_a, candidate):
    """One place decides the buttons: staff's moves and work by status, the chair's approval, nobody else's."""
    assert services.allowed_session_actions(planned_session, staff) == {
        "open",
        "cancel",
        "enrol",
        "reschedule",
        "unenrol",
        "extra_time",
    }
    assert services.allowed_session_actions(planned_session, candidate) == set()
    ExamSession.objects.filter(pk=planned_session.pk).update(status=SessionStatus.COMPLETED)
    planned_session.refresh_from_db()
    assert services.allowed_session_actions(planned_session, staff) == {"paper"}
    assert services.allowed_session_actions(planned_session, chair, chair=True) == {"approve", "score"}
    assert services.allowed_session_actions(planned_session, member_a) == {"score"}
    ExamSession.objects.filter(pk=planned_session.pk).update(status=SessionStatus.RESULTS_APPROVED)
    planned_session.refresh_from_db()
    assert services.allowed_session_actions(planned_session, chair, chair=True) == {"correct"}
    assert services.allowed_session_actions(planned_session, staff) == {"documents"}
