"""Project-level tasks that belong to no single app."""

from celery import shared_task


@shared_task(name="qac.ping_task", acks_late=True)
def ping_task() -> str:
    """Answer ``pong``: lets health checks and tests prove a worker consumes the queue."""
    return "pong"
