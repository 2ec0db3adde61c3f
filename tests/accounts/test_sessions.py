"""Session limits (issue 11, item 9; ASVS 5.0 V7.3): head, staff and experts idle out and have a maximum age.

The clock is shifted by rewriting the times the middleware keeps in the session.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from qac.accounts import two_factor
from qac.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGE = "candidates:staff_queue"


def shift(client, *, login_by: float = 0, seen_by: float = 0) -> None:
    """Move the login and last-activity times into the past by so many seconds."""
    session = client.session
    session[two_factor.SESSION_LOGIN_AT] -= login_by
    session[two_factor.SESSION_SEEN_AT] -= seen_by
    session.save()


def ended_message() -> str:
    with translation.override("ru"):
        return translation.gettext("Your session has ended for security reasons. Please log in again.")


def assert_logged_out_to_login(client, response, path):
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"
    assert "_auth_user_id" not in client.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [ended_message()]


@pytest.mark.parametrize("role", [Role.STAFF, Role.HEAD, Role.EXPERT])
def test_a_privileged_session_ends_after_the_idle_time(client, role, settings):
    user = UserFactory(role=role, is_staff=role != Role.EXPERT)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    idle = settings.QAC_STAFF_SESSION_IDLE_MINUTES * 60
    shift(client, login_by=idle - 60, seen_by=idle - 60)
    assert client.get(reverse("home")).status_code == 200, "active within the idle time"
    shift(client, login_by=idle + 1, seen_by=idle + 1)
    path = reverse("home")
    assert_logged_out_to_login(client, client.get(path), path)


def test_activity_keeps_a_staff_session_alive_but_not_past_the_maximum(client, staff, settings):
    client.force_login(staff)
    idle = settings.QAC_STAFF_SESSION_IDLE_MINUTES * 60
    hours = settings.QAC_STAFF_SESSION_MAX_HOURS
    # Busy all day: a request every so often, never idle for long.
    for _ in range(hours * 3600 // (idle // 2) - 1):
        shift(client, login_by=idle // 2, seen_by=idle // 2)
        assert client.get(reverse(STAFF_PAGE)).status_code == 200
    shift(client, login_by=idle // 2 + 1, seen_by=60)
    path = reverse(STAFF_PAGE)
    assert_logged_out_to_login(client, client.get(path), path)


def test_the_limits_are_settings(client, staff, settings):
    settings.QAC_STAFF_SESSION_IDLE_MINUTES = 5
    client.force_login(staff)
    shift(client, seen_by=5 * 60 + 1, login_by=5 * 60 + 1)
    assert client.get(reverse(STAFF_PAGE)).status_code == 302
    settings.QAC_STAFF_SESSION_MAX_HOURS = 1
    client.force_login(staff)
    shift(client, login_by=3601)
    assert client.get(reverse(STAFF_PAGE)).status_code == 302


def test_the_session_cookie_of_staff_follows_the_idle_time(client, staff, settings):
    client.force_login(staff)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == settings.QAC_STAFF_SESSION_IDLE_MINUTES * 60


def test_a_candidate_keeps_the_long_session(client, candidate, settings):
    client.force_login(candidate)
    shift(client, login_by=13 * 24 * 3600, seen_by=13 * 24 * 3600)
    assert client.get(reverse("candidates:dashboard")).status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_a_password_login_starts_the_clock(client, staff):
    from tests.factories import DEFAULT_PASSWORD

    client.post(reverse("login"), {"username": staff.email, "password": DEFAULT_PASSWORD})
    session = client.session
    assert session[two_factor.SESSION_PRIVILEGED] is True
    assert session[two_factor.SESSION_LOGIN_AT] == pytest.approx(session[two_factor.SESSION_SEEN_AT], abs=5)
