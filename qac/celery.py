"""The Celery application.

Configuration comes from Django settings (the ``CELERY_`` namespace), so the
same settings module drives web processes, workers and beat. Run:

    celery -A qac worker -Q default,documents -l info
    celery -A qac beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qac.settings.dev")

app = Celery("qac")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
