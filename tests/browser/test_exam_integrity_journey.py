"""The exam's integrity rules in the browser, from the review of an application to the outcome it shows.

Staff accept the application and offer an exam date; the candidate confirms it.
At the venue staff open the session, grant extra time (an accessibility
adjustment) and start the exam; the candidate, not yet admitted, is offered no
test and a request to start one is refused. Staff then admit the candidate on
an identity document (Decree 1204 p.10); the test opens, from the venue's
network only, with the extra time in its deadline. The experts' scores go in
through the services; staff finish the exam, the chair approves the results,
and the candidate's application shows the outcome.

The question bank, the submission of the application and the experts' scores
are built through the services, to keep the test short.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role
from qac.exams import services as exam_services
from qac.exams.models import (
    Choice,
    DateOffer,
    DateOfferStatus,
    Decision,
    Enrolment,
    ExamResult,
    SessionStatus,
    TheoryAttempt,
)
from standards.models import PracticalCriterion, Qualification
from tests.builders import approve_tools
from tests.factories import CandidateProfileFactory, UserFactory, pdf_upload
from tests.helpers.browser import log_in, make_bank, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

QUALIFICATION = "31.00400.02"
QUESTIONS = 3
TIME_LIMIT_MINUTES = 20
EXTRA_PERCENT = 50
# The limit with the extra time: 20 minutes + 50 %.
LIMIT_WITH_EXTRA = timedelta(minutes=TIME_LIMIT_MINUTES * (100 + EXTRA_PERCENT) / 100)
NOT_ADMITTED = "The test opens once the staff at the venue have checked your identity document and marked you present."
OUTSIDE_VENUE = "The theory test can be taken only from the exam venue's network."


def submitted_application(*, candidate, qualification):
    """Open, attach every mandatory document, submit with consent: the application waits for the staff's review."""
    application = candidate_services.application_create(candidate=candidate, qualification=qualification)
    for required in qualification.required_documents.filter(is_mandatory=True):
        candidate_services.application_attach_document(
            application=application,
            required_document=required,
            uploaded_file=pdf_upload(f"{required.pk}.pdf"),
            by=candidate,
        )
    return candidate_services.application_submit(
        application=application,
        by=candidate,
        consent=candidate_services.Consent(personal_data=True, exam_rules=True, ip="192.0.2.30"),
    )


def action_button(scope, action):
    """The submit button of the form that posts ``action`` (the views' contract, not the button's wording)."""
    return scope.locator(f"form:has(input[name=action][value={action}])").locator("button[type=submit]")


