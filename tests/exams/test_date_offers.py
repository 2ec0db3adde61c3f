"""Agreeing the exam date (Decree 1204 p.8-9): staff offer sessions, the candidate confirms one or asks
for another date, or staff record the answer given by phone; confirming enrols through the exams services."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus, CallTask, NotifyBy
from qac.accounts.roles import Role
from qac.exams import offers, services
from qac.exams.models import DateOffer, DateOfferEvent, DateOfferStatus, Enrolment, EnrolmentStatus, ExamSession
from tests.factories import UserFactory
from tests.helpers.exams import accepted_application, make_qualification, plan_session, ru
from tests.helpers.threads import run_at_once

O = DateOfferStatus  # noqa: E741


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def snapshot() -> dict:
    """What a refused answer must leave alone: offers, their history, enrolments, applications, the outbox."""
    return {
        "offers": list(DateOffer.objects.order_by("pk").values_list("pk", "status", "version", "session")),
        "events": DateOfferEvent.objects.count(),
        "enrolments": list(Enrolment.objects.order_by("pk").values_list("pk", "session", "application", "status")),
        "applications": list(
            Application.objects.order_by("pk").values_list("pk", "status", "version", "date_offered_at")
        ),
        "mail": len(mail.outbox),
    }


def refused(client: Client, url: str, data: dict) -> None:
    """Post ``data``: the page says no, and nothing in ``snapshot()`` changes."""
    before = snapshot()
    response = client.post(url, data)
    assert flashed(response)[0][0] == "error"
    assert snapshot() == before


def answer_url(offer) -> str:
    return reverse("exams:my_date_offer_answer", args=[offer.pk])


def staff_action_url(offer) -> str:
    return reverse("exams:staff_date_offer_action", args=[offer.pk])


@pytest.fixture
def two_sessions(make_session):
    return make_session(days=3, capacity=2), make_session(days=5, capacity=2)


@pytest.fixture
def offer(application, two_sessions, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = offers.date_offer_make(application=application, sessions=list(two_sessions), by=staff, message="Ждём")
    return made


def fresh_offer(offer) -> DateOffer:
    return DateOffer.objects.select_related("application").get(pk=offer.pk)


# --- Making an offer ---------------------------------------------------------------------------------


def test_an_offer_marks_the_application_as_waiting_and_mails_the_candidate(offer, application, candidate):
    application.refresh_from_db()
    assert application.date_offered_at is not None and application.status == ApplicationStatus.ACCEPTED
    assert offer.status == O.OFFERED and offer.sessions.count() == 2
    assert [m.to for m in mail.outbox if "exam-date" in m.body] == [[candidate.email]]
    assert list(offer.events.values_list("from_status", "to_status")) == [("", O.OFFERED)]


@pytest.mark.parametrize("status", [s for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT])
def test_dates_are_offered_by_the_rule_the_application_page_shows(application, staff, make_session, status):
    """The staff page's "offer exam dates" button and ``date_offer_make`` ask one rule, ``exam_date_open``."""
    Application.objects.filter(pk=application.pk).update(status=status)
    application.refresh_from_db()
    allowed = status == ApplicationStatus.ACCEPTED
    assert ("offer_dates" in candidate_services.allowed_application_actions(application, actor="staff")) is allowed
    assert offers.offer_allowed(application=application) is allowed
    page = client_for(staff).get(reverse("candidates:staff_application", args=[application.pk])).content.decode()
    assert ('data-testid="agree-date"' in page) is allowed
    if allowed:
        return
    session = make_session()
    before = snapshot()
    with translation.override("en"), pytest.raises(offers.OfferError, match="offered only for an accepted"):
        offers.date_offer_make(application=application, sessions=[session], by=staff)
    assert snapshot() == before


def test_an_offer_of_another_qualifications_session_is_refused(application, staff, make_session):
    foreign = make_session(qualification=make_qualification())
    before = snapshot()
    with translation.override("en"), pytest.raises(offers.OfferError, match="another qualification"):
        offers.date_offer_make(application=application, sessions=[foreign], by=staff)
    assert snapshot() == before


