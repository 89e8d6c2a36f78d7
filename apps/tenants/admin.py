from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django_tenants.admin import TenantAdminMixin

from apps.backups.selectors import with_backup_state
from backend.exceptions import ApplicationError

from .models import Client, Domain
from .offboarding import tenant_offboarding_cancel
from .services import tenant_create, tenant_reactivate, tenant_suspend


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class SuspendForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Recorded in the platform audit log and shown to superusers.",
    )


class TenantAddForm(forms.ModelForm):
    """Admin "add tenant": provisions through `tenant_create` (warm pool → template clone → migrations),
    never through Client.save(). The service validates; its errors land on the matching form field."""

    schema_name = forms.CharField(
        max_length=63, help_text="Lower-case letters, digits and underscores, starting with a letter; e.g. acme."
    )
    name = forms.CharField(label="Company name", max_length=200)
    domain = forms.CharField(label="Primary domain", max_length=253, help_text="e.g. acme.projectmeats.com")
    owner_email = forms.EmailField(
        label="Owner e-mail",
        help_text="Becomes the tenant's owner and is mailed a link to choose a password "
        "(or, with an existing account, where to sign in).",
    )
    plan = forms.ChoiceField(choices=Client.Plan.choices, initial=Client._meta.get_field("plan").default)

    actor = None  # set per request by ClientAdmin.get_form

    class Meta:
        model = Client
        fields = ()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = tenant_create(
                schema_name=cleaned["schema_name"],
                name=cleaned["name"],
                domain=cleaned["domain"],
                owner_email=cleaned["owner_email"],
                plan=cleaned["plan"],
                actor=self.actor,
            )
        except ApplicationError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned

    def _post_clean(self):
        # The service validated everything and created the tenant; model validation of the fresh
        # instance would only repeat it (or, after a refusal, complain about an empty instance).
        pass


def _apply(modeladmin, request, queryset, service, verb: str, **kwargs) -> None:
    done, refused = [], []
    for tenant in queryset:
        try:
            service(tenant=tenant, actor=request.user, **kwargs)
            done.append(tenant.name)
        except ApplicationError as exc:
            refused.append(exc.message)
    if done:
        modeladmin.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.ERROR)


@admin.register(Client)
class ClientAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "schema_name",
        "status",
        "plan",
        "suspended_at",
        "created_at",
        "last_backup",
        "last_verified_restore",
    )
    list_filter = ("status", "plan")
    search_fields = ("name", "schema_name", "domains__domain")
    # Status changes only through the actions below (services: validated, audited in public).
    readonly_fields = (
        "schema_name",
        "status",
        "suspended_reason",
        "suspended_at",
        "offboarding_requested_at",
        "export_file",
        "export_ready_at",
        "storage_bytes_used",
        "onboarding_dismissed_at",
        "created_at",
        "updated_at",
        "last_backup",
        "last_verified_restore",
    )
    inlines = [DomainInline]
    add_fieldsets = ((None, {"fields": ("schema_name", "name", "domain", "owner_email", "plan")}),)

    def get_queryset(self, request):
        return with_backup_state(super().get_queryset(request))

    @admin.display(description="Last backup", ordering="last_backup_at")
    def last_backup(self, obj):
        return getattr(obj, "last_backup_at", None) or "never"

    @admin.display(description="Last verified restore", ordering="last_verified_restore_at")
    def last_verified_restore(self, obj):
        return getattr(obj, "last_verified_restore_at", None) or "never"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return type("TenantAddForm", (TenantAddForm,), {"actor": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    PLAN_FIELDS = ("plan", "quota_overrides", "feature_overrides")

    def save_model(self, request, obj, form, change):
        if not change:
            return  # TenantAddForm already provisioned it through tenant_create (and audited it)
        # Plan, quota and feature changes are platform decisions: recorded in the public audit log.
        changed = [field for field in self.PLAN_FIELDS if field in form.changed_data]
        before = {field: form.initial.get(field) for field in changed}
        super().save_model(request, obj, form, change)
        if change and changed:
            from .services import _platform_audit

            _platform_audit(
                action="tenant.plan_update",
                actor=request.user,
                tenant=obj,
                changes={field: [before[field], getattr(obj, field)] for field in changed},
            )

    actions = ["suspend_tenants", "reactivate_tenants", "cancel_offboarding"]

    def has_suspend_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(description="Suspend selected tenants…", permissions=["suspend"])
    def suspend_tenants(self, request, queryset):
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            _apply(self, request, queryset, tenant_suspend, "Suspended", reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Suspend tenants",
            "form": form,
            "tenants": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tenants/client/suspend.html", context)

    @admin.action(description="Reactivate selected tenants", permissions=["suspend"])
    def reactivate_tenants(self, request, queryset):
        _apply(self, request, queryset, tenant_reactivate, "Reactivated")

    @admin.action(description="Cancel offboarding (before the purge)", permissions=["suspend"])
    def cancel_offboarding(self, request, queryset):
        _apply(self, request, queryset, tenant_offboarding_cancel, "Offboarding cancelled")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary", "is_verified", "created_at")
    list_filter = ("is_verified", "is_primary")
    search_fields = ("domain", "tenant__name")
    list_select_related = ("tenant",)
