"""WSGI entry point, served by gunicorn in production:

gunicorn qac.wsgi --workers 4 --bind 0.0.0.0:8000
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qac.settings.dev")

application = get_wsgi_application()