def test_the_staff_form_does_not_accept_another_qualifications_session(application, staff, make_session):
    foreign = make_session(qualification=make_qualification())
    before = snapshot()
    response = client_for(staff).post(
        reverse("exams:staff_date_offer", args=[application.pk]), {"sessions": [foreign.pk]}
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_only_planned_or_open_sessions_with_a_free_place_are_offered(application, staff, make_session):
    full = make_session(days=4, capacity=1)
    services.enrol(
        session=full,
        applications=[
            accepted_application(
                candidate=UserFactory(role=Role.CANDIDATE), qualification=application.qualification, staff=staff
            )
        ],
        by=staff,
    )
    cancelled = make_session(days=6)
    services.session_cancel(session=cancelled, by=staff, reason="Нет экспертов")
    good = make_session(days=8)
    assert list(offers.offerable_sessions(application=application)) == [good]
    for bad in (full, cancelled):
        with pytest.raises(offers.OfferError):
            offers.date_offer_make(application=application, sessions=[bad], by=staff)


def test_a_new_offer_withdraws_the_waiting_one(offer, application, staff, make_session):
    second = offers.date_offer_make(application=application, sessions=[make_session(days=9)], by=staff)
    assert fresh_offer(offer).status == O.WITHDRAWN
    assert DateOffer.objects.filter(application=application, status=O.OFFERED).get() == second


def test_a_candidate_cannot_make_an_offer(application, candidate, two_sessions):
    with pytest.raises(offers.OfferError):
        offers.date_offer_make(application=application, sessions=list(two_sessions), by=candidate)


# --- The candidate answers on the site ------------------------------------------------------------------


def test_the_candidate_confirms_a_session_and_is_enrolled(
    offer, application, candidate, two_sessions, django_capture_on_commit_callbacks
):
    session = two_sessions[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(candidate).post(
            answer_url(offer), {"action": "confirm", "version": offer.version, "session": session.pk}
        )
    assert response.status_code == 302
    assert flashed(response)[0][0] == "success"
    offer = fresh_offer(offer)
    assert (offer.status, offer.session) == (O.CONFIRMED, session)
    enrolment = Enrolment.objects.get(application=application, status=EnrolmentStatus.ENROLLED)
    assert enrolment.session == session and enrolment.enrolled_by == candidate
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCHEDULED
    assert application.date_offered_at is None and application.review_due_on is None
    event = offer.events.last()
    assert (event.to_status, event.via, event.by, event.session) == (O.CONFIRMED, "site", candidate, session)
    # The invitation with its calendar file goes out as for any enrolment.
    assert any(m.attachments and candidate.email in m.to for m in mail.outbox)


def test_confirming_a_full_session_is_refused_and_changes_nothing(offer, application, candidate, two_sessions, staff):
    session = two_sessions[0]
    others = [
        accepted_application(
            candidate=UserFactory(role=Role.CANDIDATE), qualification=application.qualification, staff=staff
        )
        for _ in range(2)
    ]
    services.enrol(session=session, applications=others, by=staff)
    before = snapshot()
    response = client_for(candidate).post(
        answer_url(offer), {"action": "confirm", "version": offer.version, "session": session.pk}
    )
    assert response.status_code == 302
    assert flashed(response) == [
        (
            "error",
            ru(
                "The session of %(session)s is full: choose another date or ask for another one.",
                session=services._session_label(session),
            ),
        )
    ]
    assert snapshot() == before


def test_confirming_a_cancelled_session_is_refused_and_changes_nothing(offer, candidate, two_sessions, staff):
    session = two_sessions[0]
    services.session_cancel(session=session, by=staff, reason="Болезнь эксперта")
    refused(
        client_for(candidate), answer_url(offer), {"action": "confirm", "version": offer.version, "session": session.pk}
    )
    with translation.override("en"), pytest.raises(offers.OfferError, match="cancelled"):
        offers.date_offer_confirm(offer=offer, session=session, by=candidate)


def test_confirming_a_session_that_has_started_is_refused(offer, candidate, two_sessions):
    session = two_sessions[0]
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=5), status="open"
    )
    before = snapshot()
    with translation.override("en"), pytest.raises(offers.OfferError, match="started"):
        offers.date_offer_confirm(offer=offer, session=ExamSession.objects.get(pk=session.pk), by=candidate)
    assert snapshot() == before


