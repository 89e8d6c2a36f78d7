"""Fill the warm pool of pre-provisioned tenant schemas (also done by the tenants.refill_tenant_pool job)."""

from django.core.management.base import BaseCommand, CommandError

from backend.provisioning import pool_refill, pool_size


class Command(BaseCommand):
    help = "Create (or drop) pooled tenant schemas until TENANT_WARM_POOL_SIZE are ready; drop stale ones."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=None, help="Pool size (default TENANT_WARM_POOL_SIZE).")

    def handle(self, *args, **options):
        size = options["size"]
        if size is not None and size < 0:
            raise CommandError("--size must be 0 or more.")
        result = pool_refill(size=pool_size() if size is None else size)
        self.stdout.write(
            f"Tenant pool: {result.available} of {result.size} ready; created {len(result.created)}, "
            f"discarded {len(result.discarded)}." + (f" ({result.note})" if result.note else "")
        )
        if result.note and result.available < result.size:
            raise CommandError(result.note)
