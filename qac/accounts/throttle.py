"""Throttling of the sign-in pages: django-axes hooks for the login forms, a cache counter for the rest.

The login forms (the site's and the admin's) are guarded by django-axes
(settings: the "Sign-in security" block). Sign-up and password reset do not
authenticate anyone, so axes does not see them; they count requests per
client address in the shared cache instead (Redis in production, so every
web node counts together; local memory elsewhere).
"""

import hashlib
import math
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_address(request) -> str:
    # As everywhere in the project: behind the proxy, REMOTE_ADDR must be the
    # client's (set by the proxy from the connection), never a header the client sends.
    return request.META.get("REMOTE_ADDR") or "unknown"


def axes_username(request, credentials) -> str | None:
    """The account a login attempt is for, as axes should count it.

    Login is by e-mail in any case (``UserManager.get_by_natural_key``), so
    ``Staff@…`` and ``staff@…`` are one account to the lockout too; the
    login forms post the address as ``username``, ``client.login`` in tests as ``email``.
    """
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        value = request.POST.get("username")
    if not value:
        return None
    return str(value).strip().lower()


class LoginAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler, but a successful login forgives only that client's own failures on that account.

    Axes' own reset deletes every attempt matching *any* lockout parameter:
    all failures from the address, on every account, and all failures on the
    account, from every address. Then whoever holds one account of their own
    could reset the address count (and the counts of the accounts they are
    guessing) by logging in to it now and then, and guess without end.
    """

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def wait_message(minutes: int) -> str:
    return ngettext(
        "Try again in %(minutes)d minute.",
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets: what happened and how long to wait (axes' AXES_LOCKOUT_CALLABLE).

    Every failed attempt during a lockout starts the cool-off again
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), and this page answers
    such an attempt, so the wait is the whole cool-off from now.
    """
    minutes = _minutes(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request,
        "registration/lockout.html",
        {"wait": wait_message(minutes), "minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def _now() -> float:
    return time.time()


def over_limit(scope: str, key: str, *, limit: int, period: int) -> int:
    """Count one request for ``key`` in ``scope``; the seconds to wait if it is over ``limit`` per ``period``, else 0.

    A fixed window in the shared cache. Keys are hashed: they may be e-mail
    addresses, which must not sit in the cache in clear.
    """
    now = _now()
    window = int(now // period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"throttle:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=period + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=period + 60)
        count = 1
    if count <= limit:
        return 0
    return int((window + 1) * period - now) + 1


def throttled_response(request, seconds: int):
    """429 with a page saying how long to wait; the same for everyone, so it tells nothing about accounts."""
    minutes = _minutes(seconds)
    response = render(
        request,
        "registration/throttled.html",
        {"message": _("Too many requests from your address."), "wait": wait_message(minutes)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
