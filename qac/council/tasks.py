"""Workers' side of the council app: building the package. Routed to the ``documents`` queue."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=900, time_limit=960)
def build_package_task(self, package_id: int) -> str:
    """Build the session's ZIP for the Council. A second delivery finds the package ready and does nothing."""
    try:
        package = services.package_build(package_id=package_id)
    except OSError as exc:
        # A disk hiccup: retry with backoff, then say so on the package.
        if self.request.retries >= self.max_retries:
            services.package_fail(package_id=package_id, error=f"{type(exc).__name__}: {exc}")
            return "failed"
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    except Exception as exc:
        logger.exception("building the Council package %s failed", package_id)
        services.package_fail(package_id=package_id, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    return package.status if package else "skipped"