def test_confirming_a_session_that_was_not_offered_is_refused(offer, candidate, make_session):
    other = make_session(days=10)
    before = snapshot()
    with translation.override("en"), pytest.raises(offers.OfferError, match="sessions offered"):
        offers.date_offer_confirm(offer=offer, session=other, by=candidate)
    assert snapshot() == before


def test_confirming_twice_from_two_browsers_enrols_once(offer, application, candidate, two_sessions):
    first, second = client_for(candidate), client_for(candidate)
    data = {"action": "confirm", "version": offer.version, "session": two_sessions[0].pk}
    first.post(answer_url(offer), data)
    refused(second, answer_url(offer), {**data, "session": two_sessions[1].pk})
    assert Enrolment.objects.filter(application=application).count() == 1


@pytest.mark.usefixtures("committed_catalogue")
def test_two_confirmations_at_the_same_moment_enrol_once():
    """Real threads: the offer's row lock (IMMEDIATE transactions on SQLite) lets exactly one through."""
    staff = UserFactory(role=Role.STAFF)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    qualification = make_qualification()
    candidate = UserFactory(role=Role.CANDIDATE)
    application = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
    chair, *members = experts
    sessions = [
        plan_session(by=staff, qualification=qualification, chair=chair, experts=members, days=days, capacity=3)
        for days in (3, 5)
    ]
    offer = offers.date_offer_make(application=application, sessions=sessions, by=staff)
    outcomes = run_at_once(
        *(
            (lambda s=s: offers.date_offer_confirm(offer=DateOffer.objects.get(pk=offer.pk), session=s, by=candidate))
            for s in sessions
        )
    )
    assert sum(isinstance(o, DateOffer) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, offers.OfferError) for o in outcomes) == 1, outcomes
    assert Enrolment.objects.filter(application=application, status=EnrolmentStatus.ENROLLED).count() == 1


def test_the_candidate_asks_for_another_date_with_a_comment(offer, application, candidate):
    response = client_for(candidate).post(
        answer_url(offer), {"action": "decline", "version": offer.version, "text": "Только по субботам"}
    )
    assert response.status_code == 302
    offer = fresh_offer(offer)
    assert offer.status == O.DECLINED and offer.events.last().note == "Только по субботам"
    application.refresh_from_db()
    # Back in "date to agree": staff offer again.
    assert application.date_offered_at is None and application.status == ApplicationStatus.ACCEPTED
    assert not Enrolment.objects.filter(application=application).exists()


def test_asking_for_another_date_needs_a_comment(offer, candidate):
    refused(client_for(candidate), answer_url(offer), {"action": "decline", "version": offer.version})


def test_another_candidates_offer_is_404_and_changes_nothing(offer, other_candidate, two_sessions, application):
    c = client_for(other_candidate)
    before = snapshot()
    data = {"action": "confirm", "version": offer.version, "session": two_sessions[0].pk}
    assert c.post(answer_url(offer), data).status_code == 404
    assert c.get(reverse("exams:my_date_offer", args=[application.pk])).status_code == 404
    assert snapshot() == before
    with pytest.raises(offers.OfferError):
        offers.date_offer_confirm(offer=offer, session=two_sessions[0], by=other_candidate)
    assert snapshot() == before


def test_a_candidate_cannot_use_the_staff_actions(offer, candidate, two_sessions):
    refused(
        client_for(candidate),
        answer_url(offer),
        {"action": "withdraw", "version": offer.version, "session": two_sessions[0].pk},
    )


def test_the_candidate_page_shows_the_offer_and_the_deadline(offer, application, candidate):
    page = client_for(candidate).get(reverse("exams:my_date_offer", args=[application.pk])).content.decode()
    assert 'data-testid="confirm-date"' in page and 'data-testid="decline-date"' in page
    assert application.review_due_on.strftime("%d.%m.%Y") in page
    detail = client_for(candidate).get(reverse("candidates:application", args=[application.pk])).content.decode()
    assert 'data-testid="choose-date"' in detail and 'data-testid="agree-by"' in detail


# --- Staff record answers given by phone ------------------------------------------------------------------


def test_staff_record_a_confirmation_given_by_phone(offer, application, staff, two_sessions):
    response = client_for(staff).post(
        staff_action_url(offer),
        {"action": "confirm_phone", "version": offer.version, "session": two_sessions[0].pk, "text": "Позвонил, 10:00"},
    )
    assert response.status_code == 302
    offer = fresh_offer(offer)
    assert offer.status == O.CONFIRMED
    event = offer.events.last()
    assert (event.via, event.by, event.note, event.session) == ("phone", staff, "Позвонил, 10:00", two_sessions[0])
    assert event.at is not None
    assert Enrolment.objects.get(application=application).session == two_sessions[0]


