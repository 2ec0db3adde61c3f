"""Settings shared by every environment.

Everything that differs between a laptop and production is read from the
environment through the single ``env`` reader below. With nothing set, the
project runs on embedded defaults: a SQLite file, Celery tasks executed
in-process, e-mail printed to the console.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer may keep local values in .env (never committed); real
# deployments set variables in the process environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Which settings flavour is active; management commands such as seed_demo
# refuse to run where this says production.
QAC_ENVIRONMENT = "base"

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    # The project's own apps, in the order of the pipeline: what is assessed,
    # who applies, then the center's own work.
    "qac.accounts",
    "standards",
    "candidates",
    "qac.contracts",
    "qac.exams",
    "qac.council",
    "qac.certificates",
    "qac.appeals",
    "qac.registry",
    "qac.retention",
    # Demo data touches every app, so it comes last and may import any of them.
    "qac.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qac.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "qac.urls_util.SiteAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "qac.urls"
WSGI_APPLICATION = "qac.wsgi.application"
ASGI_APPLICATION = "qac.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qac.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server and an in-process task read while another
    # request writes; a busy timeout turns brief lock waits into waits, not errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }


def postgresql_options(database: dict) -> dict:
    """The planner's costs for a database that fits in memory: an index probe costs about what a
    sequential read does, so a search joins its few matches by index instead of scanning a table."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options.setdefault("options", env("QAC_POSTGRESQL_OPTIONS", default="-c random_page_cost=1.1"))
    return database


postgresql_options(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")

# "local": each process's own memory, for what every page prints: the base layout's parts that are the same
# for a language and role (templates/layout/, keys name all they depend on) and the center's row.
_LOCAL_CACHE = "django.core.cache.backends.locmem.LocMemCache"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "qac"}
    if REDIS_URL
    else {"BACKEND": _LOCAL_CACHE},
    "local": {"BACKEND": _LOCAL_CACHE, "LOCATION": "qac-local"},
}
# Seconds each process keeps the center's row, which every page prints (0: read on each page).
QAC_CENTER_CACHE_SECONDS = env.int("QAC_CENTER_CACHE_SECONDS", default=0)

# With Redis, sessions are read from the cache and written through to the database: one query fewer
# on every request (the theory test's autosave above all), and nobody is logged out when Redis restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

