"""Local development: the default of ``manage.py``."""

from .base import *  # noqa: F403
from .base import env

QAC_ENVIRONMENT = "dev"
DEBUG = env.bool("DEBUG", default=True)
# Demo accounts sign in with the password only (`make run`); a user who
# enrolled a device is still asked for the code. README, "Security".
QAC_OTP_REQUIRED = env.bool("QAC_OTP_REQUIRED", default=False)
# E-mail printed to the console (EMAIL_URL unset) as a person reads it: the
# subject and body decoded, not base64 (qac/mail.py).
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "qac.mail.ReadableConsoleBackend"
