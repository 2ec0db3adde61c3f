import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=3, soft_time_limit=3000, time_limit=3300
)
def registry_export_task(trigger: str = "nightly", user_id: int | None = None) -> dict:
    """The nightly (or manual) export. Safe to run twice: the second finds nothing new."""
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        outcome = services.registry_export(trigger=trigger, by=by)
    except services.ExportBusy as exc:
        logger.warning("registry export skipped: %s", exc)
        return {"skipped": str(exc)}
    return {
        "batch": outcome.batch.pk if outcome.batch else None,
        "records": outcome.total,
        "held_back": len(outcome.skipped),
    }
