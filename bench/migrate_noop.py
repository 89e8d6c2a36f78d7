"""No-op `migrate_schemas --tenant` at fleet scale: plain django-tenants against ours, in one run.

    .venv/bin/python bench/migrate_noop.py --tenants 100 [--repeat 5]

Starts a throwaway embedded PostgreSQL cluster (never a configured DATABASE_URL), builds N migrated
tenants, then times on that same database a no-op tenant run of plain django-tenants' command
(standard executor, the PRODUCT.md §9 baseline) and of ours (one catalog query, no executor per
current schema), both in-process through call_command at verbosity 0 so that Django's start-up is
not counted; then, each in a new process as CI runs them, plain django-tenants with its standard and
its multiprocessing executor (bench/plain_migrate_schemas.py: django-tenants' own command class) and
ours (`manage.py migrate_schemas --tenant`). The multiprocessing executor only runs in a new process:
called in-process it never closes its pool and hangs in the pool's finalizer (django-tenants 4.0.x).
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics

from common import QUIET, build_fleet, manage_py, parse_args, plain_subprocess, print_table, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100, help="number of tenant schemas (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of our command; the median is reported")
    parser.add_argument("--plain-repeat", type=int, default=1, help="runs of plain django-tenants' command")
    parser.add_argument("--parallel", type=int, default=4, help="workers used to create the schemas")
    parser.add_argument(
        "--clone", action="store_true", help="build the fleet by cloning the tenant template (faster at 1,000)"
    )
    args = parse_args(parser, smoke={"tenants": 2, "repeat": 1, "plain_repeat": 1, "parallel": 2})

    setup_django(smoke=args.smoke)
    from django.core.management import call_command
    from django_tenants.management.commands.migrate_schemas import Command as PlainMigrateSchemas

    build_fleet(args.tenants, args.parallel, clone=args.clone)

    def ours():
        call_command("migrate_schemas", tenant=True, **QUIET)

    def plain():
        call_command(PlainMigrateSchemas(), tenant=True, executor="standard", **QUIET)

    ours()  # load the migration graph once, as every new process does
    rows = [
        ("plain django-tenants, standard executor (in-process)", timed(plain, args.plain_repeat)),
        ("ours, fast path (in-process)", timed(ours, args.repeat)),
        ("plain django-tenants, standard executor (new process)", timed(
            lambda: plain_subprocess("standard"), args.plain_repeat)),
        ("plain django-tenants, multiprocessing executor (new process)", timed(
            lambda: plain_subprocess("multiprocessing"), args.plain_repeat)),
        ("ours, `manage.py migrate_schemas --tenant` (new process)", timed(
            lambda: manage_py("migrate_schemas", "--tenant", "--noinput", "-v", "0"), args.repeat)),
    ]  # fmt: skip
    print_table(f"no-op `migrate_schemas --tenant`, {args.tenants} tenants", rows)
    median = {label: statistics.median(times) for label, times in rows}
    labels = [label for label, _ in rows]
    print(f"in-process: plain standard / ours = {median[labels[0]] / median[labels[1]]:.0f}x")
    for label in labels[2:4]:
        print(f"new process: {label} / ours = {median[label] / median[labels[4]]:.1f}x")


if __name__ == "__main__":
    main()
