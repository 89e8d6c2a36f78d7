"""Plain django-tenants' `migrate_schemas`, in a process of its own (the benchmarks' subprocess runs).

    python bench/plain_migrate_schemas.py --tenant --executor=multiprocessing -v 0

Calls `django_tenants.management.commands.migrate_schemas.Command` itself through call_command, so
that none of our command's code (fast path, lock, replay) is involved: `manage.py migrate_schemas
--executor ...` would also reach django-tenants' handle(), but through our subclass. Used for the
multiprocessing executor, whose pool is never closed (it hangs when called in-process), and for the
standard executor measured the same way. Environment: DATABASE_URL and DJANGO_SETTINGS_MODULE as for
manage.py; BENCH_MIGRATION_MODULES (JSON, optional) overrides settings.MIGRATION_MODULES, with the
packages' folder on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import django
    from django.conf import settings

    if os.environ.get("BENCH_MIGRATION_MODULES"):
        settings.MIGRATION_MODULES = json.loads(os.environ["BENCH_MIGRATION_MODULES"])
    django.setup()
    from django.core.management import call_command
    from django_tenants.management.commands.migrate_schemas import Command

    command = Command()
    assert type(command).__module__ == "django_tenants.management.commands.migrate_schemas"  # noqa: S101
    call_command(command, *sys.argv[1:])


if __name__ == "__main__":
    main()
