"""Production: everything comes from the environment; missing secrets stop the process at import."""

import sys

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_url, env, logging_config, parse_levels, uses_direct_connection


def _check_data_protection_keys(master_keys: str, signing_key: str) -> None:
    """Well-formed and not the public development values, or a one-line ImproperlyConfigured."""
    from backend.crypto import parse_master_keys

    parse_master_keys(master_keys)
    if master_keys.startswith("dev1:") or "development-only" in signing_key:
        raise ImproperlyConfigured("ENCRYPTION_MASTER_KEYS / BACKUP_SIGNING_KEY hold the public development values")
    if len(signing_key) < 32:
        raise ImproperlyConfigured("BACKUP_SIGNING_KEY must be at least 32 characters")


# REDIS_URL: every gunicorn worker and every host must share the routing cache (a suspended tenant is
# refused everywhere at once) and the rate-limit counters; a per-process cache silently breaks both.
# ENCRYPTION_MASTER_KEYS wraps every tenant's data keys (personal fields, TOTP secrets); BACKUP_SIGNING_KEY
# signs backup manifests (restore refuses unsigned or tampered dumps). Neither has a production default.
REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENCRYPTION_MASTER_KEYS", "BACKUP_SIGNING_KEY")
_missing = [name for name in REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured("Production settings need these environment variables: " + ", ".join(_missing))

# Keys that live in this repository (development and test settings) or look like Django's generated
# development keys: anyone can read them, so sessions, reset links and signed tokens would be forgeable.
KNOWN_DEVELOPMENT_KEYS = {
    "django-insecure-development-only-key-not-for-production",
    "test-only-secret-key-with-enough-length-to-be-plausible",
}


def secret_key_problem(key: str) -> str | None:
    """Why `key` is not fit for production (Django's own --deploy rule W009, refused instead of warned)."""
    if key in KNOWN_DEVELOPMENT_KEYS or key.startswith("django-insecure"):
        return "is a development key published in the repository"
    if len(key) < 50:
        return "must be at least 50 characters long (openssl rand -hex 32)"
    if len(set(key)) < 5:
        return "must have at least 5 different characters"
    return None


DEBUG = False
SECRET_KEY = env("SECRET_KEY")
_secret_problem = secret_key_problem(SECRET_KEY)
if _secret_problem:
    raise ImproperlyConfigured(f"SECRET_KEY {_secret_problem}.")
ENCRYPTION_MASTER_KEYS = env("ENCRYPTION_MASTER_KEYS")
BACKUP_SIGNING_KEY = env("BACKUP_SIGNING_KEY")
_check_data_protection_keys(ENCRYPTION_MASTER_KEYS, BACKUP_SIGNING_KEY)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# DATABASE_URL may be a transaction pooler (PgBouncer); DIRECT_DATABASE_URL (default: the same) is
# PostgreSQL itself, for what holds session state: migrations, the worker, pg_dump/pg_restore
# (DIRECT_DATABASE, backend/pg_tools.py). Behind a pooler Django's server-side cursors (WITH HOLD, named)
# cannot work: they are off, and streamed exports read keyset chunks instead (backend/chunks.py).
DIRECT_DATABASE_URL = env("DIRECT_DATABASE_URL", default="") or env("DATABASE_URL")
BEHIND_POOLER = env("DATABASE_URL") != DIRECT_DATABASE_URL
DIRECT_DATABASE = database_from_url(DIRECT_DATABASE_URL)
if uses_direct_connection(sys.argv):
    DATABASES = {"default": database_from_url(DIRECT_DATABASE_URL)}
else:
    DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=BEHIND_POOLER)
# nginx in front of gunicorn on the same host (deploy/nginx): one proxy, connecting from loopback.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": TRUSTED_PROXY_COUNT}  # noqa: F405

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("REDIS_URL"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {
            # Redis away → every cache call returns "nothing cached" (logged) instead of raising: routing
            # falls back to the database, rate limits to per-process counters (backend/ratelimit.py).
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"no-reply@{env('BASE_DOMAIN', default='localhost')}")


def _s3_encryption(kms_key_id: str) -> dict[str, str]:
    if kms_key_id:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    return {"ServerSideEncryption": "AES256"}


if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
                "file_overwrite": False,
                # Server-side encryption of every object (uploads, exports, backups): AES256 (S3-managed keys)
                # by default; AWS_S3_SSE_KMS_KEY_ID switches to aws:kms with that key.
                "object_parameters": _s3_encryption(env("AWS_S3_SSE_KMS_KEY_ID", default="")),
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        # Backup bundles (apps/backups): same bucket under backups/ (or AWS_BACKUP_BUCKET_NAME), same SSE.
        "backups": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env("AWS_BACKUP_BUCKET_NAME", default="") or env("AWS_STORAGE_BUCKET_NAME"),
                "location": "backups",
                "file_overwrite": False,
                "object_parameters": _s3_encryption(env("AWS_S3_SSE_KMS_KEY_ID", default="")),
            },
        },
    }

# HTTPS everywhere behind the load balancer.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# SECURE_COOKIES=false only for plain-HTTP stacks on localhost (`make stack`).
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
LINK_SCHEME = env("LINK_SCHEME", default="https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# One JSON object per line (backend/logging.py); LOG_FORMAT=console for a person reading along.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(
    fmt=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"), levels=parse_levels(env("LOG_LEVELS", default=""))
)
SEED_DEMO_ALLOWED = False

# Signups should never wait for a schema clone: keep a few ready (each is a full, empty tenant schema).
TENANT_WARM_POOL_SIZE = env.int("TENANT_WARM_POOL_SIZE", default=10)
