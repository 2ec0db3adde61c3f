"""Absolute links to this site, for e-mails, PDFs (QR codes), calendar invitations and pages.

One rule everywhere (:func:`site_url`):

1. ``QAC_SITE_URL`` when it is set in the environment (production must set it);
2. otherwise the address of the request being served: its own scheme and host,
   so a developer on ``make run PORT=8001`` or on another machine's address
   gets links that open;
3. otherwise (a task with no request: beat, a worker) the address of the
   request that queued the task, carried in the task's message headers;
4. otherwise ``QAC_DEV_SITE_URL``, the address ``make run`` serves on (it
   exports it to runserver and the Celery worker), then ``http://127.0.0.1:8000``.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost

#: The scheme and host of the request (or the task's originating request) being handled.
_current_base: ContextVar[str] = ContextVar("qac_site_base", default="")
#: Header of a Celery message carrying the originating request's address.
TASK_HEADER = "qac_site_base"
FALLBACK = "http://127.0.0.1:8000"


def _request_base(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def site_base(request=None) -> str:
    """The scheme and host links to this site start with, without a trailing slash."""
    configured = (settings.QAC_SITE_URL or "").strip()
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return _request_base(request)
    current = _current_base.get()
    if current:
        return current
    return ((getattr(settings, "QAC_DEV_SITE_URL", "") or "").strip() or FALLBACK).rstrip("/")


def site_url(path: str = "/", request=None) -> str:
    """The absolute address of ``path`` (from ``reverse()``) on this site."""
    if not path.startswith("/"):
        path = f"/{path}"
    return f"{site_base(request)}{path}"


def current_request_base() -> str:
    """The address of the request being handled here, or "" (for the Celery message header)."""
    return _current_base.get()


def set_current_base(base: str):
    """Remember ``base`` for this context; returns a token for :func:`reset_current_base`."""
    return _current_base.set(base)


def reset_current_base(token) -> None:
    _current_base.reset(token)


class SiteAddressMiddleware:
    """Remember the request's scheme and host while it is served, for links built without it at hand."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            base = _request_base(request)
        except DisallowedHost:  # CommonMiddleware answers it before this runs; stay safe anyway.
            base = ""
        token = _current_base.set(base)
        try:
            return self.get_response(request)
        finally:
            _current_base.reset(token)
