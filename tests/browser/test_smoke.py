"""The foundation's browser journey: catalogue, language switch, staff login."""

import re

import pytest
from playwright.sync_api import expect

from qac.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]


def test_catalogue_language_switch_and_staff_login(live_server, page):
    staff = UserFactory(email="staff.browser@qac.local", role=Role.STAFF, is_staff=True)

    # An English-language browser still gets Russian: it is the default.
    page.goto(f"{live_server.url}/qualifications/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Квалификации")
    expect(page.get_by_text("31.00400.02")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Автомехатроник"))).to_be_visible()

    # The switcher turns the interface, and the catalogue's content, to English.
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Qualifications")
    expect(page.get_by_role("link", name=re.compile("Automechatronic for the repair of vehicles"))).to_be_visible()

    # Staff log in by e-mail and see the administration link.
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-menu")).to_have_text(staff.email)
    expect(page.get_by_role("link", name="Administration")).to_be_visible()

    # And back to Russian, still logged in.
    page.get_by_test_id("lang-ru").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name="Администрирование")).to_be_visible()