# Celery reads every CELERY_* setting (see qac/celery.py). Without Redis the
# tasks run in-process, so a laptop needs no broker to use every feature.
# Celery still opens a (never used) producer for an eager task; the in-memory
# transport names a host so kombu does not warn "No hostname was supplied".
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Moscow"
CELERY_ENABLE_UTC = True
# House rule: every task is idempotent, so it is acknowledged only after it
# ran; a worker that dies mid-task leaves the message for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recycle a worker process that has grown past 400 MB (PDF rendering keeps
# some memory per document); the task in flight finishes first.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Project-level tasks outside any app (autodiscovery covers the apps).
CELERY_IMPORTS = ["qac.tasks"]
# Heavy document rendering gets its own queue so it cannot starve e-mail and
# other short tasks: run `celery -A qac worker -Q documents` on render nodes.
CELERY_TASK_ROUTES = {
    "qac.certificates.tasks.*": {"queue": "documents"},
    "qac.contracts.tasks.*": {"queue": "documents"},
    "qac.exams.tasks.render_protocol_task": {"queue": "documents"},
    "qac.council.tasks.*": {"queue": "documents"},
    "qac.retention.tasks.act_execute_task": {"queue": "documents"},
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the hard time limit, so Redis does not redeliver a task
    # that is still running on a healthy worker.
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic jobs are added here by the issues that need them, each with a
# comment saying why it runs when it does.

# The nightly registry export, in CELERY_TIMEZONE (Moscow time by default).
QAC_REGISTRY_EXPORT_HOUR = env.int("QAC_REGISTRY_EXPORT_HOUR", default=2)
QAC_REGISTRY_EXPORT_MINUTE = env.int("QAC_REGISTRY_EXPORT_MINUTE", default=0)
CELERY_BEAT_SCHEDULE = {
    # Theory tests whose time ran out while the candidate's page was closed
    # are submitted within a minute; the answers saved so far count.
    "exams-finalize-expired-attempts": {
        "task": "qac.exams.tasks.finalize_expired_attempts_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Certificate holders are told before their certificate expires; once a
    # night is enough, at a quiet hour.
    # The nightly report to the register: every record not yet reported and
    # every change since (revocations, duplicates, corrections).
    "registry-nightly-export": {
        "task": "qac.registry.tasks.registry_export_task",
        "schedule": crontab(hour=QAC_REGISTRY_EXPORT_HOUR, minute=QAC_REGISTRY_EXPORT_MINUTE),
        "options": {"expires": 6 * 3600},
    },
    # Offers of exam dates whose sessions all started or were cancelled are
    # closed, so the queue shows those applications as "date to agree" again.
    "exams-expire-date-offers": {
        "task": "qac.exams.tasks.expire_date_offers_task",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
    # Records past their retention period are listed in a proposed destruction act for the
    # head; nothing is destroyed until the head approves it (qac/retention, docs/retention.md).
    "retention-nightly-proposal": {
        "task": "qac.retention.tasks.retention_propose_task",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 6 * 3600},
    },
    "certificates-expiry-reminders": {
        "task": "qac.certificates.tasks.expiry_reminders_task",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 3600},
    },
}

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Admin ---------------------------------------------------------------------
# Where the Django admin lives; production may choose something less guessable.
QAC_ADMIN_URL = env("QAC_ADMIN_URL", default="admin/").strip("/") + "/"


# --- Sign-in security ------------------------------------------------------------
# OWASP ASVS 5.0 level 2, issue 11: throttling and lockout of every login form,
# two-factor sign-in for the people who run the procedure, shorter staff sessions.
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# OTPMiddleware right after authentication (it wraps request.user); the
# project's session limits and two-factor gate after messages (they flash
# a message); axes last, as its documentation asks.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE += [
    "qac.accounts.middleware.StaffSessionLimitMiddleware",
    "qac.accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The axes backend goes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout per account and, separately, per client address: the account limit
# stops a slow guess at one password from many addresses, the address limit
# stops one address trying a common password on many accounts (credential
# stuffing). Not the pair (account, address) alone: that lets a botnet guess
# one account from thousands of addresses. The price is that an attacker can
# keep a known account locked; the cool-off is short and the head can unlock
# it (README, "Security"). Counts are kept in the database (the admin's
# "Access attempts"), so every web node sees them.
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = env.int("QAC_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("QAC_LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# The database handler, with a narrower reset on success (see the class).
AXES_HANDLER = "qac.accounts.throttle.LoginAttemptsHandler"
# Login is by e-mail in any case: count "Staff@" and "staff@" as one account.
AXES_USERNAME_CALLABLE = "qac.accounts.throttle.axes_username"
# Our page, in Russian first, saying how long to wait.
AXES_LOCKOUT_CALLABLE = "qac.accounts.throttle.lockout_response"
# Sign-up and password reset: requests per client address per hour (and for
# the reset, per address asked for, so nobody's mailbox can be flooded).
QAC_SIGNUP_RATE_PER_HOUR = env.int("QAC_SIGNUP_RATE_PER_HOUR", default=10)
QAC_PASSWORD_RESET_RATE_PER_HOUR = env.int("QAC_PASSWORD_RESET_RATE_PER_HOUR", default=10)
QAC_PASSWORD_RESET_EMAIL_RATE_PER_HOUR = env.int("QAC_PASSWORD_RESET_EMAIL_RATE_PER_HOUR", default=3)

# Two-factor sign-in (TOTP app, with one-time recovery codes) is required of
# the head, staff and experts; candidates may turn it on. Development
# settings turn the requirement off so the demo accounts work without a phone.
QAC_OTP_REQUIRED = env.bool("QAC_OTP_REQUIRED", default=True)
QAC_OTP_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "QAC Autoprom North-West"
# Exponential back-off after each wrong code: 1, 2, 4, 8 ... seconds per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The devices' secrets are never shown in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions of the head, staff and experts end after this idle time and at the
# latest this long after login; candidates keep SESSION_COOKIE_AGE (14 days).
QAC_STAFF_SESSION_IDLE_MINUTES = env.int("QAC_STAFF_SESSION_IDLE_MINUTES", default=120)
QAC_STAFF_SESSION_MAX_HOURS = env.int("QAC_STAFF_SESSION_MAX_HOURS", default=12)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

# --- Static and private files -------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents and rendered PDFs hold personal data: they live outside
# any public path and are served only through views that check access, so
# urls.py deliberately has no route for MEDIA_URL (it is set only because
# Django's tooling expects a value; tests prove /media/ answers 404).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ЦОК «Автопром Северо-Запад» <noreply@qac.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address of the site, for links in e-mails, PDFs (QR codes) and
# calendar invitations: qac.urls_util.site_url. Set it in production. Unset,
# links follow the request being served (or the one that queued the task),
# and without one the address `make run` serves on, which it exports as
# QAC_DEV_SITE_URL (http://$(HOST):$(PORT)).
QAC_SITE_URL = env("QAC_SITE_URL", default="")
QAC_DEV_SITE_URL = env("QAC_DEV_SITE_URL", default="http://127.0.0.1:8000")

# --- Security defaults that hold everywhere ----------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools report every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes announces its configuration at INFO on every start.
        "axes": {"level": "WARNING"},
    },
}

