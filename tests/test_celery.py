"""Celery wiring: in-process without Redis, a real worker consuming Redis with it."""

from django.conf import settings

from qac.tasks import ping_task


def test_a_task_is_delivered_and_answered(celery_worker_or_eager):
    """On SQLite the task runs in-process; on the Redis pass it goes through the broker to a real worker."""
    from qac.celery import app

    result = ping_task.delay()
    assert result.get(timeout=20) == "pong"
    if settings.REDIS_URL:
        assert not app.conf.task_always_eager
        assert celery_worker_or_eager is not None, "a real worker served the task"
        assert result.backend.__class__.__name__ == "RedisBackend"
    else:
        assert app.conf.task_always_eager
