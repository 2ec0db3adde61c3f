"""The test suite. Honours DATABASE_URL and REDIS_URL, so CI runs it twice:
on the embedded defaults and against PostgreSQL + Redis."""

from .base import *  # noqa: F403
from .base import BASE_DIR

QAC_ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-private"
# Tests always assert Russian first; a developer's LANGUAGE env must not leak in.
LANGUAGE_CODE = "ru"
# Serve static files from the finders, as the dev server does, so browser
# tests get Bootstrap's CSS and JS without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
