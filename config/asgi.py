"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from config import DEFAULT_SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
application = get_asgi_application()
