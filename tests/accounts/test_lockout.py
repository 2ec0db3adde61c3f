"""Throttling of sign-in, written as the attacks it stops (issue 11, item 1; ASVS 5.0 V6.3, V6.4)."""

import secrets
import time

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import translation

from qac.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"


def ru(msgid: str, **params) -> str:
    with translation.override("ru"):
        text = translation.gettext(msgid)
    return text % params if params else text


def ru_n(singular: str, plural: str, n: int, **params) -> str:
    with translation.override("ru"):
        return translation.ngettext(singular, plural, n) % params


def own_address() -> str:
    """An address of the test's own: cache counters (Redis in CI) outlive a test, database rows do not."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def login(client, email, password, *, address=ATTACKER, url="login"):
    return client.post(reverse(url), {"username": email, "password": password}, REMOTE_ADDR=address)


@pytest.fixture(autouse=True)
def frozen_throttle_clock(monkeypatch):
    """The cache limits count in fixed hourly windows: keep the test inside one."""
    now = time.time()
    monkeypatch.setattr("qac.accounts.throttle._now", lambda: now)


@pytest.fixture
def victim(db):
    return UserFactory(role=Role.STAFF, is_staff=True)


def test_thirty_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(client, victim, settings):
    statuses = [login(client, victim.email, f"guess-{i}").status_code for i in range(30)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}

    right = login(client, victim.email, DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # The account stays locked from another address too (the guess may come from a botnet) ...
    assert login(client, victim.email, DEFAULT_PASSWORD, address=OWNER).status_code == 429


def test_the_lockout_page_says_how_long_to_wait(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, victim.email, f"guess-{i}")
    assert response.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    html = response.content.decode()
    assert ru_n("Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes, minutes=minutes) in (
        html
    )
    assert ru("Too many unsuccessful sign-in attempts for this account or from your address.") in html
    assert response["Retry-After"] == str(minutes * 60)


def test_the_lockout_counts_an_address_in_any_case_as_one_account(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        address = ATTACKER if i % 2 else OWNER  # from two addresses, so only the account limit can apply
        email = victim.email.upper() if i % 2 else victim.email
        login(client, email, f"guess-{i}", address=address)
    assert login(client, victim.email, DEFAULT_PASSWORD, address=own_address()).status_code == 429


def test_another_account_from_another_address_is_unaffected(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT + 5):
        login(client, victim.email, f"guess-{i}")
    other = UserFactory(role=Role.CANDIDATE)
    response = login(client, other.email, DEFAULT_PASSWORD, address=OWNER)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == other.pk


def test_one_address_trying_many_accounts_is_locked_out_too(client, settings):
    """Credential stuffing: one common password against many accounts from one address."""
    users = [UserFactory(role=Role.CANDIDATE) for _ in range(settings.AXES_FAILURE_LIMIT)]
    for user in users:
        login(client, user.email, "Password123")
    fresh = UserFactory(role=Role.CANDIDATE)
    assert login(client, fresh.email, DEFAULT_PASSWORD).status_code == 429
    assert login(client, fresh.email, DEFAULT_PASSWORD, address=OWNER).status_code == 302


def test_the_admin_login_is_throttled_too(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.email, f"guess-{i}", url="admin:login")
    response = login(client, victim.email, DEFAULT_PASSWORD, url="admin:login")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # One lockout for both forms: the site's login refuses the account as well.
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 429


def test_a_successful_login_resets_the_count(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, victim.email, f"typo-{i}")
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=victim.email).exists()
    client.post(reverse("logout"))
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, victim.email, f"typo-again-{i}").status_code == 200
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 302


def test_logging_in_to_an_own_account_does_not_reset_the_count_of_other_accounts(client, victim, settings):
    """An attacker with an account of their own cannot wipe their failures by logging in to it now and then."""
    own = UserFactory(role=Role.CANDIDATE)
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, victim.email, f"guess-{i}")
    assert login(client, own.email, DEFAULT_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert login(client, victim.email, "one-more-guess").status_code == 429
    assert login(client, victim.email, DEFAULT_PASSWORD, address=OWNER).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, victim, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.email, f"guess-{i}")
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 302


def test_axes_reset_unlocks_an_account(client, victim, settings):
    from django.core.management import call_command

    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.email, f"guess-{i}")
    call_command("axes_reset_username", victim.email)
    assert login(client, victim.email, DEFAULT_PASSWORD).status_code == 302


# --- Password reset and sign-up ------------------------------------------------------------------


def test_password_reset_over_the_limit_answers_429_with_a_message_for_known_and_unknown_alike(client, settings):
    settings.QAC_PASSWORD_RESET_RATE_PER_HOUR = 3
    address = own_address()
    known = UserFactory(role=Role.CANDIDATE)
    emails = [known.email, "nobody-1@example.test", f"nobody-{address}@example.test"]
    answers = [client.post(reverse("password_reset"), {"email": e}, REMOTE_ADDR=address) for e in emails]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert len({a["Location"] for a in answers}) == 1
    for email in (known.email, "nobody-2@example.test"):
        response = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)
        assert response.status_code == 429
        assert ru("Too many requests from your address.") in response.content.decode()
        assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 1
    # Another address is not held back by this one.
    assert client.post(reverse("password_reset"), {"email": known.email}, REMOTE_ADDR=own_address()).status_code == 302


def test_password_reset_mails_one_address_only_a_few_times_an_hour(client, settings):
    """No mailbox flooding from many addresses: the address asked for has a limit of its own."""
    settings.QAC_PASSWORD_RESET_EMAIL_RATE_PER_HOUR = 2
    victim_email = f"victim-{own_address()}@example.test"
    UserFactory(email=victim_email)
    statuses = [
        client.post(reverse("password_reset"), {"email": victim_email}, REMOTE_ADDR=own_address()).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    assert len(mail.outbox) == 2


def test_signup_over_the_limit_answers_429_with_a_message(client, settings):
    settings.QAC_SIGNUP_RATE_PER_HOUR = 2
    address = own_address()
    data = {"last_name": "Петрова", "first_name": "Анна", "password1": "Zx9-long-Passphrase", "password2": "x"}
    answers = [
        client.post(reverse("candidates:signup"), {**data, "email": f"a{i}@example.test"}, REMOTE_ADDR=address)
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert ru("Too many requests from your address.") in answers[2].content.decode()


def test_the_lockout_and_throttle_pages_render_in_english_too(client, victim, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, victim.email, f"guess-{i}")
    assert response.status_code == 429
    assert "Try again in 15 minutes." in response.content.decode()
