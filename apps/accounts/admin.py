from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from .models import Invitation, Membership, SupportSession, User
from .services import user_temporary_password_set

# The superuser changing a password in admin, for the audit event (the admin builds the form without
# the request).
_admin_actor: ContextVar[User | None] = ContextVar("accounts_admin_actor", default=None)


class TemporaryPasswordChangeForm(AdminPasswordChangeForm):
    """A password an administrator sets is temporary: the user replaces it at next sign-in (IAM-14)."""

    def save(self, commit=True):
        if not self.cleaned_data.get("set_usable_password", True):
            return super().save(commit=commit)  # "disable password-based authentication"
        user_temporary_password_set(user=self.user, actor=_admin_actor.get(), password=self.cleaned_data["password1"])
        return self.user


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("tenant",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "is_superuser", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff", "is_superuser")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "must_change_password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]
    change_password_form = TemporaryPasswordChangeForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            # Created with a password the administrator chose: temporary (IAM-14).
            user_temporary_password_set(user=obj, actor=request.user, password=form.cleaned_data["password1"])

    def user_change_password(self, request, id, form_url=""):
        token = _admin_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _admin_actor.reset(token)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__email", "tenant__name", "tenant__schema_name")
    list_select_related = ("user", "tenant")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "tenant", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email", "tenant__name", "tenant__schema_name")
    list_select_related = ("tenant", "invited_by")
    # Invitations are created, accepted and revoked through the services (which audit); admin only looks.
    readonly_fields = [field.name for field in Invitation._meta.fields if field.name != "id"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SupportSession)
class SupportSessionAdmin(admin.ModelAdmin):
    """Support sessions, read-only: opened from /admin/support/start/ and ended through the services (audited)."""

    list_display = ("started_at", "superuser", "user", "tenant", "expires_at", "elevated_at", "ended_at", "end_reason")
    list_filter = ("end_reason",)
    search_fields = ("superuser__email", "user__email", "tenant__schema_name", "reason")
    list_select_related = ("superuser", "user", "tenant")
    readonly_fields = [field.name for field in SupportSession._meta.fields if field.name != "id"]

    def has_add_permission(self, request) -> bool:
        return False  # the "Open a support session" page does it, with its checks

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
