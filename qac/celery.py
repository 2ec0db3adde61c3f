"""The Celery application.

Configuration comes from Django settings (the ``CELERY_`` namespace), so the
same settings module drives web processes, workers and beat. Run:

    celery -A qac worker -Q default,documents -l info
    celery -A qac beat -l info
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qac.settings.dev")

app = Celery("qac")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect
def _carry_site_address(headers=None, **kwargs):
    """A task queued while serving a request builds its links on that request's address (qac.urls_util)."""
    from qac.urls_util import TASK_HEADER, current_request_base

    base = current_request_base()
    if base and headers is not None:
        headers.setdefault(TASK_HEADER, base)


@signals.task_prerun.connect
def _use_site_address(task=None, **kwargs):
    from qac.urls_util import TASK_HEADER, set_current_base

    base = getattr(task.request, TASK_HEADER, None) or (task.request.headers or {}).get(TASK_HEADER)
    task.request._qac_site_token = set_current_base(base) if base else None


@signals.task_postrun.connect
def _forget_site_address(task=None, **kwargs):
    from qac.urls_util import reset_current_base

    token = getattr(task.request, "_qac_site_token", None)
    if token is not None:
        task.request._qac_site_token = None
        reset_current_base(token)