def test_admission_extra_time_and_the_outcome(live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QAC_THEORY_NETWORKS = []
    qualification = Qualification.objects.get(code=QUALIFICATION)
    spec = approve_tools(qualification.exam_spec)
    spec.theory_question_count = QUESTIONS
    spec.theory_time_limit_minutes = TIME_LIMIT_MINUTES
    spec.save()
    make_bank(qualification, prefix="IQ")

    staff = UserFactory(email="staff.integrity@qac.local", role=Role.STAFF, is_staff=True)
    chair = UserFactory(email="chair.integrity@qac.local", role=Role.EXPERT)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(2)]
    candidate = CandidateProfileFactory(user=UserFactory(email="sokolov@example.test", role=Role.CANDIDATE)).user
    application = submitted_application(candidate=candidate, qualification=qualification)
    # The session is planned for later today: a date the staff can still offer.
    starts_at = timezone.now() + timedelta(hours=2)
    session = exam_services.session_create(
        by=staff,
        qualification=qualification,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        venue_address="г. Санкт-Петербург, ул. Тестовая, 1",
        venue_room="204",
        capacity=5,
        chair=chair,
        experts=experts,
    )
    base = live_server.url

    # Staff accept the application on the review page, then offer the session's date.
    staff_page = new_page(browser)
    log_in(staff_page, base, staff.email)
    staff_page.goto(f"{base}/staff/applications/{application.pk}/")
    with staff_page.expect_navigation(wait_until="domcontentloaded"):
        staff_page.get_by_test_id("accept").click()
    expect(staff_page.locator("h1 [data-status]")).to_have_attribute("data-status", ApplicationStatus.ACCEPTED)
    staff_page.get_by_test_id("agree-date").click()
    expect(staff_page).to_have_url(f"{base}/staff/applications/{application.pk}/exam-date/")
    staff_page.locator(f"input[name=sessions][value='{session.pk}']").check()
    staff_page.locator("#id_message").fill("Возьмите паспорт.")
    staff_page.get_by_test_id("offer-dates").click()
    expect(staff_page.locator(".alert-success")).to_be_visible()
    expect(staff_page.get_by_test_id("offer")).to_have_attribute("data-status", DateOfferStatus.OFFERED)

    # The candidate confirms the offered session from the application's page: enrolled, the date agreed.
    candidate_page = new_page(browser)
    log_in(candidate_page, base, candidate.email)
    candidate_page.goto(f"{base}/me/applications/{application.pk}/")
    expect(candidate_page.locator("h1 [data-status]")).to_have_attribute("data-status", ApplicationStatus.ACCEPTED)
    candidate_page.get_by_test_id("choose-date").click()
    offer = candidate_page.get_by_test_id("offer")
    expect(offer.locator(f"input[name=session][value='{session.pk}']")).to_be_checked()
    offer.get_by_test_id("confirm-date").click()
    expect(candidate_page.locator(".alert-success")).to_be_visible()
    expect(candidate_page.get_by_test_id("offer")).to_have_attribute("data-status", DateOfferStatus.CONFIRMED)
    expect(candidate_page.get_by_test_id("confirm-date")).to_have_count(0)
    enrolment = Enrolment.objects.get(session=session, application=application)
    assert DateOffer.objects.get(application=application).session_id == session.pk
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SCHEDULED

    # The exam day: staff open the session and grant extra time with a reason; the candidate is not admitted yet.
    staff_page.goto(f"{base}/staff/exams/{session.pk}/")
    status = staff_page.locator("h1 [data-status]")
    expect(status).to_have_attribute("data-status", SessionStatus.PLANNED)
    action_button(staff_page, "open").click()
    expect(status).to_have_attribute("data-status", SessionStatus.OPEN)
    row = staff_page.locator(f"tr[data-enrolment='{enrolment.pk}']")
    expect(row.get_by_test_id("presence-form")).to_be_visible()  # open at once: not admitted yet
    extra = row.locator("form:has(input[name=action][value=extra_time])")
    extra.locator("xpath=..").locator("summary").click()
    extra.locator("input[name=percent]").fill(str(EXTRA_PERCENT))
    extra.locator("input[name=reason]").fill("Заключение ПМПК: дополнительное время")
    extra.locator("button[type=submit]").click()
    expect(staff_page.locator(".alert-success")).to_have_text("Saved.")  # not the "Done." of the opening
    expect(row).to_contain_text(f"+{EXTRA_PERCENT}%")
    action_button(staff_page, "start").click()
    expect(status).to_have_attribute("data-status", SessionStatus.IN_PROGRESS)
    enrolment.refresh_from_db()
    assert (enrolment.extra_time_percent, enrolment.extra_time_by) == (EXTRA_PERCENT, staff)
    assert enrolment.present is None and enrolment.id_checked_at is None

    # Not marked present: the candidate's page offers no test, and a request to start one is refused.
    candidate_page.goto(f"{base}/me/exams/{enrolment.pk}/")
    expect(candidate_page.get_by_test_id("not-admitted")).to_be_visible()
    expect(candidate_page.get_by_test_id("start-theory")).to_have_count(0)
    expect(candidate_page.locator("main")).to_contain_text(f"+{EXTRA_PERCENT}%")
    with candidate_page.expect_navigation(wait_until="domcontentloaded"):
        # What a page kept from another tab, or a hand-made form, would post.
        candidate_page.evaluate(
            """url => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = url;
                form.appendChild(document.querySelector("input[name=csrfmiddlewaretoken]").cloneNode());
                document.body.appendChild(form);
                form.submit();
            }""",
            f"/me/exams/{enrolment.pk}/theory/",
        )
    expect(candidate_page).to_have_url(f"{base}/me/exams/{enrolment.pk}/")
    expect(candidate_page.locator(".alert-danger")).to_contain_text(NOT_ADMITTED)
    expect(candidate_page.get_by_test_id("start-theory")).to_have_count(0)
    assert not TheoryAttempt.objects.filter(enrolment=enrolment).exists()

    # Staff check the identity document and mark the candidate present: its type and the end of its number.
    identity = Application.objects.select_related("identity").get(pk=application.pk).identity
    tail = identity.id_doc_number[-4:].upper()
    staff_page.reload()
    presence = row.get_by_test_id("presence-form")
    presence.locator("select[name=id_document_type]").select_option(identity.id_doc_type)
    presence.locator("input[name=id_document_tail]").fill(tail)
    presence.locator("button[type=submit]").click()
    expect(staff_page.locator(".alert-success")).to_have_text("Saved.")
    expect(row).to_contain_text(f"…{tail}")
    enrolment.refresh_from_db()
    assert (enrolment.present, enrolment.id_document_type, enrolment.id_document_tail) == (
        True,
        identity.id_doc_type,
        tail,
    )
    assert enrolment.id_checked_by == staff and enrolment.id_checked_at is not None

    # From outside the venue's network the test is refused even now; at the venue it opens.
    settings.QAC_THEORY_NETWORKS = ["192.0.2.0/24"]
    candidate_page.reload()
    candidate_page.get_by_test_id("start-theory").click()
    expect(candidate_page.get_by_test_id("theory-refused")).to_contain_text(OUTSIDE_VENUE)
    assert not TheoryAttempt.objects.filter(enrolment=enrolment).exists()
    settings.QAC_THEORY_NETWORKS = ["127.0.0.0/8", "::1/128"]

    # The candidate starts the test: the deadline is the limit with the extra time.
    candidate_page.goto(f"{base}/me/exams/{enrolment.pk}/")
    candidate_page.get_by_test_id("start-theory").click()
    attempt = TheoryAttempt.objects.get(enrolment=enrolment)
    expect(candidate_page).to_have_url(f"{base}/me/theory/{attempt.pk}/")
    assert attempt.deadline_at - attempt.started_at == LIMIT_WITH_EXTRA
    timer = candidate_page.get_by_test_id("timer")
    ms_left = int(timer.get_attribute("data-ms-left"))
    assert LIMIT_WITH_EXTRA - timedelta(minutes=1) < timedelta(milliseconds=ms_left) <= LIMIT_WITH_EXTRA
    expect(timer).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))

    # Every answer right, each saved as it is given; then the candidate submits and confirms.
    form = candidate_page.get_by_test_id("theory-form")
    saved_message = form.get_attribute("data-msg-saved")
    expect(candidate_page.locator("fieldset[data-question]")).to_have_count(QUESTIONS)
    for question_id in attempt.question_ids:
        right = Choice.objects.get(question_id=question_id, is_correct=True)
        with candidate_page.expect_response(lambda r: r.url.endswith(f"/me/theory/{attempt.pk}/answer/")) as saved:
            candidate_page.locator(f"fieldset[data-question='{question_id}'] #c{right.pk}").check()
        assert saved.value.status == 200, saved.value.text()
        expect(candidate_page.locator("#save-status")).to_have_text(saved_message)
    candidate_page.once("dialog", lambda dialog: dialog.accept())
    candidate_page.get_by_test_id("submit-theory").click()
    expect(candidate_page).to_have_url(f"{base}/me/exams/{enrolment.pk}/")
    expect(candidate_page.get_by_test_id("theory-submitted")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.auto_submitted is False
    assert attempt.score == attempt.max_score == QUESTIONS

    # The experts score the practical stage (through the services): every criterion its maximum.
    criteria = PracticalCriterion.objects.filter(task__spec__qualification=qualification)
    for expert in [chair, *experts]:
        exam_services.practical_save_scores(
            enrolment=enrolment, expert=expert, scores={c.pk: c.max_score for c in criteria}
        )

    # Staff finish the exam; the results are computed.
    staff_page.goto(f"{base}/staff/exams/{session.pk}/")
    action_button(staff_page, "complete").click()
    expect(status).to_have_attribute("data-status", SessionStatus.COMPLETED)
    staff_page.context.close()
    result = ExamResult.objects.get(enrolment=enrolment)
    assert (result.theory_passed, result.practical_passed, result.decision) == (True, True, Decision.PASSED)

    # The chair approves the results on the commission's page.
    chair_page = new_page(browser)
    log_in(chair_page, base, chair.email)
    chair_page.goto(f"{base}/expert/sessions/{session.pk}/")
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.COMPLETED)
    chair_page.get_by_test_id("approve").click()
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.RESULTS_APPROVED)
    chair_page.context.close()

    # The candidate sees the outcome on "My exam" and on the application.
    candidate_page.goto(f"{base}/me/exams/{enrolment.pk}/")
    expect(candidate_page.get_by_test_id("exam-result")).to_contain_text("100%")
    candidate_page.goto(f"{base}/me/applications/{application.pk}/")
    expect(candidate_page.locator("h1 [data-status]")).to_have_attribute("data-status", ApplicationStatus.PASSED)
    candidate_page.context.close()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.PASSED
