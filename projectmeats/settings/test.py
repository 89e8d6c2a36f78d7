"""Test runs: a throwaway embedded PostgreSQL cluster per test session unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import database_from_url, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-with-enough-length-to-be-plausible"
BASE_DOMAIN = "localhost"
PLATFORM_HOSTS = [".localhost", "localhost", "testserver"]

if env("DATABASE_URL", default=""):
    DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
else:
    from backend.embedded_db import throwaway_database

    DATABASES = {"default": throwaway_database()}
DATABASES["default"]["CONN_MAX_AGE"] = 0

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "backups": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
SEED_DEMO_ALLOWED = True
# API-09: docs open here; tests that need the production behaviour override it.
API_DOCS_PUBLIC = True
# No network in tests: every name has no TXT record unless a test configures a StaticResolver.
DNS_RESOLVER = "backend.dns.StaticResolver"
# No warm pool unless a test sets one (pooled schemas would outlive the rolled-back test transactions).
TENANT_WARM_POOL_SIZE = 0
# Usage counters are written only when a test calls backend.usage.flush() (query counts stay exact).
USAGE_FLUSH_SECONDS = None
