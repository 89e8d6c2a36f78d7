"""No-op `migrate_schemas --tenant` at fleet scale: plain django-tenants against ours, in one run.

    .venv/bin/python bench/migrate_noop.py --tenants 100 [--repeat 5]

Starts a throwaway embedded PostgreSQL cluster (never a configured DATABASE_URL), builds N migrated
tenants, then times on that same database a no-op tenant run of plain django-tenants' command
(standard executor, the PRODUCT.md §9 baseline) and of ours (one catalog query, no executor per
current schema), both in-process through call_command at verbosity 0 so that Django's start-up is
not counted; then ours as CI runs it, in a new process. Prints a table; asserts nothing.
django-tenants' multiprocessing executor is left out: called in-process it never closes its pool and
the run hangs in the pool's finalizer after the migrations (django-tenants 4.0.x).
"""

from __future__ import annotations

import argparse
import statistics

from common import QUIET, build_fleet, manage_py, print_table, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100, help="number of tenant schemas (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of our command; the median is reported")
    parser.add_argument("--plain-repeat", type=int, default=1, help="runs of plain django-tenants' command")
    parser.add_argument("--parallel", type=int, default=4, help="workers used to create the schemas")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    build_fleet(args.tenants, args.parallel)

    def ours():
        call_command("migrate_schemas", tenant=True, **QUIET)

    def plain():
        call_command(PlainMigrateSchemas(), tenant=True, executor="standard", **QUIET)

    ours()  # load the migration graph once, as every new process does
    rows = [
        ("plain django-tenants, standard executor", timed(plain, args.plain_repeat)),
        ("ours (fast path)", timed(ours, args.repeat)),
    ]
    cli = timed(lambda: manage_py("migrate_schemas", "--tenant", "--noinput", "-v", "0"), args.repeat)
    print_table(f"no-op `migrate_schemas --tenant`, {args.tenants} tenants", rows)
    ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
    print(f"ratio plain standard / ours: {ratio:.0f}x")
    print(f"ours end to end (`manage.py migrate_schemas --tenant`, new process): median {statistics.median(cli):.2f}s")


if __name__ == "__main__":
    main()
