"""Two-factor sign-in (issue 11, item 2; ASVS 5.0 V6.5): required of head, staff and experts, optional for candidates.

Test settings keep QAC_OTP_REQUIRED off (most tests use force_login and test
other things); every test here turns it on, as production has it.
"""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qac.accounts import two_factor
from qac.accounts.models import TwoFactorReset
from qac.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGE = "candidates:staff_queue"


@pytest.fixture(autouse=True)
def otp_required(settings):
    settings.QAC_OTP_REQUIRED = True


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the user's app shows now (or ``steps`` periods later: a code is accepted once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(client, user, next_url=None):
    data = {"username": user.email, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device, two_factor.recovery_codes_issue(user=user)


def verify(client, token, next_url=""):
    return client.post(reverse("two_factor_verify"), {"code": token, "next": next_url})


@pytest.fixture
def staff_user(db):
    return UserFactory(role=Role.STAFF, is_staff=True)


def test_staff_with_the_password_only_cannot_open_staff_pages_or_the_admin(client, staff_user):
    enrolled(staff_user)
    response = password_login(client, staff_user)
    assert response.status_code == 302  # the password step itself passes
    for url in (reverse(STAFF_PAGE), reverse("admin:index"), reverse("home"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_verify")), url
    # A POST is stopped before the view as well.
    assert client.post(reverse("password_change"), {}).status_code == 302


def test_a_wrong_code_is_refused_and_a_right_one_lets_the_user_in(client, staff_user):
    device, _codes = enrolled(staff_user)
    password_login(client, staff_user, next_url=reverse(STAFF_PAGE))
    response = client.get(reverse(STAFF_PAGE))
    target = response["Location"]
    assert target == f"{reverse('two_factor_verify')}?next={reverse(STAFF_PAGE).replace('/', '%2F')}"

    wrong = verify(client, "000000" if code(device) != "000000" else "111111", reverse(STAFF_PAGE))
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    assert client.get(reverse(STAFF_PAGE)).status_code == 302

    device.refresh_from_db()
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=5)  # the back-off after one wrong code
    device.save()
    right = verify(client, code(device), reverse(STAFF_PAGE))
    assert right.status_code == 302
    assert right["Location"] == reverse(STAFF_PAGE)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_next_address_after_the_code_must_be_on_this_site(client, staff_user):
    device, _codes = enrolled(staff_user)
    password_login(client, staff_user)
    response = verify(client, code(device), "https://evil.example/")
    assert response["Location"] == reverse("home")


def test_a_recovery_code_works_once(client, staff_user):
    _device, codes = enrolled(staff_user)
    password_login(client, staff_user)
    assert verify(client, codes[0].upper()).status_code == 302  # typed in any case
    assert client.get(reverse(STAFF_PAGE)).status_code == 200
    assert StaticToken.objects.filter(device__user=staff_user).count() == len(codes) - 1

    client.post(reverse("logout"))
    password_login(client, staff_user)
    again = verify(client, codes[0])
    assert again.status_code == 200
    assert client.get(reverse(STAFF_PAGE)).status_code == 302


def test_wrong_codes_are_throttled_by_the_device(client, staff_user):
    """django-otp's back-off is on: right after a wrong code even the right one waits (1, 2, 4 ... seconds)."""
    device, _codes = enrolled(staff_user)
    password_login(client, staff_user)
    verify(client, "123456" if code(device) != "123456" else "654321")
    throttled = verify(client, code(device))
    assert throttled.status_code == 429
    assert "code" in throttled.context["form"].errors
    assert client.get(reverse(STAFF_PAGE)).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a refused-while-throttled try does not count twice
    device.throttling_failure_timestamp = timezone.now() - datetime.timedelta(seconds=2)
    device.save()
    assert verify(client, code(device)).status_code == 302


def test_enrolment_end_to_end(client, staff_user):
    response = password_login(client, staff_user, next_url=reverse(STAFF_PAGE))
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert secret and secret in html.replace(" ", "")
    assert f"secret={secret}" in device.config_url

    # The same secret until confirmed: reloading the page does not make a new one.
    assert client.get(reverse("two_factor_setup")).context["secret"].replace(" ", "") == secret
    bad = client.post(reverse("two_factor_setup"), {"code": "abc", "next": reverse(STAFF_PAGE)})
    assert bad.status_code == 200 and bad.context["form"].errors["code"]
    device.refresh_from_db()
    device.throttle_reset()

    done = client.post(reverse("two_factor_setup"), {"code": code(device), "next": reverse(STAFF_PAGE)})
    assert done.status_code == 302
    assert done["Location"].startswith(reverse("two_factor_recovery_codes"))
    codes_page = client.get(done["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert codes_page["Cache-Control"] == "no-store"
    assert all(c in codes_page.content.decode() for c in codes)
    # Shown once.
    assert client.get(reverse("two_factor_recovery_codes")).status_code == 302
    assert client.get(reverse(STAFF_PAGE)).status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # Next sign-in: the code is asked for; a recovery code from the page works.
    client.post(reverse("logout"))
    password_login(client, staff_user)
    assert client.get(reverse(STAFF_PAGE))["Location"].startswith(reverse("two_factor_verify"))
    assert verify(client, codes[3]).status_code == 302
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


def test_a_password_alone_cannot_enrol_a_second_device(client, staff_user):
    """Whoever has only the password must not replace the owner's phone with their own."""
    enrolled(staff_user)
    password_login(client, staff_user)
    response = client.get(reverse("two_factor_setup"))
    assert response["Location"] == reverse("two_factor_verify")
    client.post(reverse("two_factor_setup"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1


@pytest.mark.parametrize("role", [Role.EXPERT, Role.HEAD])
def test_experts_and_the_head_must_enrol_too(client, role):
    user = UserFactory(role=role, is_staff=role == Role.HEAD)
    password_login(client, user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_a_candidate_without_two_factor_logs_in_with_the_password_only(client, candidate):
    response = password_login(client, candidate)
    assert response.status_code == 302
    assert client.get(reverse("candidates:dashboard")).status_code == 200


def test_a_candidate_who_opted_in_must_give_the_code(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("two_factor_manage")).status_code == 200
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=candidate)
    response = client.post(reverse("two_factor_setup"), {"code": code(device), "next": reverse("home")})
    assert response.status_code == 302
    assert client.get(reverse("candidates:dashboard")).status_code == 200

    client.post(reverse("logout"))
    password_login(client, candidate)
    assert client.get(reverse("candidates:dashboard"))["Location"].startswith(reverse("two_factor_verify"))
    device.refresh_from_db()
    assert verify(client, code(device, steps=1)).status_code == 302
    assert client.get(reverse("candidates:dashboard")).status_code == 200

    # They may turn it off again (only from a verified session); staff may not.
    assert client.post(reverse("two_factor_manage"), {"action": "disable"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=candidate).exists()
    assert not StaticDevice.objects.filter(user=candidate).exists()


def test_staff_cannot_turn_two_factor_off(client, staff_user):
    device, _codes = enrolled(staff_user)
    password_login(client, staff_user)
    verify(client, code(device))
    assert client.post(reverse("two_factor_manage"), {"action": "disable"}).status_code == 403
    assert TOTPDevice.objects.filter(user=staff_user).exists()


def test_new_recovery_codes_replace_the_old_ones(client, staff_user):
    device, old = enrolled(staff_user)
    password_login(client, staff_user)
    verify(client, code(device))
    response = client.post(reverse("two_factor_manage"), {"action": "codes"})
    new = client.get(response["Location"]).context["codes"]
    assert set(StaticToken.objects.filter(device__user=staff_user).values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_without_the_requirement_staff_sign_in_with_the_password(client, staff_user, settings):
    """Development settings (QAC_OTP_REQUIRED off): the demo accounts need no phone."""
    settings.QAC_OTP_REQUIRED = False
    password_login(client, staff_user)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200


# --- The head resets a lost phone -----------------------------------------------------------


def verified_client(client, user):
    device, _codes = enrolled(user)
    password_login(client, user)
    assert verify(client, code(device)).status_code == 302
    return client


def test_only_the_head_resets_someone_elses_two_factor_and_it_is_recorded(client, head, staff_user):
    enrolled(staff_user)
    verified_client(client, head)
    page = client.get(reverse("two_factor_reset"))
    assert page.status_code == 200
    response = client.post(reverse("two_factor_reset"), {"email": staff_user.email.upper()})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    assert not StaticDevice.objects.filter(user=staff_user).exists()
    reset = TwoFactorReset.objects.get()
    assert (reset.user, reset.by, reset.devices) == (staff_user, head, 2)
    assert timezone.now() - reset.at < datetime.timedelta(minutes=1)
    assert staff_user.email in client.get(reverse("two_factor_reset")).content.decode()

    # At their next sign-in they set up the app again.
    client.post(reverse("logout"))
    password_login(client, staff_user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_the_head_cannot_reset_their_own_two_factor_through_the_web(client, head):
    verified_client(client, head)
    response = client.post(reverse("two_factor_reset"), {"email": head.email})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert TOTPDevice.objects.filter(user=head).exists()
    assert not TwoFactorReset.objects.exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.EXPERT, Role.CANDIDATE])
def test_others_may_not_reset_two_factor_not_even_their_own(client, role):
    user = UserFactory(role=role, is_staff=role == Role.STAFF)
    victim = UserFactory(role=Role.STAFF, is_staff=True)
    enrolled(victim)
    verified_client(client, user)
    assert client.get(reverse("two_factor_reset")).status_code == 403
    for email in (victim.email, user.email):
        assert client.post(reverse("two_factor_reset"), {"email": email}).status_code == 403
    assert TOTPDevice.objects.filter(user=victim).exists() and TOTPDevice.objects.filter(user=user).exists()
    assert not TwoFactorReset.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_from_every_two_factor_page(client):
    for name in ("two_factor_manage", "two_factor_verify", "two_factor_setup", "two_factor_reset"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert re.match(rf"^{reverse('login')}\?next=", response["Location"]), name
