"""A candidate applies with documents, staff accept, the candidate sees the decision."""

import re

import pytest
from playwright.sync_api import expect

from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, CandidateProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button").click()


def test_apply_then_staff_accepts_then_candidate_sees_it(live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    candidate = CandidateProfileFactory(user=UserFactory(email="ivanov@example.test", role=Role.CANDIDATE)).user
    staff = UserFactory(email="reviewer@qac.local", role=Role.STAFF, is_staff=True)
    base = live_server.url

    # The candidate starts from the public catalogue.
    cand = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    cand.goto(f"{base}/qualifications/31.00400.02/")
    cand.get_by_role("link", name="Подать заявление на эту квалификацию").click()
    expect(cand).to_have_url(re.compile(r"/accounts/login/"))
    cand.locator("#id_username").fill(candidate.email)
    cand.locator("#id_password").fill(DEFAULT_PASSWORD)
    cand.locator("main").get_by_role("button").click()

    # Back on the new-application form with the qualification chosen.
    expect(cand.locator("#id_qualification")).to_have_value(
        str(Application._meta.get_field("qualification").related_model.objects.get(code="31.00400.02").pk)
    )
    cand.locator("main").get_by_role("button", name="Открыть черновик").click()
    expect(cand.locator("h1")).to_contain_text("Заявление")

    # Attach every mandatory document.
    options = cand.locator("#id_required_document option")
    for i in range(options.count()):
        value = options.nth(i).get_attribute("value")
        label = options.nth(i).inner_text()
        if "СНИЛС" in label:  # optional
            continue
        cand.locator("#id_required_document").select_option(value)
        cand.locator("#id_file").set_input_files({"name": f"doc{i}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        cand.get_by_role("button", name="Прикрепить").click()
        expect(cand.locator(".alert-success")).to_be_visible()

    cand.locator("#id_consent_personal_data").check()
    cand.locator("#id_accept_exam_rules").check()
    cand.get_by_test_id("submit-application").click()
    expect(cand.locator("h1 [data-status]")).to_have_attribute("data-status", "submitted")
    application = Application.objects.get(candidate=candidate)
    assert application.number

    # Staff find it in the queue by SNILS and accept it.
    staff_page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(staff_page, base, staff.email)
    staff_page.goto(f"{base}/staff/applications/?q={candidate.candidate_profile.snils}")
    staff_page.get_by_role("link", name=application.number).click()
    expect(staff_page.get_by_text(candidate.candidate_profile.snils_display)).to_be_visible()
    with staff_page.expect_navigation(wait_until="domcontentloaded"):
        staff_page.get_by_test_id("accept").click()
    expect(staff_page.locator("h1 [data-status]")).to_have_attribute("data-status", "accepted")

    # The candidate sees the decision on the dashboard and the application page.
    cand.goto(f"{base}/me/applications/")
    row = cand.get_by_role("row", name=re.compile(application.number))
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "accepted")
    row.get_by_role("link", name=application.number).click()
    expect(cand.locator(".alert-success")).to_contain_text("принято")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.history.filter(to_status=ApplicationStatus.ACCEPTED, by=staff).exists()
