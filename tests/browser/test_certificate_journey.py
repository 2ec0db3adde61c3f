"""The chair approves the results, staff watch the certificate render, the holder downloads it, anyone checks it.

The session is built through the services up to "completed": one candidate
who passed the theory test (every answer right) and the practical stage
(every expert gave every criterion its maximum). Celery runs eagerly in
tests, so the approval's request itself issues and renders the certificate.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from qac.accounts.roles import Role
from qac.certificates.models import IssuedDocument, Kind, RenderStatus
from qac.certificates.render import verify_url
from qac.exams import selectors as exam_selectors
from qac.exams import services as exam_services
from qac.exams.models import Choice, Decision, ExamResult, Question, QuestionKind, SessionStatus
from standards.models import PracticalCriterion, Qualification
from tests.builders import accepted_application, session_in_progress
from tests.factories import DEFAULT_PASSWORD, CandidateProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

QUALIFICATION = "31.00400.02"
QUESTIONS = 3
SURNAME, NAME, PATRONYMIC = "Кравцова", "Евгения", "Олеговна"


def make_bank(qualification) -> None:
    """Three single-choice questions over two topics; the first of each question's choices is the correct one."""
    for n, topic in enumerate(["Тормоза", "Двигатель", "Тормоза"], start=1):
        question = Question.objects.create(
            qualification=qualification,
            external_id=f"CQ-{n:03d}",
            topic=topic,
            text=f"Вопрос {n}",
            kind=QuestionKind.SINGLE,
            weight=1,
        )
        Choice.objects.bulk_create(
            [Choice(question=question, text=f"Ответ {n}.{i}", is_correct=i == 0, position=i) for i in range(3)]
        )


def completed_session(qualification):
    """Staff, the chair and the candidate of a completed session whose one candidate passed both stages."""
    staff = UserFactory(email="staff.certs@qac.local", role=Role.STAFF, is_staff=True)
    chair = UserFactory(email="chair.certs@qac.local", role=Role.EXPERT)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(2)]
    candidate = CandidateProfileFactory(
        user=UserFactory(
            email="kravtsova@example.test",
            role=Role.CANDIDATE,
            last_name=SURNAME,
            first_name=NAME,
            patronymic=PATRONYMIC,
        )
    ).user

    application = accepted_application(candidate=candidate, qualification=qualification, staff=staff, ip="192.0.2.20")
    session, (enrolment,) = session_in_progress(
        qualification=qualification,
        staff=staff,
        chair=chair,
        experts=experts,
        applications=[application],
        started_ago=timedelta(hours=2),
    )

    # Theory: every answer right.
    attempt = exam_services.theory_start(enrolment=enrolment, by=candidate)
    for question_id in attempt.question_ids:
        right = list(Choice.objects.filter(question_id=question_id, is_correct=True).values_list("pk", flat=True))
        exam_services.theory_save_answer(
            attempt=attempt,
            question_id=question_id,
            choice_ids=right,
            choices_by_question=exam_selectors.choices_by_question(attempt=attempt, question_id=question_id),
        )
    exam_services.theory_submit(attempt=attempt)

    # Practice: every expert of the commission gives every criterion its maximum.
    criteria = PracticalCriterion.objects.filter(task__spec__qualification=qualification)
    for expert in [chair, *experts]:
        exam_services.practical_save_scores(
            enrolment=enrolment, expert=expert, scores={c.pk: c.max_score for c in criteria}
        )

    exam_services.session_complete(session=session, by=staff)
    result = ExamResult.objects.get(enrolment=enrolment)
    assert (result.theory_passed, result.practical_passed, result.decision) == (True, True, Decision.PASSED)
    return staff, chair, candidate, session


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button").click()
    expect(page.get_by_test_id("user-menu")).to_have_text(email)


def new_page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_approval_renders_the_certificate_the_holder_downloads_and_anyone_verifies(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    qualification = Qualification.objects.get(code=QUALIFICATION)
    spec = qualification.exam_spec
    spec.theory_question_count = QUESTIONS
    spec.save()
    make_bank(qualification)
    staff, chair, candidate, session = completed_session(qualification)
    base = live_server.url

    # The chair approves the results on the commission's page.
    chair_page = new_page(browser)
    log_in(chair_page, base, chair.email)
    chair_page.goto(f"{base}/expert/sessions/{session.pk}/")
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.COMPLETED)
    chair_page.get_by_test_id("approve").click()
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.RESULTS_APPROVED)
    expect(chair_page.get_by_test_id("approve")).to_have_count(0)
    chair_page.context.close()

    document = IssuedDocument.objects.get(holder=candidate)
    assert document.kind == Kind.CERTIFICATE
    assert document.render_status == RenderStatus.RENDERED, document.render_error
    assert document.number.startswith(f"{QUALIFICATION}.")

    # Staff see the session's documents all rendered.
    staff_page = new_page(browser)
    log_in(staff_page, base, staff.email)
    staff_page.goto(f"{base}/staff/documents/sessions/{session.pk}/")
    expect(staff_page.get_by_test_id("progress-done")).to_have_text("1")
    expect(staff_page.locator("#progress-total")).to_have_text("1")
    expect(staff_page.locator("#progress-failed")).to_have_text("0")
    staff_page.context.close()

    # The holder finds the certificate on the home page and downloads its PDF.
    candidate_page = new_page(browser)
    log_in(candidate_page, base, candidate.email)
    candidate_page.goto(f"{base}/")
    mine = candidate_page.get_by_test_id("my-document")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(document.number)
    with candidate_page.expect_download() as download_info:
        mine.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{document.number}.pdf"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF")
    assert len(body) == document.size
    candidate_page.context.close()

    # Anyone who scans the QR code sees the certificate valid, with the holder's surname and initials only.
    anonymous = new_page(browser)
    anonymous.goto(f"{base}{urlsplit(verify_url(document)).path}")
    status = anonymous.get_by_test_id("verify-status")
    expect(status).to_have_attribute("data-status", "valid")
    main = anonymous.locator("main")
    expect(main).to_contain_text(document.number)
    expect(main).to_contain_text(f"{SURNAME} {NAME[0]}. {PATRONYMIC[0]}.")
    expect(main).not_to_contain_text(NAME)
    expect(main).not_to_contain_text(PATRONYMIC)
    anonymous.context.close()
