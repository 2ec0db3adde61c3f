"""The profile's «Add another» education record: a second block appears, numbered, and both are saved;
a profile that already has records shows no blank block."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.models import EducationRecord
from tests.factories import CandidateProfileFactory
from tests.helpers.browser import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]


def fill_education(page, index, institution):
    page.locator(f"#id_education-{index}-level").select_option(index=1)
    page.locator(f"#id_education-{index}-institution").fill(institution)
    page.locator(f"#id_education-{index}-completed_on").fill("2015-06-30")


def test_add_another_education_record_and_save_both(live_server, browser):
    profile = CandidateProfileFactory()
    page = new_page(browser)
    log_in(page, live_server.url, profile.user.email)
    page.goto(live_server.url + reverse("candidates:profile"))
    fill_education(page, 0, "Колледж № 1")
    page.get_by_role("button", name="Add another education record").click()
    expect(page.locator("#id_education-1-level")).to_be_focused()  # the new block takes the focus
    fill_education(page, 1, "Университет № 2")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert sorted(EducationRecord.objects.filter(profile=profile).values_list("institution", flat=True)) == [
        "Колледж № 1",
        "Университет № 2",
    ]
    page.goto(live_server.url + reverse("candidates:profile"))
    # Two saved records, no blank third block.
    expect(page.locator("[data-formset-forms=education] > div")).to_have_count(2)
    page.context.close()
