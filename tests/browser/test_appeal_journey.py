"""Fail -> appeal -> the commission satisfies it -> re-exam -> certificate, in the browser (Order 701n).

The exams themselves are built through the services (the exam journeys test those pages); the appeal is
walked on its pages: the candidate files it with a file, staff forward it, record the commission's
decision and carry it out, the candidate sees each step; the re-exam's certificate then reaches them.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from candidates.models import ApplicationStatus
from qac.accounts.roles import Role
from qac.appeals.models import Appeal, AppealStatus
from qac.certificates.models import IssuedDocument, Kind, RenderStatus
from qac.exams import services as exam_services
from tests.builders import session_in_progress
from tests.factories import UserFactory
from tests.helpers.browser import log_in, new_page
from tests.helpers.certificates import FAIL_PRACTICAL, exam, make_candidate
from tests.helpers.exams import criteria_of, make_qualification
from tests.helpers.legal import awaiting, council_decide, register

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]


def sit_and_pass(application, *, qualification, staff, commission):
    chair, *experts = commission
    session, (enrolment,) = session_in_progress(
        qualification=qualification, staff=staff, chair=chair, experts=experts, applications=[application]
    )
    exam_services.theory_record_paper(enrolment=enrolment, by=staff, percent=100, reason="Тест на бумаге")
    c1, c2 = criteria_of(qualification)
    for expert in commission:
        exam_services.practical_save_scores(enrolment=enrolment, expert=expert, scores={c1.pk: 5, c2.pk: 5})
    exam_services.session_complete(session=session, by=staff)
    exam_services.session_approve(session=session, by=chair)
    return session


def test_fail_appeal_satisfied_reexam_certificate(live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    staff = UserFactory(email="staff.appeals@qac.local", role=Role.STAFF, is_staff=True)
    commission = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    candidate = make_candidate(last_name="Апеллянтов", email="appellant@example.test")
    qualification = make_qualification()
    failed = exam(
        staff=staff, commission=commission, qualification=qualification, outcomes=[FAIL_PRACTICAL], holders=[candidate]
    )
    council_decide(failed.session, staff)
    application = failed.results[0].enrolment.application
    evidence = tmp_path / "protest.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% appeal evidence\n")

    # The candidate appeals from the application page, within the 30 days it shows.
    me = new_page(browser)
    log_in(me, base, candidate.email)
    me.goto(f"{base}/me/applications/{application.pk}/")
    closes = (timezone.localdate() + timedelta(days=30)).strftime("%d.%m.%Y")
    expect(me.get_by_test_id("appeal-panel")).to_contain_text(closes)
    me.get_by_test_id("file-appeal").click()
    form = me.get_by_test_id("appeal-form")
    form.get_by_label("Disagreement with the decisions taken on the exam's results").check()
    form.locator("#id_statement").fill("Критерий 2 выполнен, прошу пересмотреть результат.")
    form.locator("input[type=file]").set_input_files(str(evidence))
    me.get_by_test_id("submit-appeal").click()
    appeal = Appeal.objects.get()
    expect(me.get_by_test_id(f"appeal-{appeal.pk}").locator("[data-status]")).to_have_attribute("data-status", "filed")
    expect(me.get_by_test_id("file-appeal")).to_have_count(0)

    # Staff forward it, record that the commission satisfied it (a re-exam), and carry it out.
    desk = new_page(browser)
    log_in(desk, base, staff.email)
    desk.goto(f"{base}/staff/appeals/?state=filed")
    desk.get_by_test_id("appeal-row").get_by_role("link").first.click()
    desk.get_by_test_id("forward-form").locator("#id_reference").fill("Исх. № 9")
    desk.get_by_test_id("forward").click()
    expect(desk.get_by_test_id("appeal-status")).to_have_attribute("data-status", AppealStatus.FORWARDED)
    decide = desk.get_by_test_id("decide-form")
    decide.get_by_label("Satisfied", exact=True).check()
    decide.locator("#id_number").fill("АК-7")
    decide.locator("#id_text").fill("Провести повторный экзамен без оплаты.")
    decide.locator("#id_remedy").select_option("reexam")
    decide.locator("#id_execute_by").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    desk.get_by_test_id("decide").click()
    expect(desk.get_by_test_id("appeal-status")).to_have_attribute("data-status", AppealStatus.SATISFIED)
    desk.get_by_test_id("execute").click()
    expect(desk.get_by_test_id("appeal-status")).to_have_attribute("data-status", AppealStatus.EXECUTED)
    desk.context.close()

    # The candidate sees the decision carried out: the application is accepted again for a new exam.
    me.reload()
    expect(me.locator("h1 [data-status]")).to_have_attribute("data-status", ApplicationStatus.ACCEPTED)
    expect(me.get_by_test_id(f"appeal-{appeal.pk}")).to_contain_text("АК-7")

    # The re-exam is passed; the Council decides, the register numbers the certificate, it is rendered.
    application.refresh_from_db()
    session = sit_and_pass(application, qualification=qualification, staff=staff, commission=commission)
    council_decide(session, staff, number="16/2026")
    register(awaiting(session))
    certificate = IssuedDocument.objects.get(result__enrolment__session=session, kind=Kind.CERTIFICATE)
    assert certificate.render_status == RenderStatus.RENDERED, certificate.render_error

    me.goto(f"{base}/")
    expect(me.get_by_test_id("my-document").filter(has_text=certificate.number)).to_have_count(1)
    me.context.close()
