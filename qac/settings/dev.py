"""Local development: the default of ``manage.py``."""

from .base import *  # noqa: F403
from .base import env

QAC_ENVIRONMENT = "dev"
DEBUG = env.bool("DEBUG", default=True)
