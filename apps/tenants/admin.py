from django.contrib import admin
from django_tenants.admin import TenantAdminMixin

from .models import Client, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Client)
class ClientAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("name", "schema_name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "schema_name", "domains__domain")
    readonly_fields = ("schema_name", "created_at", "updated_at")
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary", "created_at")
    search_fields = ("domain", "tenant__name")
    list_select_related = ("tenant",)
