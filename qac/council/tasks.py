"""Workers' side of the council app: building the package. Routed to the ``documents`` queue."""

from celery import shared_task

from qac.tasks import records_failure

from . import services


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=900, time_limit=960)
@records_failure(
    lambda pk, error: services.package_fail(package_id=pk, error=error), what="building the Council package %s"
)
def build_package_task(self, package_id: int) -> str:
    """Build the session's ZIP for the Council. A second delivery finds the package ready and does nothing."""
    package = services.package_build(package_id=package_id)
    return package.status if package else "skipped"
