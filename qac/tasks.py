"""Project-level tasks that belong to no single app, and the way a worker runs a job that may fail."""

import functools
import logging
from collections.abc import Callable

from celery import shared_task

#: What :func:`attempt` returns once the job's failure is recorded.
FAILED = object()


@shared_task(name="qac.ping_task", acks_late=True)
def ping_task() -> str:
    """Answer ``pong``: lets health checks and tests prove a worker consumes the queue."""
    return "pong"


def attempt(task, job: Callable, *, fail: Callable[[Exception], None], what: str, backoff: int = 30, cap=None):
    """Run ``job()`` for the bound ``task``: its result, or ``FAILED`` once ``fail(error)`` recorded why.

    A disk hiccup (``OSError``) is retried with exponential backoff (``backoff`` seconds, doubled at
    every retry, at most ``cap``); once the retries are spent it fails like any other error, which
    fails at once and is logged: the row then says why, so staff can act.
    """
    try:
        return job()
    except OSError as exc:
        if task.request.retries >= task.max_retries:
            fail(exc)
            return FAILED
        countdown = backoff * 2**task.request.retries
        raise task.retry(exc=exc, countdown=countdown if cap is None else min(countdown, cap)) from exc
    except Exception as exc:
        # The task's own logger, as if it logged itself.
        logging.getLogger(task.__module__).exception("%s failed", what)
        fail(exc)
        return FAILED


def records_failure(fail: Callable[[int, str], None], *, what: str):
    """Run a bound task whose work is one row's (its id the first argument) through :func:`attempt`.

    ``fail(row_id, error_text)`` records on the row why it failed; the task then answers ``"failed"``.
    ``what`` names the work in the log, with ``%s`` for the row's id.
    """

    def decorate(run):
        @functools.wraps(run)
        def task(self, row_id: int, *args):
            result = attempt(
                self,
                lambda: run(self, row_id, *args),
                fail=lambda exc: fail(row_id, f"{type(exc).__name__}: {exc}"),
                what=what % row_id,
            )
            return "failed" if result is FAILED else result

        return task

    return decorate
