"""The pages' scripts still work under the strict Content-Security-Policy, and the browser reports no violation.

The inline handlers moved to static/js/forms.js (data-confirm, data-autosubmit); the progress bar's
width and the PDF preview's height moved out of style="" attributes.
"""

import re

import pytest
from playwright.sync_api import expect

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role
from standards.models import Qualification
from tests.factories import DEFAULT_PASSWORD, CandidateProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]


def watched_page(browser):
    """A page that records every Content-Security-Policy violation the browser reports."""
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    page.violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
    return page


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button").click()


def test_deleting_a_draft_asks_first_and_cancelling_sends_nothing(live_server, browser):
    """The confirmation comes from static JS (the CSP allows no inline script); a draft is deleted, not withdrawn."""
    candidate = CandidateProfileFactory(user=UserFactory(email="csp-cand@example.test", role=Role.CANDIDATE)).user
    application = candidate_services.application_create(
        candidate=candidate, qualification=Qualification.objects.get(code="31.00400.02")
    )
    page = watched_page(browser)
    log_in(page, live_server.url, candidate.email)
    page.goto(f"{live_server.url}/me/applications/{application.pk}/")
    expect(page.get_by_role("button", name="Отозвать заявление")).to_have_count(0)

    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_test_id("delete-draft").click()
    page.wait_for_timeout(300)
    assert questions, "the browser asked before deleting"
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT

    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("delete-draft").click()
    expect(page).to_have_url(f"{live_server.url}/me/applications/")
    assert not Application.objects.filter(pk=application.pk).exists()
    assert page.violations == []


def test_the_session_filter_sends_itself_when_changed(live_server, browser):
    staff = UserFactory(email="csp-staff@qac.local", role=Role.STAFF, is_staff=True)
    page = watched_page(browser)
    log_in(page, live_server.url, staff.email)
    page.goto(f"{live_server.url}/staff/exams/")
    page.locator("#status-filter").select_option("planned")
    expect(page).to_have_url(re.compile(r"status=planned"))
    assert page.violations == []
