"""Liveness and readiness checks for load balancers and monitoring."""

import logging

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Ping the Redis broker with a short timeout, so a hung Redis is reported, not waited on."""
    import redis

    timeout = settings.QAC_HEALTH_TIMEOUT_SECONDS
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def checks() -> dict:
    """The checks that apply to this deployment: the broker only where one is configured."""
    found = {"database": check_database}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        found["broker"] = check_broker
    return found


@never_cache
@require_GET
def healthz(request):
    """200 with every check ``ok``, or 503 naming what is down.

    Errors are logged, not returned: the endpoint is public and a connection
    string or stack trace is nobody's business outside the center.
    """
    results = {}
    for name, check in checks().items():
        try:
            check()
        except Exception:
            logger.exception("health check %s failed", name)
            results[name] = "down"
        else:
            results[name] = "ok"
    down = sorted(name for name, state in results.items() if state != "ok")
    body = {"status": "ok" if not down else "down", "checks": results}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)
