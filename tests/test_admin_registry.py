"""The public Django admin never edits tenant data: no tenant-schema model is registered in it."""

from django.conf import settings
from django.contrib import admin


def test_no_tenant_model_is_registered_in_the_public_admin():
    tenant_only = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS if app not in settings.SHARED_APPS}
    registered = {model._meta.app_label for model in admin.site._registry}
    # apps.audit is shared as well as tenant: the admin shows the public (platform) log, read-only.
    assert {"partners", "products"} <= tenant_only
    assert registered.isdisjoint(tenant_only), registered & tenant_only
