"""Settings shared by every environment; environment modules override what differs."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")

# The public host (the super tenant's domain); tenants live at <label>.<BASE_DOMAIN>.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
# Host header validation is backend.hosts.HostValidationMiddleware's, not a static list: it allows
# PLATFORM_HOSTS (ALLOWED_HOSTS syntax: the platform domain, its subdomains, extra names from the
# ALLOWED_HOSTS variable) and every verified custom Domain (cached with the routing, invalidated
# with it). Django's own check would refuse verified custom domains before routing runs.
ALLOWED_HOSTS = ["*"]
PLATFORM_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("ALLOWED_HOSTS", default=[])]
# The proxies in front of the app (backend/client_ip.py): how many (nginx alone: 1; a load balancer
# and nginx: 2) and the addresses the last of them connects from. 0 = no proxy, REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=["127.0.0.1", "::1"])
# /readyz (backend/health.py) answers only these client networks, or a caller sending X-Readyz-Token.
READYZ_ALLOWED_NETWORKS = env.list(
    "READYZ_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
)
READYZ_TOKEN = env("READYZ_TOKEN", default="")
READYZ_CACHE_SECONDS = env.int("READYZ_CACHE_SECONDS", default=5)
# /readyz trusts the fleet's migration record (backend.migration_state) this long; the 10-minute fleet check
# job refreshes it, and an older one makes the probe check every schema once (seconds at 10,000 tenants).
READYZ_FLEET_RECHECK_SECONDS = env.int("READYZ_FLEET_RECHECK_SECONDS", default=900)
# Browser API clients on other origins (django-cors-headers): none unless listed; the API only; no
# cookies cross origins (programs authenticate with bearer tokens).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
PUBLIC_TENANT_NAME = env("PUBLIC_TENANT_NAME", default="ProjectMeats")
# Links to a tenant (e-mails, redirects) use its primary domain with this scheme and optional port.
TENANT_URL_SCHEME = env("TENANT_URL_SCHEME", default="https")
TENANT_URL_PORT = env("TENANT_URL_PORT", default="")
# Custom-domain verification: a resolver class (dotted path) or object with txt_records(name) (backend.dns).
DNS_RESOLVER = env("DNS_RESOLVER", default="backend.dns.DnsPythonResolver")
DNS_LOOKUP_SECONDS = env.float("DNS_LOOKUP_SECONDS", default=5.0)
# Self-service signup on the public host (/signup/): off → 404. Attempts per client IP per window, and
# the minimum seconds between showing the form and submitting it (bots submit at once).
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=True)
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=5)
SIGNUP_RATE_WINDOW_SECONDS = env.int("SIGNUP_RATE_WINDOW_SECONDS", default=3600)
SIGNUP_MIN_FILL_SECONDS = env.int("SIGNUP_MIN_FILL_SECONDS", default=3)
# Signup confirms the address first: the e-mailed link is valid this long (issue 15).
SIGNUP_LINK_SECONDS = env.int("SIGNUP_LINK_SECONDS", default=2 * 3600)
SIGNUP_MAX_TENANTS_PER_OWNER = env.int("SIGNUP_MAX_TENANTS_PER_OWNER", default=3)
# Warm pool of pre-provisioned tenant schemas (backend.provisioning): how many to keep ready. Refilled
# by the tenants.refill_tenant_pool job after each take and every 10 minutes, or `refill_tenant_pool`.
TENANT_WARM_POOL_SIZE = env.int("TENANT_WARM_POOL_SIZE", default=3)
# Seconds pg_dump of the tenant template may take (it reads the whole catalog: ~65 s at 5,000 tenants on
# 2 busy cores); done once per template state, then read from tenants_templatedump by every process.
TENANT_TEMPLATE_DUMP_TIMEOUT = env.int("TENANT_TEMPLATE_DUMP_TIMEOUT", default=600)
# Fleet migrations (backend.safe_ddl): how long one DDL statement may wait for its table lock before it
# gives up (the schema is retried with doubling backoff, then reported `lock_timeout`), and how long any
# migration statement may run. Concurrent index builds have no statement timeout.
MIGRATION_DDL_LOCK_TIMEOUT = env.float("MIGRATION_DDL_LOCK_TIMEOUT", default=2.0)
MIGRATION_STATEMENT_TIMEOUT = env.float("MIGRATION_STATEMENT_TIMEOUT", default=300.0)
MIGRATION_DDL_RETRIES = env.int("MIGRATION_DDL_RETRIES", default=5)
MIGRATION_DDL_RETRY_BACKOFF = env.float("MIGRATION_DDL_RETRY_BACKOFF", default=1.0)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"no-reply@{BASE_DOMAIN}")
# Tenant branding uploads (validated by content with Pillow; PNG, JPEG, GIF or ICO).
BRANDING_LOGO_MAX_BYTES = env.int("BRANDING_LOGO_MAX_BYTES", default=1024 * 1024)
BRANDING_FAVICON_MAX_BYTES = env.int("BRANDING_FAVICON_MAX_BYTES", default=256 * 1024)
# Days between an owner's deletion request and `purge_offboarded_tenants` dropping schema and files.
OFFBOARDING_GRACE_DAYS = env.int("OFFBOARDING_GRACE_DAYS", default=30)
# What an offboarding tenant's host still serves (backend.tenancy): the owner's export page and
# download, sign-in to reach them, static assets. Everything else answers 423.
OFFBOARDING_OPEN_PATHS = ["/settings/offboarding/", "/login/", "/static/"]

# --- Tenancy ---------------------------------------------------------------------------
# Apps whose tables live only in the shared `public` schema.
SHARED_APPS = [
    # Our apps come first so that their management commands (create_tenant, migrate_schemas)
    # take precedence over django-tenants' commands of the same name.
    "apps.tenants",
    "apps.accounts",
    # Also a tenant app: the same append-only table holds platform events in `public` (IAM-19).
    "apps.audit",
    # No models: `check_isolation`, the cross-tenant prober shared with the CI fuzzer.
    "apps.isolation",
    # No models: the workspace shell (navigation, global search, design-system template tags).
    "apps.ui",
    # Per-tenant usage by day, fleet migration checks, the fleet page (public schema).
    "apps.operations",
    # Scheduled tenant and whole-database backups, restore drills (public schema).
    "apps.backups",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # OpClass in index expressions (trigram search indexes)
    "rest_framework",
    # Background jobs: the queue's tables live in public; each job carries its tenant (backend.jobs).
    "procrastinate.contrib.django",
    # Sign-in security (public schema): lockout records, OTP devices.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Expand/contract: `Migration.stage` markers, stage inference and splitting makemigrations
    # (migrate_schemas --stage pre|post; docs/operations.md). After django_tenants: its `migrate` stays.
    "syzygy",
    # CORS allow-list for browser API clients (CORS_ALLOWED_ORIGINS, empty by default).
    "corsheaders",
    # Data protection: encryption keys (public and every tenant), subject rights, retention.
    "apps.privacy",
]
# Apps whose tables live in every tenant schema (only there, unless also listed in SHARED_APPS).
TENANT_APPS = [
    "django.contrib.contenttypes",
    "apps.audit",
    "apps.partners",
    "apps.products",
    "apps.compliance",
    "apps.numbering",
    "apps.purchasing",
    "apps.sales",
    "apps.accounting",
    "apps.claims",
    "apps.privacy",
    "apps.documents",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Client"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "projectmeats.urls_public"
ROOT_URLCONF = "projectmeats.urls"
DEFAULT_NOT_FOUND_TENANT_VIEW = "backend.views.unknown_host"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# Schema labels that can never belong to a tenant (they collide with hosts or Postgres names).
RESERVED_SCHEMA_NAMES = [
    "public",
    "www",
    "admin",
    "api",
    "app",
    "static",
    "media",
    "mail",
    "signup",
    "login",
    "status",
    "information_schema",
    "template",
    "support",
    "help",
    "docs",
    "blog",
    "billing",
    "projectmeats",
]

MIDDLEWARE = [
    # Forwarded headers only from trusted proxies; the client IP is decided here, once.
    "backend.client_ip.ProxyHeadersMiddleware",
    # Request id, the one log line per request, Prometheus counts, per-tenant usage; answers /metrics.
    "backend.request_log.RequestObservabilityMiddleware",
    "backend.health.HealthCheckMiddleware",
    # 413 before a too-large body is read (REQUEST_BODY_MAX_BYTES).
    "backend.request_limits.RequestBodyLimitMiddleware",
    "backend.hosts.HostValidationMiddleware",
    "backend.tenancy.TenantMiddleware",
    # Before anything that answers: preflight requests from allowed origins get their CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # One transaction per writing request (POST/PUT/PATCH/DELETE): all-or-nothing, queries + 1 statements.
    "backend.request_transaction.RequestTransactionMiddleware",
    "backend.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Tenant hosts: sign-in required, session bound to the host's tenant, active membership required.
    "apps.accounts.middleware.TenantAccessMiddleware",
    # Support sessions (a superuser viewing as a member): checked, bannered, read-only unless elevated.
    "apps.accounts.support_middleware.SupportSessionMiddleware",
    "apps.accounts.signin_middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.signin_middleware.MfaGateMiddleware",
    # IAM-14: a temporary password must be replaced before any other page opens (after the MFA gate).
    "apps.accounts.signin_middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Per-IP sign-in rate limit (IAM-13), in front of axes' per e-mail+IP lockout.
    "apps.accounts.login_throttle.LoginRateLimitMiddleware",
    # Last, as django-axes asks: it turns a flagged lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backend.context_processors.tenant",
                "apps.accounts.context_processors.membership",
                "apps.ui.context_processors.nav",
            ],
        },
    },
]

WSGI_APPLICATION = "projectmeats.wsgi.application"

# django-tenants' backend with the search_path in every statement (safe behind PgBouncer's transaction
# pooling; backend/postgresql/base.py).
DATABASE_ENGINE = "backend.postgresql"


def database_from_url(url: str) -> dict:
    """Parse a DATABASE_URL with dj-database-url and force the django-tenants engine."""
    import dj_database_url

    # Health checks: a persistent connection broken by a database or pooler restart is replaced at the
    # start of the next request instead of failing it.
    config = dj_database_url.parse(url, conn_max_age=env.int("CONN_MAX_AGE", default=60), conn_health_checks=True)
    config["ENGINE"] = DATABASE_ENGINE
    return config


# Processes that hold session state — migrations (advisory lock, CREATE INDEX CONCURRENTLY, timeouts),
# the job worker (LISTEN), pg_dump/pg_restore around backups, dbshell — connect to DIRECT_DATABASE_URL,
# never through a transaction pooler (docs/deploy.md). `manage.py <command>` picks it by name.
DIRECT_CONNECTION_COMMANDS = {
    "migrate",
    "migrate_schemas",
    "procrastinate",
    "backup_tenant",
    "restore_tenant",
    "backup_database",
    "restore_drill",
    "dbshell",
}


def uses_direct_connection(argv: list[str]) -> bool:
    """This process is `manage.py <a command of DIRECT_CONNECTION_COMMANDS>`."""
    return len(argv) > 1 and argv[0].endswith("manage.py") and argv[1] in DIRECT_CONNECTION_COMMANDS


AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# django-axes must come first: it refuses locked-out credentials before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Sign-in security ------------------------------------------------------------------
# Sessions end after 30 idle minutes (IAM-10; SessionIdleMiddleware slides the expiry) unless the user
# ticks "remember me", which keeps the cookie for 30 days (IAM-11).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_REMEMBER_ME_AGE = 30 * 24 * 60 * 60
# Brute-force lockout (django-axes): 5 failures for one e-mail from one IP lock that pair for 15 minutes.
# IAM-13: more than LOGIN_RATE_LIMIT sign-in attempts per window from one IP → 429 with Retry-After.
LOGIN_RATE_LIMIT = 5
LOGIN_RATE_WINDOW_SECONDS = 60
LOGIN_RATE_LIMIT_PATHS = ("/login/", "/admin/login/", "/api/v1/auth/token/")

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.username_from_credentials"
# The same client address the audit log records (one place decides how proxies are trusted).
AXES_CLIENT_IP_CALLABLE = "backend.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# TOTP two-factor (django-otp); the issuer is what authenticator apps show next to the code.
OTP_TOTP_ISSUER = "ProjectMeats"
MFA_BACKUP_CODE_COUNT = 10
# API tokens for programs (IAM-17): lifetime of a token from POST /api/v1/auth/token/.
API_TOKEN_TTL_MINUTES = env.int("API_TOKEN_TTL_MINUTES", default=30)
# Paths on tenant hosts that anonymous visitors may open (prefixes); everything else needs sign-in.
# /api/ paths are never redirected: DRF answers anonymous API calls with 401/403 JSON.
TENANT_OPEN_PATHS = [
    "/login/",
    "/logout/",
    "/password-reset/",
    "/invitations/",
    "/static/",
    "/api/v1/auth/token/",
    # The tenant's logo and favicon brand its sign-in page too.
    "/branding/",
]
# Password reset links are single-use and valid for 30 minutes (IAM-15).
PASSWORD_RESET_TIMEOUT = 30 * 60
# The set-password link mailed to an owner created by create_tenant or the admin (apps/accounts/onboarding.py).
OWNER_ONBOARDING_SECONDS = env.int("OWNER_ONBOARDING_SECONDS", default=3 * 24 * 3600)
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# Links in e-mails are built from the tenant's primary domain, never from the request's Host header.
LINK_SCHEME = env("LINK_SCHEME", default="http")
LINK_PORT = env("LINK_PORT", default="")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Display formats (dates Y-m-d, times with the zone abbreviation): projectmeats/formats/en/formats.py.
FORMAT_MODULE_PATH = ["projectmeats.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / ".data" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        # Keys carry the tenant schema (TEN-11), see backend.tenancy.make_cache_key.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

SESSION_COOKIE_HTTPONLY = True
# Session and CSRF cookies stay host-only (no SESSION_COOKIE_DOMAIN / CSRF_COOKIE_DOMAIN): a tenant's
# cookie is never sent to another tenant's host. Sessions are also bound to the tenant server-side.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only our own scripts and styles; the one inline <style> in
# base.html (tenant colours) carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Filter dropdowns offer "All" rather than Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "All"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first: DRF answers an unauthenticated call with the first class's challenge, so the
        # answer is 401 + `WWW-Authenticate: Bearer` (RFC 6750) rather than 403.
        "apps.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "backend.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Per tenant plan: API requests per minute per user (429 + Retry-After) and API access at all.
    "DEFAULT_THROTTLE_CLASSES": ["apps.tenants.throttling.TenantPlanRateThrottle"],
    # For DRF's own get_ident(); our throttle asks backend.client_ip, which also checks the peer.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

# API-09: the OpenAPI schema and Swagger UI are open to anyone when True; when False (the production
# default) only members with ADMINISTER and platform superusers may fetch them. Development/test: True.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)

# OpenAPI 3 at /api/v1/schema/, Swagger UI at /api/v1/docs/ with assets served locally (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "ProjectMeats API",
    "DESCRIPTION": "Tenant-scoped REST API: every request acts on the tenant of its host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` choice set; name each enum after its model. Payment terms appear on
    # partners and orders under different field names: one schema enum.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "apps.partners.models.Customer.Status",
        "ComplianceTaskStatusEnum": "apps.compliance.models.ComplianceTask.Status",
        "PaymentTermsEnum": "apps.partners.models.PaymentTerms",
    },
    # Every error code each operation can give, with the one error body (backend/api_schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "backend.api_schema.document_errors"],
}

# Structured logs (backend/logging.py): LOG_FORMAT json|console, LOG_LEVEL, LOG_LEVELS "logger=LEVEL,...".
from backend.logging import logging_config, parse_levels  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", default="console")
LOGGING = logging_config(
    fmt=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"), levels=parse_levels(env("LOG_LEVELS", default=""))
)

# Compliance: how far ahead the nightly job creates tasks, and the evidence upload limit.
COMPLIANCE_HORIZON_DAYS = env.int("COMPLIANCE_HORIZON_DAYS", default=60)
COMPLIANCE_EVIDENCE_MAX_BYTES = env.int("COMPLIANCE_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# Any request body (backend/request_limits.py): the largest upload plus room for the form; nginx uses 12m.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=12 * 1024 * 1024)

# --- Observability (backend/metrics.py, backend/usage.py, apps.operations) ----------------
# /metrics: `Authorization: Bearer METRICS_TOKEN`, or a client address in METRICS_ALLOWED_IPS (CIDR allowed).
# Neither set: refused to everyone.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Per-tenant request counts are written to the usage table this often (seconds) per process.
USAGE_FLUSH_SECONDS: int | None = env.int("USAGE_FLUSH_SECONDS", default=60)
# Every job the worker runs gets its log context (job id, task, tenant) and its metrics.
from backend.job_log import observe_job  # noqa: E402

PROCRASTINATE_WORKER_DEFAULTS = {"task_middleware": [observe_job]}

# Error reporting (backend/sentry.py): off unless SENTRY_DSN is set; personal data scrubbed before sending.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from backend.sentry import init_sentry  # noqa: E402

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Data protection (backend/crypto.py, apps/privacy). `id:key` pairs, key = 32 random bytes in URL-safe
# base64; the first wraps new data keys, all unwrap. Production requires its own (and BACKUP_SIGNING_KEY);
# these development defaults are public, never use them for real data.
ENCRYPTION_MASTER_KEYS = env("ENCRYPTION_MASTER_KEYS", default="dev1:ZGV2ZWxvcG1lbnQtb25seS1tYXN0ZXIta2V5LTMyYiE=")
# HMAC key signing backup manifests; restore refuses a bundle whose signature does not verify.
BACKUP_SIGNING_KEY = env("BACKUP_SIGNING_KEY", default="development-only-backup-signing-key")

# Support sessions (apps/accounts/support.py): a superuser views a tenant as a member for at most this long.
SUPPORT_SESSION_MAX_MINUTES = 30
# The single-use link that enters a support session on the tenant host.
TENANT_OPEN_PATHS += ["/support/enter/"]

# Scheduled backups and restore drills (apps/backups). Bundles are stored through the `backups` storage:
# this directory unless production points it at the S3 bucket. Retention tiers: how many to keep.
BACKUP_ROOT = env("BACKUP_ROOT", default=str(BASE_DIR / ".data" / "backups"))
STORAGES = {
    **STORAGES,
    "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": BACKUP_ROOT}},
}
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=5)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=12)
# Backups of a tenant purged after offboarding are deleted this many days after they were taken.
BACKUP_PURGED_TENANT_DAYS = env.int("BACKUP_PURGED_TENANT_DAYS", default=30)
# The nightly drill restores the latest whole-database backup and this many tenants' latest backups (those
# verified longest ago first), so every tenant is drilled within ceil(tenants / this) nights.
BACKUP_DRILL_TENANTS_PER_RUN = env.int("BACKUP_DRILL_TENANTS_PER_RUN", default=10)
