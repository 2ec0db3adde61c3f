"""Two-factor sign-in: enrolment, verification, recovery codes, reset by the head.

The devices are django-otp's: a TOTP device (an authenticator app) and a
static device holding the one-time recovery codes. Both throttle wrong
codes themselves (exponential back-off, OTP_*_THROTTLE_FACTOR).
"""

import base64
import re
import time

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import TwoFactorReset
from .roles import Role, has_role

#: The roles that must sign in with a second factor when QAC_OTP_REQUIRED is on.
OTP_ROLES = (Role.HEAD, Role.STAFF, Role.EXPERT)

# Session keys, set at login (``session_start``) so that no request after it needs a query to know them.
SESSION_PRIVILEGED = "qac_privileged"
SESSION_HAS_DEVICE = "qac_has_otp_device"
SESSION_LOGIN_AT = "qac_login_at"
SESSION_SEEN_AT = "qac_seen_at"
SESSION_RECOVERY_CODES = "qac_recovery_codes"

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class TwoFactorError(Exception):
    """A two-factor request the rules refuse; the message is shown as it is."""


def is_privileged(user) -> bool:
    """Head, staff or expert: the people whose sign-in needs a second factor and whose sessions are short."""
    return has_role(user, *OTP_ROLES)


def session_start(sender=None, request=None, user=None, **kwargs) -> None:
    """On every login, note in the session what the middleware needs: role, device, time (``user_logged_in``)."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    privileged = is_privileged(user)
    request.session[SESSION_PRIVILEGED] = privileged
    if privileged:
        # The cookie (and the stored session) lapse after the idle time too,
        # not only the check in StaffSessionLimitMiddleware.
        request.session.set_expiry(settings.QAC_STAFF_SESSION_IDLE_MINUTES * 60)
    request.session[SESSION_HAS_DEVICE] = user_has_device(user, confirmed=True)
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now


def second_factor_needed(request) -> bool:
    """True while a signed-in user must still give a code (or enrol) before using the site."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    session = request.session
    if SESSION_PRIVILEGED not in session:  # a session from before this check existed
        session_start(request=request, user=user)
    if session.get(SESSION_HAS_DEVICE):
        return True
    return bool(settings.QAC_OTP_REQUIRED and session.get(SESSION_PRIVILEGED))


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- Enrolment ------------------------------------------------------------------------


def totp_enrol_start(*, user) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (created once; the same secret until confirmed)."""
    if has_two_factor(user):
        raise TwoFactorError("already enrolled")
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code drawn here, as inline SVG: the secret goes to no outside service.

    Inline rather than a data: URI, so a Content-Security-Policy needs no ``img-src data:``.
    """
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, title="QR")


@transaction.atomic
def totp_enrol_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code from the app; then sign the session in with it.

    Returns the new recovery codes (to be shown once), or None if the code is wrong.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(_digits(token)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    codes = recovery_codes_issue(user=device.user)
    _sign_in_with(request, device)
    return codes


def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with new ones; each works once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.QAC_OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --- Verification -----------------------------------------------------------------------


def _digits(token: str) -> str:
    return re.sub(r"\s+", "", token or "")


def throttled_until(user):
    """When the user's devices accept codes again after wrong ones, or None if they do now."""
    until = None
    for device in devices_for_user(user):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            until = max(until, info["locked_until"]) if until else info["locked_until"]
    return until


def second_factor_verify(*, request, token: str) -> bool:
    """Check a code from the app (6 digits) or a recovery code; on success the session is verified.

    Each device checks and throttles on its own: a wrong code makes the next
    try wait 1, 2, 4, 8 ... seconds.
    """
    user = request.user
    token = _digits(token).lower()
    if not token:
        return False
    model = TOTPDevice if token.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                _sign_in_with(request, device)
                return True
    return False


def _sign_in_with(request, device) -> None:
    # A new session key at the step up, as at login: a key seen before it is worth nothing after.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[SESSION_HAS_DEVICE] = True


# --- Turning off and resetting ----------------------------------------------------------------


@transaction.atomic
def two_factor_disable(*, request) -> None:
    """A candidate turns two-factor sign-in off for themselves; those who must keep it cannot."""
    user = request.user
    if is_privileged(user) and settings.QAC_OTP_REQUIRED:
        raise PermissionDenied
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    request.session[SESSION_HAS_DEVICE] = False


@transaction.atomic
def two_factor_reset(*, user, by) -> TwoFactorReset:
    """The head removes another user's devices (a lost phone); at the next sign-in they enrol again."""
    if not has_role(by, Role.HEAD):
        raise PermissionDenied
    if user.pk == by.pk:
        # Nobody lowers their own sign-in through the web; a head who lost
        # their phone asks another head or the operator (README, "Security").
        raise TwoFactorError("own devices")
    count = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        count += 1
    return TwoFactorReset.objects.create(user=user, by=by, devices=count)
