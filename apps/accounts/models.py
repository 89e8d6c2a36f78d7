"""Shared identities: one `User` per e-mail address in `public`, joined to tenants by `Membership`."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # Platform staff: may open Django admin on the public host.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # IAM-14: set with a temporary password (admin, set_temporary_password); the user must choose a new
    # password before any other page opens (PasswordChangeRequiredMiddleware). Cleared when they do.
    must_change_password = models.BooleanField(default=False)
    # Raised to end every browser session of the user at once ("sign out everywhere", MFA off, temporary
    # password): it is part of the session hash Django checks on each request.
    session_epoch = models.PositiveIntegerField(default=0, db_default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        # Sign-in, user_ensure and signup look e-mails up case-insensitively (email__iexact = UPPER(email)):
        # without this a seq scan over every user, which grows with the fleet (create_tenant at 10,000 tenants).
        indexes = [models.Index(Upper("email"), name="user_email_upper_idx")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        if not self.session_epoch:  # unchanged for users who never revoked: deploying signs nobody out
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "apps.accounts.models.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Membership(models.Model):
    """A user's access to one tenant, with one role (roles are enforced by the accounts layer)."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MANAGER = "manager", "Manager"
        STAFF = "staff", "Staff"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(default=True)
    # An admin's "sign out" of this member: their sessions on this tenant bound before this moment end.
    sessions_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]
        indexes = [models.Index(fields=["tenant", "role"], name="membership_tenant_role_idx")]
        ordering = ["tenant", "user"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant.schema_name} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for programs, bound to one user and one tenant, expiring (IAM-17).

    Only a SHA-256 hash of the token is stored; the raw value is shown once, at creation. `key_prefix`
    (the token's first characters) finds the row; the hash is then compared in constant time.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    tenant = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)


class Invitation(models.Model):
    """An e-mailed offer of a membership; only the SHA-256 of its token is stored, so the link is the secret."""

    # Sealed in the tenant's audit log (apps.privacy.subjects); erasing the member destroys the key.
    PERSONAL_FIELDS = ("email",)

    tenant = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices, default=Membership.Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "email"], name="invitation_tenant_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} -> {self.tenant.schema_name} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SupportSession(models.Model):
    """A platform superuser viewing a tenant as one of its members (apps/accounts/support.py).

    Possible only while the tenant grants support access (`Client.support_access_until`); lasts at most
    SUPPORT_SESSION_MAX_MINUTES; read-only unless the superuser elevates it; ended by the superuser, the
    tenant's owner (or withdrawing access), or expiry. Every event is in the public and the tenant's audit log.
    """

    class EndReason(models.TextChoices):
        ENDED = "ended", "Ended by the superuser"
        REVOKED = "revoked", "Revoked by the tenant"
        EXPIRED = "expired", "Expired"

    superuser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="support_sessions")
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    entered_at = models.DateTimeField(null=True, blank=True)
    elevated_at = models.DateTimeField(null=True, blank=True)
    elevation_reason = models.TextField(blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True, default="")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["tenant", "-started_at"], name="support_tenant_started_idx")]

    def __str__(self) -> str:
        return f"{self.superuser} as {self.user} @ {self.tenant.schema_name}"

    def is_active(self, now=None) -> bool:
        return self.ended_at is None and self.expires_at > (now or timezone.now())
