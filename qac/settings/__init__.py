"""Settings live in one module per environment: base, dev, test, production.

``manage.py`` defaults to ``qac.settings.dev``; gunicorn and Celery in production
are started with ``DJANGO_SETTINGS_MODULE=qac.settings.production``.
"""
