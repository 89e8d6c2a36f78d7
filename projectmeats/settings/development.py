"""Local development: DEBUG on, embedded PostgreSQL under .data/ unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import BASE_DIR, BASE_DOMAIN, database_from_url, env

DEBUG = True
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-not-for-production")
PLATFORM_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("ALLOWED_HOSTS", default=["127.0.0.1"])]

if env("DATABASE_URL", default=""):
    DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
else:
    from backend.embedded_db import persistent_database

    # Data survives restarts of `make run`; the server stops when the last process using it exits.
    DATABASES = {"default": persistent_database(BASE_DIR / ".data" / "postgres")}
# runserver starts a thread per request and never reuses it: a persistent connection would outlive its
# thread and pile up until PostgreSQL refuses new clients (Django's docs warn about this). One
# connection per request here; gunicorn's reused threads keep theirs (production, CONN_MAX_AGE).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

# `make run` serves on :8000, so e-mailed links need the port.
LINK_PORT = env("LINK_PORT", default="8000")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SEED_DEMO_ALLOWED = True
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
TENANT_URL_SCHEME = env("TENANT_URL_SCHEME", default="http")
TENANT_URL_PORT = env("TENANT_URL_PORT", default="8000")
TENANT_WARM_POOL_SIZE = env.int("TENANT_WARM_POOL_SIZE", default=2)
