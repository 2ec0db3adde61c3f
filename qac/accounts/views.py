"""Sign-in pages beyond Django's own: throttled password reset, two-factor sign-in and its management."""

import math
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from qac.enqueue import enqueue
from qac.urls_util import site_base

from . import two_factor
from .forms import CodeForm, EnrolForm, ResetForm
from .models import TwoFactorReset
from .roles import Role, has_role
from .throttle import client_address, over_limit, throttled_response

HOUR = 3600


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but the mail goes out from a worker.

    Sent in the request, the mail would make the answer for a registered
    address slower than for an unknown one, and tell them apart.
    """

    def save(self, domain_override=None, request=None, use_https=False, **kwargs):
        if not domain_override:
            # The same address as every other link to this site (QAC_SITE_URL, else this request's).
            site = urlsplit(site_base(request))
            domain_override, use_https = site.netloc, site.scheme == "https"
        domain = domain_override
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue("qac.accounts.tasks.password_reset_mail_task", user.pk, domain, use_https, on_commit=False)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, throttled per client address and per address asked for.

    It already answers the same for unknown addresses (``password_reset_done``);
    the limits are counted before the form is read, so an address over the
    limit answers 429 whether or not an account has it.
    """

    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        email = (request.POST.get("email") or "").strip().lower()
        wait = over_limit(
            "password-reset-ip", client_address(request), limit=settings.QAC_PASSWORD_RESET_RATE_PER_HOUR, period=HOUR
        )
        if not wait and email:
            wait = over_limit(
                "password-reset-email", email, limit=settings.QAC_PASSWORD_RESET_EMAIL_RATE_PER_HOUR, period=HOUR
            )
        if wait:
            return throttled_response(request, wait)
        return super().post(request, *args, **kwargs)


# --- Two-factor sign-in --------------------------------------------------------------------


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(user, confirmed=True):
        # The head reset the devices while this session waited for a code.
        request.session[two_factor.SESSION_HAS_DEVICE] = False
        step = "two_factor_setup" if two_factor.second_factor_needed(request) else None
        if step is None:
            return redirect(_next_url(request))
        return redirect(f"{reverse(step)}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        until = two_factor.throttled_until(user)
        if until is not None:
            seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes. Wait %(seconds)d second and try again.",
                    "Too many wrong codes. Wait %(seconds)d seconds and try again.",
                    seconds,
                )
                % {"seconds": seconds},
            )
            status = 429
        elif two_factor.second_factor_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        else:
            form.add_error("code", _("The code is wrong or has expired."))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrolment: scan the QR code (or type the secret), confirm with a first code, get the recovery codes."""
    user = request.user
    if two_factor.has_two_factor(user):
        # Never a second device over an unverified session: that would let a
        # stolen password replace the owner's phone.
        return redirect("two_factor_manage" if user.is_verified() else "two_factor_verify")
    device = two_factor.totp_enrol_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_enrol_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            request.session[two_factor.SESSION_RECOVERY_CODES] = codes
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(f"{reverse('two_factor_recovery_codes')}?{urlencode({'next': _next_url(request)})}")
        form.add_error("code", _("The code is wrong or has expired. Check the time on your phone and try again."))
    context = {
        "form": form,
        # segno draws only paths from our own data (no user text in the markup), so it is safe as it is.
        "qr_svg": mark_safe(two_factor.totp_qr_svg(device)),  # noqa: S308
        "secret": two_factor.totp_secret(device),
        "required": two_factor.is_privileged(user) and settings.QAC_OTP_REQUIRED,
        "next": _next_url(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET"])
def two_factor_recovery_codes(request):
    """The recovery codes just made, shown once: they are taken out of the session as the page is drawn."""
    codes = request.session.pop(two_factor.SESSION_RECOVERY_CODES, None)
    if not codes:
        return redirect("two_factor_manage")
    response = render(
        request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_manage(request):
    """The user's own two-factor page: turn it on, make new recovery codes, turn it off (if allowed)."""
    user = request.user
    enabled = two_factor.has_two_factor(user)
    required = two_factor.is_privileged(user) and settings.QAC_OTP_REQUIRED
    if request.method == "POST":
        action = request.POST.get("action")
        if not enabled or not user.is_verified():
            raise PermissionDenied
        if action == "codes":
            request.session[two_factor.SESSION_RECOVERY_CODES] = two_factor.recovery_codes_issue(user=user)
            return redirect("two_factor_recovery_codes")
        if action == "disable" and not required:
            two_factor.two_factor_disable(request=request)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor_manage")
        raise PermissionDenied
    recovery_left = StaticToken.objects.filter(device__user=user).count() if enabled else 0
    context = {"enabled": enabled, "required": required, "recovery_left": recovery_left}
    return render(request, "registration/two_factor_manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_reset(request):
    """The head removes another user's two-factor devices (a lost phone); every reset is recorded."""
    if not has_role(request.user, Role.HEAD):
        raise PermissionDenied
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.user.pk == request.user.pk:
            form.add_error("email", _("You cannot reset your own two-factor sign-in here. Ask another head."))
        else:
            two_factor.two_factor_reset(user=form.user, by=request.user)
            messages.success(
                request,
                _("Two-factor sign-in of %(user)s is reset: they will set it up again at their next sign-in.")
                % {"user": form.user.email},
            )
            return redirect("two_factor_reset")
    resets = TwoFactorReset.objects.select_related("user", "by")[:50]
    return render(request, "registration/two_factor_reset.html", {"form": form, "resets": resets})
