"""The tenant (`Client`, one PostgreSQL schema each) and the host names that reach it (`Domain`)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django_tenants.models import DomainMixin, TenantMixin

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")
locale_code = RegexValidator(r"^[a-z]{2,3}(_[A-Z]{2})?$", "Enter a locale such as en_US or de_DE.")


class Client(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        OFFBOARDING = "offboarding", "Offboarding"

    class Plan(models.TextChoices):
        STARTER = "starter", "Starter"
        BUSINESS = "business", "Business"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    primary_color = models.CharField(max_length=7, default="#10b981", validators=[hex_colour])
    secondary_color = models.CharField(max_length=7, default="#3b82f6", validators=[hex_colour])
    # Default-storage names under `<schema>/branding/`, set by tenant_branding_update (validated images).
    logo = models.CharField(max_length=300, blank=True, default="")
    favicon = models.CharField(max_length=300, blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    # How money and numbers are written on pages (CLDR locale via Babel, backend/formatting.py).
    locale = models.CharField(max_length=16, default="en_US", db_default="en_US", validators=[locale_code])
    # Suspension (platform superusers, through apps.tenants.services.tenant_suspend / tenant_reactivate).
    suspended_reason = models.TextField(blank=True, default="")
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Offboarding (the owner asked for deletion): export, then purge after OFFBOARDING_GRACE_DAYS.
    offboarding_requested_at = models.DateTimeField(null=True, blank=True)
    export_file = models.CharField(max_length=500, blank=True, default="")  # default-storage name
    export_ready_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    # Owners/admins may require two-factor sign-in of every member (MFA enrolment is then forced).
    require_mfa = models.BooleanField(default=False)
    # Plan, quotas and feature flags (apps.tenants.plans). Overrides win over the plan's values:
    # quota_overrides {"max_members": 40, "max_storage_bytes": null (= unlimited), ...},
    # feature_overrides {"custom_domains": true, ...}. Self-service signups start on Starter.
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.BUSINESS)
    quota_overrides = models.JSONField(default=dict, blank=True)
    feature_overrides = models.JSONField(default=dict, blank=True)
    # Bytes of tenant uploads in default storage, kept by apps.tenants.quotas (storage_save / storage_delete).
    storage_bytes_used = models.BigIntegerField(default=0)
    # Support access: until when the owner lets platform superusers open support sessions (view as a
    # member, apps/accounts/support.py). None or past: refused.
    support_access_until = models.DateTimeField(null=True, blank=True)
    # The owner hid the onboarding checklist (apps.tenants.onboarding).
    onboarding_dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Saving a new Client creates and migrates its schema (TEN-01); schemas are never dropped
    # implicitly — offboarding drops them explicitly after export and grace period.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        # django-tenants checks schema_name__iexact on every save of a new tenant: indexed, not a seq scan
        # over the fleet (create_tenant stays flat at 10,000 tenants).
        indexes = [models.Index(Upper("schema_name"), name="client_schema_name_upper_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    def clean(self) -> None:
        super().clean()
        from .plans import validate_overrides

        validate_overrides(quota_overrides=self.quota_overrides, feature_overrides=self.feature_overrides)


class Domain(DomainMixin):
    # Only verified domains are routed (backend.tenancy). Subdomains of BASE_DOMAIN are verified when
    # provisioned; a custom domain after its DNS TXT record `_projectmeats-verify.<domain>` shows the token.
    is_verified = models.BooleanField(default=False)
    verification_token = models.CharField(max_length=64, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        indexes = [models.Index(Upper("domain"), name="domain_domain_upper_idx")]  # domain_taken: domain__iexact

    def __str__(self) -> str:
        return self.domain


class PooledSchema(models.Model):
    """A pre-provisioned tenant schema (`_pool_<random>`) waiting in the warm pool.

    Made by backend.provisioning.pool_refill from the template; taken by tenant_create under
    `SELECT ... FOR UPDATE SKIP LOCKED` and renamed to the new tenant's schema. `fingerprint` is the
    template's migration fingerprint at creation: an entry whose fingerprint differs from the current one
    is stale and is dropped, never used.
    """

    schema_name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.schema_name


class FleetMigrationState(models.Model):
    """One row: the fleet's migration state as last checked in full, which `/readyz` reads instead of
    every schema's `django_migrations` (backend.migration_state.fleet_tenants_behind).

    Written by every full check (`schemas_behind`: the 10-minute fleet check job, a `/readyz` whose record is
    missing, stale or made by other code) and by `migrate_schemas` after it brought every tenant current.
    `fingerprint` is the tenant migration set on disk of the code that wrote it; `behind` how many tenant
    schemas lacked migrations that code needs; `last_tenant_id` the highest tenant id the check covered
    (tenants made later are checked by `/readyz` itself, a handful at most).
    """

    fingerprint = models.CharField(max_length=64)
    behind = models.IntegerField()
    last_tenant_id = models.BigIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "fleet migration state"

    def __str__(self) -> str:
        return f"{self.behind} behind at {self.fingerprint[:12]}"


class TemplateDump(models.Model):
    """The tenant template's SQL (`pg_dump --schema _tenant_template`) at one migration fingerprint.

    pg_dump reads the whole catalog, not only the template: 0.4 s at 100 tenants, 65 s at 5,000. Made once
    per template state by the first process that needs it (backend.provisioning.template_sql) and read by
    every other process instead of running pg_dump again.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.fingerprint[:12]
