"""Workers' side of the council app: building the package. Routed to the ``documents`` queue."""

from celery import shared_task

from qac.tasks import FAILED, attempt

from . import services


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=900, time_limit=960)
def build_package_task(self, package_id: int) -> str:
    """Build the session's ZIP for the Council. A second delivery finds the package ready and does nothing."""
    package = attempt(
        self,
        lambda: services.package_build(package_id=package_id),
        fail=lambda exc: services.package_fail(package_id=package_id, error=f"{type(exc).__name__}: {exc}"),
        what=f"building the Council package {package_id}",
    )
    if package is FAILED:
        return "failed"
    return package.status if package else "skipped"
