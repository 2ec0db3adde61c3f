"""Signed verification links for the QR code, and the per-address rate limit of look-ups."""

import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

SALT = "qac.certificates.verify"


def signed_token(document) -> str:
    """A link token carrying the number and issue date, signed so it cannot be forged or altered."""
    return signing.dumps({"n": document.number, "d": document.issue_date.isoformat()}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[str, datetime.date] | None:
    try:
        data = signing.loads(token, salt=SALT)
        return str(data["n"]), datetime.date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def rate_limited(client: str) -> bool:
    """Count a look-up from ``client`` in this minute's window; True once over the limit.

    A fixed window in the shared cache (Redis in production), so every web
    node counts together.
    """
    window = timezone.now().strftime("%Y%m%d%H%M")
    key = f"verify-rate:{client}:{window}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=90)
        count = 1
    return count > settings.QAC_VERIFY_RATE_PER_MINUTE
