"""Workers' side of retention: the nightly proposal and carrying out an approved act."""

from celery import shared_task
from django.utils import timezone

from qac.tasks import records_failure

from . import services


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def retention_propose_task() -> str:
    """List what has passed its period in a proposed act (one listing at a time: the service's lock)."""
    try:
        act = services.act_propose(today=timezone.localdate(), trigger="nightly")
    except services.RetentionError:
        return "locked"
    return act.number if act else "nothing due"


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=1800, time_limit=1900)
@records_failure(lambda pk, error: services.act_fail(act_id=pk, error=error), what="carrying out destruction act %s")
def act_execute_task(self, act_id: int) -> str:
    """Carry out an approved act. A second delivery finds it executed (or its items done) and does no harm."""
    act = services.act_execute(act_id=act_id)
    return act.status if act else "missing"
