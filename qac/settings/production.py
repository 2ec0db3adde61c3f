"""Production: PostgreSQL, Redis, gunicorn, Celery workers and one beat.

There are no defaults for secrets here. A missing or unsafe value stops
start-up with a single line naming the variable, rather than a traceback
or, worse, a server running with a development key.
"""

import os
import sys

from .base import *  # noqa: F403
from .base import STORAGES, env, postgresql_options


def _refuse(message: str) -> None:
    sys.exit(f"qac.settings.production: {message}")


# REDIS_URL: the cache holds rate limits and sign-in lockouts; a per-process memory
# cache would let every gunicorn worker count on its own, so production needs the shared one.
# QAC_SITE_URL: links in mails sent by beat (no request) and in PDFs must name the public address.
for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "QAC_SITE_URL"):
    if not os.environ.get(_name, "").strip():
        _refuse(f"{_name} is not set; production refuses to start without it.")

SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("django-insecure", "dev-only")):
    _refuse("SECRET_KEY is too weak: use at least 50 random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if "*" in ALLOWED_HOSTS:
    _refuse("ALLOWED_HOSTS must name the real hosts, not '*'.")

DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    _refuse("DATABASE_URL must point to PostgreSQL (postgres://...).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
postgresql_options(DATABASES["default"])

# Every page prints the center's identity: an edit in the admin shows within a minute, not a query a page.
QAC_CENTER_CACHE_SECONDS = env.int("QAC_CENTER_CACHE_SECONDS", default=60)

QAC_ENVIRONMENT = "production"
QAC_DEMO_DATA_ALLOWED = False
DEBUG = False

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy (nginx, a load balancer) that sets this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# /healthz is polled by the load balancer over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