def test_a_phone_confirmation_needs_the_phone_note(offer, staff, two_sessions):
    refused(
        client_for(staff),
        staff_action_url(offer),
        {"action": "confirm_phone", "version": offer.version, "session": two_sessions[0].pk},
    )


def test_staff_withdraw_an_offer(offer, application, staff):
    client_for(staff).post(staff_action_url(offer), {"action": "withdraw", "version": offer.version})
    assert fresh_offer(offer).status == O.WITHDRAWN
    application.refresh_from_db()
    assert application.date_offered_at is None


def test_withdrawn_offers_cannot_be_confirmed(offer, staff, candidate, two_sessions):
    offers.date_offer_withdraw(offer=offer, by=staff)
    before = snapshot()
    with pytest.raises(offers.OfferError):
        offers.date_offer_confirm(offer=fresh_offer(offer), session=two_sessions[0], by=candidate)
    assert snapshot() == before


def test_offers_of_sessions_all_cancelled_expire(offer, two_sessions, staff, application):
    for s in two_sessions:
        services.session_cancel(session=s, by=staff, reason="Отмена")
    assert offers.date_offers_expire() == 1
    offer = fresh_offer(offer)
    assert offer.status == O.EXPIRED and offer.events.last().by is None
    application.refresh_from_db()
    assert application.date_offered_at is None
    assert offers.date_offers_expire() == 0


# --- Phone candidates: calls to make ------------------------------------------------------------------


def test_a_phone_candidate_gets_a_call_task_for_the_offer_and_staff_record_the_call(application, two_sessions, staff):
    Application.objects.filter(pk=application.pk).update(notify_by=NotifyBy.PHONE)
    application.refresh_from_db()
    offers.date_offer_make(application=application, sessions=list(two_sessions), by=staff)
    task = CallTask.objects.get(application=application, event=CallTask.Event.DATE_OFFER)
    page = client_for(staff).get(reverse("candidates:staff_application", args=[application.pk])).content.decode()
    assert 'data-testid="calls-due"' in page
    response = client_for(staff).post(reverse("candidates:staff_call_done", args=[task.pk]), {"note": "Дозвонился"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.called_by, task.note) == (staff, "Дозвонился") and task.called_at is not None
    again = client_for(staff).post(reverse("candidates:staff_call_done", args=[task.pk]))
    assert flashed(again)[0][0] == "warning"
    task.refresh_from_db()
    assert task.note == "Дозвонился"


def test_an_email_candidate_gets_no_call_task(offer, application):
    assert not CallTask.objects.filter(application=application).exists()


# --- Who may open the offer pages ---------------------------------------------------------------------

DATE_OFFER_ENDPOINTS = {
    # name -> (method, args, expected by persona); None: sent to log in.
    "my_date_offer": ("get", lambda o: [o.application_id], {"candidate": 200, "other_candidate": 404, "staff": 403}),
    "my_date_offer_answer": ("post", lambda o: [o.pk], {"candidate": 302, "other_candidate": 404, "staff": 403}),
    "staff_date_offer": ("get", lambda o: [o.application_id], {"candidate": 403, "other_candidate": 403, "staff": 200}),
    "staff_date_offer_action": ("post", lambda o: [o.pk], {"candidate": 403, "other_candidate": 403, "staff": 302}),
}


@pytest.mark.parametrize("persona", ["anonymous", "candidate", "other_candidate", "expert", "staff"])
@pytest.mark.parametrize("name", list(DATE_OFFER_ENDPOINTS))
def test_the_offer_pages_answer_only_their_people(persona_client, offer, persona, name):
    method, args, expected = DATE_OFFER_ENDPOINTS[name]
    client, _user = persona_client(persona)
    url = reverse(f"exams:{name}", args=args(offer))
    before = snapshot()
    # An incomplete answer: refused with a message by those allowed, so nothing changes for anyone.
    response = client.get(url) if method == "get" else client.post(url, {"action": "confirm"})
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected.get(persona, 403)
    assert snapshot() == before
