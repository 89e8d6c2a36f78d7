"""Production settings with plain django-tenants' backend and no request transaction — the baseline
bench/stack.py measures against (and what main ran before backend.postgresql). Not for deployment:
behind a transaction pooler it answers from the wrong tenant's schema (docs/adr/0001)."""

from .production import *  # noqa: F403
from .production import DATABASES, MIDDLEWARE

DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
MIDDLEWARE = [name for name in MIDDLEWARE if name != "backend.request_transaction.RequestTransactionMiddleware"]