# --- Domain settings ------------------------------------------------------------
# Deadlines from Government Decree No. 1204 (domain.md). They are settings,
# not constants, because the rule or its reading may change.
QAC_APPLICATION_REVIEW_DAYS = env.int("QAC_APPLICATION_REVIEW_DAYS", default=10)
QAC_DOCUMENTS_ISSUE_DAYS = env.int("QAC_DOCUMENTS_ISSUE_DAYS", default=30)
QAC_REGISTRY_REPORT_DAYS = env.int("QAC_REGISTRY_REPORT_DAYS", default=30)
QAC_APPEAL_DAYS = env.int("QAC_APPEAL_DAYS", default=30)
# Order 701n: the center forwards an appeal to the Council's appeals commission at once (our own target,
# so the commission can confirm its registration within 7 working days, p.6); the commission decides
# within 60 calendar days of registering it (p.7); the center executes the decision within the time the
# decision sets, at most 45 days (p.23).
QAC_APPEAL_FORWARD_DAYS = env.int("QAC_APPEAL_FORWARD_DAYS", default=3)
QAC_APPEAL_DECISION_DAYS = env.int("QAC_APPEAL_DECISION_DAYS", default=60)
QAC_APPEAL_EXECUTION_MAX_DAYS = env.int("QAC_APPEAL_EXECUTION_MAX_DAYS", default=45)
QAC_APPEAL_MAX_FILES = env.int("QAC_APPEAL_MAX_FILES", default=10)
# Decree 1204 p.15-16: the exam materials go to the Council within 7 days of the
# exam, and the Council decides within 14; Order 725n App. 3 p.23: a duplicate
# within 15 days of the holder's application.
QAC_COUNCIL_PACKAGE_DAYS = env.int("QAC_COUNCIL_PACKAGE_DAYS", default=7)
QAC_COUNCIL_DECISION_DAYS = env.int("QAC_COUNCIL_DECISION_DAYS", default=14)
QAC_DUPLICATE_DAYS = env.int("QAC_DUPLICATE_DAYS", default=15)
# Deadlines this close (days) are shown as "due soon" on the staff pages.
QAC_DEADLINE_WARN_DAYS = env.int("QAC_DEADLINE_WARN_DAYS", default=3)
# The staff home's to-do board (qac/board.py): each a selector board_items(*, today) -> list of items.
QAC_BOARD_SOURCES = [
    "candidates.selectors.board_items",
    "qac.contracts.selectors.board_items",
    "qac.exams.homes.board_items",
    "qac.council.selectors.board_items",
    "qac.certificates.selectors.board_items",
    "qac.appeals.selectors.board_items",
    "qac.registry.selectors.board_items",
    "qac.retention.selectors.board_items",
]
# The board's counts are kept this long (seconds) and the page says when they were counted; 0 counts
# on every request.
QAC_BOARD_CACHE_SECONDS = env.int("QAC_BOARD_CACHE_SECONDS", default=60)
# The version of the personal-data consent and exam-rules text shown to
# candidates (templates/candidates/consent.html); recorded with each consent.
# Change it whenever that text changes.
QAC_CONSENT_TEXT_VERSION = "2026-12-01"
# Registration numbers come from the register (Order 725n App. 3 p.5); the
# answer file's numbers must match this pattern (examples seen:
# 08.00800.01.00000003.27: qualification code, 8-digit sequence, 2 digits).
QAC_REGISTER_NUMBER_PATTERN = env("QAC_REGISTER_NUMBER_PATTERN", default=r"^\d{2}\.\d{5}\.\d{2}\.\d{8}\.\d{2}$")
# Links to register records must start with one of these (comma-separated); empty = any https/http URL.
QAC_REGISTER_URL_PREFIXES = env.list("QAC_REGISTER_URL_PREFIXES", default=[])
# The stand-in for the register (demos and tests only) makes links under this address.
QAC_REGISTER_STUB_URL = env("QAC_REGISTER_STUB_URL", default="https://register.invalid/records/")
# How many documents one render task lays out together (fonts are subset once per batch).
QAC_RENDER_BATCH_SIZE = env.int("QAC_RENDER_BATCH_SIZE", default=25)
# Holders are reminded this many days before their certificate expires.
QAC_EXPIRY_REMINDER_DAYS = env.int("QAC_EXPIRY_REMINDER_DAYS", default=60)
# Public verification: look-ups per client address per minute.
QAC_VERIFY_RATE_PER_MINUTE = env.int("QAC_VERIFY_RATE_PER_MINUTE", default=20)
# The online theory test opens, and takes answers, only from these client networks (comma-separated CIDR
# ranges, e.g. the venue's "192.0.2.0/24,2001:db8::/64"); empty = from anywhere. Checked against REMOTE_ADDR.
# Each web process keeps the options of the questions it has seen in an autosave (they cannot change
# while a test uses them). The test suite turns it off: its rolled-back rows give ids out again.
QAC_THEORY_KEEP_CHOICES = env.bool("QAC_THEORY_KEEP_CHOICES", default=True)
QAC_THEORY_NETWORKS = env.list("QAC_THEORY_NETWORKS", default=[])
for _network in QAC_THEORY_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"QAC_THEORY_NETWORKS: {_network!r} is not a network ({_exc}).") from None
# Records whose report deadline is this close are flagged on the staff pages.
QAC_REGISTRY_WARN_DAYS = env.int("QAC_REGISTRY_WARN_DAYS", default=7)
# An accepted application is enrolled in a session only once its contract is paid or the payment is
# guaranteed (Decree 1204 p.6: the exam is held under a paid contract). Off only where the center
# takes payment outside this system.
QAC_ENROLMENT_REQUIRES_PAYMENT = env.bool("QAC_ENROLMENT_REQUIRES_PAYMENT", default=True)
# Retention periods, in years (docs/retention.md). Order 759n p.3 «ж»: the application, the
# protocol and the exam materials are kept for the certificate's validity (the qualification's
# validity_years, or a document's own «valid until») and three years after. Records no law
# keeps longer follow 152-FZ art. 5 p.7: no longer than their purpose needs.
QAC_RETENTION = {
    "after_validity_years": env.int("QAC_RETENTION_AFTER_VALIDITY_YEARS", default=3),
    "unexamined_years": env.int("QAC_RETENTION_UNEXAMINED_YEARS", default=3),
    "identity_change_years": env.int("QAC_RETENTION_IDENTITY_CHANGE_YEARS", default=3),
    "inactive_account_years": env.int("QAC_RETENTION_INACTIVE_ACCOUNT_YEARS", default=3),
}
# 152-FZ art. 21 p.5: personal data destroyed within 30 days of a withdrawal of consent.
QAC_CONSENT_WITHDRAWAL_DAYS = env.int("QAC_CONSENT_WITHDRAWAL_DAYS", default=30)
# At most this many records in one act (the head reads it, its PDF lists each); the rest comes next night.
QAC_RETENTION_ACT_MAX_ITEMS = env.int("QAC_RETENTION_ACT_MAX_ITEMS", default=2000)
# Records of a rejected act are not proposed again for this many days.
QAC_RETENTION_REJECTED_HOLD_DAYS = env.int("QAC_RETENTION_REJECTED_HOLD_DAYS", default=30)
# Demo data may be loaded everywhere but production.
QAC_DEMO_DATA_ALLOWED = True
# Health checks must answer quickly even when a dependency hangs.
QAC_HEALTH_TIMEOUT_SECONDS = env.float("QAC_HEALTH_TIMEOUT_SECONDS", default=2.0)

# --- Web security ------------------------------------------------------------------
# Content-Security-Policy on every response (django-csp 4.0): scripts and styles only from
# this site's own files, so an injected <script> or on...= attribute does not run. Templates
# hold no inline scripts or handlers (tests/test_web_security.py greps them); data reaches
# static/js/ through data- attributes. QR codes are data: images.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Just inside SecurityMiddleware, so error pages get the header too. The input check comes
# last, once the visitor is known, so its 400 page shows the usual layout.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.append("qac.middleware.RejectInvalidInputMiddleware")
# /.well-known/security.txt (RFC 9116): where to report a vulnerability.
QAC_SECURITY_CONTACT = env("QAC_SECURITY_CONTACT", default="mailto:security@qac.local")
# Uploads per application: files for one required document, and in all.
QAC_APPLICATION_MAX_FILES_PER_DOCUMENT = env.int("QAC_APPLICATION_MAX_FILES_PER_DOCUMENT", default=5)
QAC_APPLICATION_MAX_FILES = env.int("QAC_APPLICATION_MAX_FILES", default=30)
