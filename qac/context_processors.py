import hashlib
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.utils.functional import SimpleLazyObject, lazy

from qac.accounts.roles import Role, user_roles
from standards.selectors import center_get

CENTER_CACHE_KEY = "qac:layout:center"


def site(request):
    """The center's identity and the current user's roles, for the base layout.

    All lazy, so a page that does not use them pays no query. ``center_digest`` changes
    whenever a field of the center does: the layout's cached fragments that print the center
    (templates/base.html) are kept under it, so an edit shows with the next center read.
    """
    user = getattr(request, "user", None)
    roles = SimpleLazyObject(lambda: {r.value: (r in user_roles(user)) for r in Role})
    center = cache(center_with_digest)
    return {
        "center": SimpleLazyObject(lambda: center()[0]),
        "center_digest": _lazy_digest(center),
        "roles": roles,
    }


# One proxy class for every request (lazy() builds a class each time it is called).
_lazy_digest = lazy(lambda center: center()[1], str)


def center_with_digest() -> tuple:
    """The center's row and a digest of its values. Every page prints the center, so production
    keeps the pair ``QAC_CENTER_CACHE_SECONDS`` in each process's memory: an edit in the admin
    shows within that time instead of costing a query (or a round trip to Redis) on every page."""
    seconds = settings.QAC_CENTER_CACHE_SECONDS
    pair = caches["local"].get(CENTER_CACHE_KEY) if seconds else None
    if pair is None:
        center = center_get()
        pair = (center, _digest(center))
        if seconds:
            caches["local"].set(CENTER_CACHE_KEY, pair, seconds)
    return pair


def _digest(center) -> str:
    if center is None:
        return "none"
    values = [getattr(center, field.attname) for field in center._meta.concrete_fields]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]
