"""This product's scale-readiness policy: which findings of backend.scale_readiness are accepted and why,
and the `scale` system check (`manage.py check --deploy --tag scale [--database default]`).

Every accepted finding is listed here, in one place, with the reason it is safe or the work that removes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core import checks

from backend import scale_readiness
from backend.provisioning import template_schema_name

# Glob of a finding's key → why it is accepted. Remove an entry when its reason stops being true.
ACCEPTED: dict[str, str] = {
    "server-side-cursors:default": (
        "production turns them off whenever DATABASE_URL is a pooler (DIRECT_DATABASE_URL differs, "
        "DISABLE_SERVER_SIDE_CURSORS defaults on); this configuration connects to PostgreSQL directly"
    ),
    "session-set:backend/postgresql/base.py:*": (
        "the pooler-safe engine sends SET LOCAL with each statement; a session-level SET is used only for "
        "statements PostgreSQL refuses inside a transaction and for named cursors, which run on direct "
        "connections (migrations, DIRECT_DATABASE_URL), never through the pooler"
    ),
    "advisory-lock:backend/fleet.py:*": (
        "the fleet migration lock is held by migrate_schemas on a connection of its own; migrations connect "
        "directly to PostgreSQL (DIRECT_DATABASE_URL), never through the pooler; under Citus, to the coordinator"
    ),
    "advisory-xact-lock:*": (
        "transaction-scoped, so safe under transaction pooling; under Citus the application connects only "
        "to the coordinator, which takes every such lock (docs/scaling.md)"
    ),
    "session-set:backend/safe_ddl.py:*": (
        "migration timeouts: SET LOCAL in atomic migrations; the session-level SET/RESET pair is used only "
        "around non-atomic ones, which run on the direct connection"
    ),
    "session-set:backend/pg_tools.py:*": (
        "RESET to the server default after replaying a dump (the dump's own SET lines are stripped): the "
        "session is left at defaults, nothing leaks to the next client"
    ),
    "listen:function public.procrastinate_notify_queue_*": (
        "procrastinate's queue triggers NOTIFY its worker, which LISTENs over DIRECT_DATABASE_URL, never "
        "through the pooler; the queue tables stay in public, on the Citus coordinator the worker connects to"
    ),
    "identity-not-bigint:django_content_type.id": (
        "Django's own table (a few hundred rows, written only by migrate); the Citus plan widens it to "
        "bigint before distributing (docs/scaling.md, step 3)"
    ),
}

# Files whose string literals are patterns about SQL, not SQL.
EXCLUDED_SOURCES = ("backend/scale_readiness.py", "apps/tenants/scale_readiness.py")


def inspect(*, tenant_schemas: Sequence[str] | None = None) -> list[scale_readiness.Verdict]:
    """Findings for this product; the catalog part reads the tenant template (what every tenant is cloned
    from) unless other schemas are given. An empty sequence skips the catalog."""
    schemas = [template_schema_name()] if tenant_schemas is None else list(tenant_schemas)
    return scale_readiness.inspect(
        accepted=ACCEPTED, root=settings.BASE_DIR, tenant_schemas=schemas, exclude=EXCLUDED_SOURCES
    )


@checks.register("scale", deploy=True)
def check_scale_readiness(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    # The catalog is read only when the check is given a database (`check --database default`).
    verdicts = inspect(tenant_schemas=None if databases else ())
    return [
        checks.Error(verdict.line(), hint=scale_readiness.CODES[verdict.finding.code], id="scale.E001")
        for verdict in verdicts
        if verdict.blocking
    ]
