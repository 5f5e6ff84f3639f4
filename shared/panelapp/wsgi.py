"""WSGI entry point: the Django application, built once per process."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")

application = get_wsgi_application()
