"""ASGI entry point (unused by the default deployment, kept for completeness)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.production")
application = get_asgi_application()
