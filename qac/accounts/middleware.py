"""Session limits for the people who run the procedure, and the gate of two-factor sign-in.

Both read only what ``two_factor.session_start`` put in the session at login,
so an ordinary request costs no extra query.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import two_factor

# A session is written at most once a minute just to move "last seen" on.
SEEN_RESOLUTION_SECONDS = 60


class StaffSessionLimitMiddleware:
    """Head, staff and experts: the session ends after an idle time and at most some hours after login.

    Candidates keep Django's SESSION_COOKIE_AGE. The limits are checked on
    the server from times kept in the session; the cookie's own expiry
    follows the idle time too, so a closed browser does not keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.session.get(two_factor.SESSION_PRIVILEGED):
            expired = self._check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = time.time()
        idle = settings.QAC_STAFF_SESSION_IDLE_MINUTES * 60
        login_at = session.get(two_factor.SESSION_LOGIN_AT, now)
        seen_at = session.get(two_factor.SESSION_SEEN_AT, now)
        if now - seen_at > idle or now - login_at > settings.QAC_STAFF_SESSION_MAX_HOURS * 3600:
            path = request.get_full_path()
            logout(request)
            messages.info(request, _("Your session has ended for security reasons. Please log in again."))
            return redirect_to_login(path)
        if two_factor.SESSION_SEEN_AT not in session or now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[two_factor.SESSION_LOGIN_AT] = login_at
            session[two_factor.SESSION_SEEN_AT] = now
            session.set_expiry(idle)
        return None


#: What a signed-in user who still owes the second factor may open.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"two_factor_verify", "two_factor_setup", "logout", "admin:logout", "set_language", "healthz"}
)


class TwoFactorMiddleware:
    """After the password, nothing but the second step (or enrolment) and logout, the admin included.

    Users who must use two-factor sign-in (head, staff, experts while
    QAC_OTP_REQUIRED is on) and users who turned it on are sent to give
    a code; the first group is sent to enrol if they have no device yet.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not two_factor.second_factor_needed(request):
            return None
        step = "two_factor_verify" if request.session.get(two_factor.SESSION_HAS_DEVICE) else "two_factor_setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
