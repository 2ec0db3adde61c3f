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
# Sign-in security in tests. Axes is on, as in production: its counts live in
# the database, which each test rolls back, so tests cannot lock each other
# out. Two-factor sign-in is not required by default, because most tests
# sign in with ``client.force_login`` and test something else; the 2FA tests
# (tests/accounts/test_two_factor.py) set QAC_OTP_REQUIRED = True themselves.
# The cache counters of sign-up and password reset outlive a test (the cache,
# Redis in CI, is shared), so their limits are out of reach here and the
# throttle tests lower them and use an address of their own.
AXES_ENABLED = True
QAC_OTP_REQUIRED = False
# Tests read the board right after changing what it counts; tests/home/test_board.py turns the cache on.
QAC_BOARD_CACHE_SECONDS = 0
# Enrolment waits for payment in production and the demo. Most tests enrol to test something else
# (sessions, scoring, the Council, documents) through many builders and browser journeys; they do
# not make contracts. The contracts tests and the demo test set this to True themselves
# (tests/contracts/), the same way the 2FA tests do above.
QAC_ENROLMENT_REQUIRES_PAYMENT = False
QAC_SIGNUP_RATE_PER_HOUR = 100_000
QAC_PASSWORD_RESET_RATE_PER_HOUR = 100_000
QAC_PASSWORD_RESET_EMAIL_RATE_PER_HOUR = 100_000
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

# Rolled-back test data gives ids out again, so options kept by the process could belong to another
# test's question; tests/exams/test_autosave_queries.py turns keeping on where it is the subject.
QAC_THEORY_KEEP_CHOICES = False
