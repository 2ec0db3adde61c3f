"""The legal issuing path in the browser, as staff walk it (Decree 1204 p.15-17, Order 725n).

The session is built through the services up to "completed": one candidate
who passed the theory test (every answer right) and the practical stage
(every expert gave every criterion its maximum). Celery runs eagerly in
tests, so each request runs the work it queues (the package, the documents,
their rendering).
"""

import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qac.accounts.roles import Role
from qac.certificates.models import IssuedDocument, Kind, RenderStatus
from qac.exams import selectors as exam_selectors
from qac.exams import services as exam_services
from qac.exams.models import Choice, Decision, ExamResult, SessionStatus
from qac.registry.stub import write_stub_answer
from standards.models import PracticalCriterion, Qualification
from tests.builders import accepted_application, session_in_progress
from tests.factories import CandidateProfileFactory, UserFactory
from tests.helpers.browser import log_in, make_bank, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

QUALIFICATION = "31.00400.02"
QUESTIONS = 3
SURNAME, NAME, PATRONYMIC = "Кравцова", "Евгения", "Олеговна"


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


def qr_payload(pdf: bytes, tmp_path) -> str:
    """The QR code of the PDF's first page, read back with zbarimg (Debian's zbar-tools)."""
    pdf_path = tmp_path / "doc.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p*.png")
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], check=True, capture_output=True, text=True).stdout
    return out.strip()


def test_the_legal_path_from_approval_to_a_certificate_the_holder_downloads_and_anyone_verifies(
    live_server, browser, settings, tmp_path
):
    """Approve -> package -> sent -> the Council's decision -> export -> the register's answer uploaded ->
    the certificate numbered and rendered -> handed over -> downloaded -> verified."""
    settings.MEDIA_ROOT = tmp_path / "media"
    qualification = Qualification.objects.get(code=QUALIFICATION)
    spec = qualification.exam_spec
    spec.theory_question_count = QUESTIONS
    spec.save()
    make_bank(qualification, prefix="CQ")
    staff, chair, candidate, session = completed_session(qualification)
    base = live_server.url

    # The chair approves the results on the commission's page: nothing is issued yet.
    chair_page = new_page(browser)
    log_in(chair_page, base, chair.email)
    chair_page.goto(f"{base}/expert/sessions/{session.pk}/")
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.COMPLETED)
    chair_page.get_by_test_id("approve").click()
    expect(chair_page.locator("h1 [data-status]")).to_have_attribute("data-status", SessionStatus.RESULTS_APPROVED)
    chair_page.context.close()
    assert not IssuedDocument.objects.exists()

    # Staff see the Council's deadlines on their home page, then the session's package.
    staff_page = new_page(browser)
    log_in(staff_page, base, staff.email)
    staff_page.goto(f"{base}/")
    board = staff_page.get_by_test_id("deadline-board")
    expect(board.get_by_test_id("board-council.packages")).to_contain_text("1")
    staff_page.goto(f"{base}/staff/council/")
    staff_page.get_by_test_id("council-row").get_by_role("link").click()
    package = staff_page.get_by_test_id("council-package")
    with staff_page.expect_download() as download_info:
        package.get_by_test_id("package-download").click()
    archive = zipfile.ZipFile(download_info.value.path())
    assert "01-protocol.pdf" in archive.namelist()
    assert any(name.endswith("application-706n.pdf") for name in archive.namelist())

    # The package goes to the Council; its decision comes back and is recorded.
    package.locator("#id_reference").fill("Исх. № 7 от сегодня")
    package.get_by_role("button", name="Record that it was sent").click()
    expect(staff_page.locator(".alert-success")).to_be_visible()
    decision = staff_page.get_by_test_id("council-decision")
    decision.locator("#id_number").fill("СПК-АП/12")
    decision.get_by_role("button", name="Record the decision").click()
    expect(staff_page.get_by_test_id("verdict")).to_contain_text("Issue a certificate")
    document = IssuedDocument.objects.get(holder=candidate)
    assert document.kind == Kind.CERTIFICATE and document.number == ""

    # The export reports it; the register's answer (the stand-in's file here) is uploaded on the registry page.
    staff_page.goto(f"{base}/staff/registry/")
    staff_page.get_by_role("button", name="Export now").click()
    expect(staff_page.locator(".alert-success")).to_be_visible()
    answer = tmp_path / "answer.csv"
    with answer.open("wb") as out:
        write_stub_answer(out, "csv")
    staff_page.get_by_test_id("register-answers").locator("input[type=file]").set_input_files(str(answer))
    staff_page.get_by_role("button", name="Import the answer").click()
    expect(staff_page.get_by_test_id("answer-import").first).to_contain_text("1")
    document.refresh_from_db()
    assert document.number.startswith(f"{QUALIFICATION}.") and document.register_url.endswith(document.number)
    assert document.render_status == RenderStatus.RENDERED, document.render_error

    # The document appears with its number; staff hand it over in person.
    staff_page.goto(f"{base}/staff/documents/{document.pk}/")
    expect(staff_page.get_by_test_id("doc-number")).to_contain_text(document.number)
    deliver = staff_page.get_by_test_id("deliver")
    deliver.locator("#id_recipient").fill(f"{SURNAME} {NAME} {PATRONYMIC}, лично")
    deliver.get_by_role("button", name="Record the issue").click()
    expect(staff_page.locator(".alert-success")).to_be_visible()
    staff_page.context.close()
    document.refresh_from_db()
    assert document.delivered_on is not None

    # The holder downloads the PDF: the number the register gave, and the QR code holds the register's link.
    candidate_page = new_page(browser)
    log_in(candidate_page, base, candidate.email)
    candidate_page.goto(f"{base}/")
    mine = candidate_page.get_by_test_id("my-document")
    expect(mine).to_contain_text(document.number)
    with candidate_page.expect_download() as download_info:
        mine.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{document.number}.pdf"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF") and len(body) == document.size
    assert qr_payload(body, tmp_path).splitlines()[0] == document.register_url
    candidate_page.context.close()

    # Anyone checks it by number and date of issue and sees surname and initials only.
    anonymous = new_page(browser)
    anonymous.goto(f"{base}/verify/?number={document.number}&issue_date={document.issue_date.isoformat()}")
    expect(anonymous.get_by_test_id("verify-status")).to_have_attribute("data-status", "valid")
    main = anonymous.locator("main")
    expect(main).to_contain_text(f"{SURNAME} {NAME[0]}. {PATRONYMIC[0]}.")
    expect(main).not_to_contain_text(PATRONYMIC)
    anonymous.context.close()
