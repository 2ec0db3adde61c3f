"""The test suite. Honours DATABASE_URL and REDIS_URL, so CI runs it twice:
on the embedded defaults and against PostgreSQL + Redis."""

from .base import *  # noqa: F403
from .base import BASE_DIR

QAC_ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-private"
# Tasks run in-process in tests, so a test sees their effect (e-mails, rows)
# right after the commit; tests where delivery itself matters use the
# ``celery_worker_or_eager`` fixture, which turns this off and starts a real
# worker on Redis when REDIS_URL is set (CI's second pass).
CELERY_TASK_ALWAYS_EAGER = True
# Tests always assert Russian first; a developer's LANGUAGE env must not leak in.
LANGUAGE_CODE = "ru"
# Serve static files from the finders, as the dev server does, so browser
# tests get Bootstrap's CSS and JS without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    import os

    # A file, not Django's default in-memory database: in-memory SQLite shared
    # between threads uses table locks that ignore the busy timeout, so tests
    # where two threads write at once would fail for a reason production
    # never meets. One file per process, so parallel runs do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
    # A throw-away database needs no durability: skip fsync to keep the suite fast.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    (BASE_DIR / "var").mkdir(exist_ok=True)
