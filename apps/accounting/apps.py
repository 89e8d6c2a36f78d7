from django.apps import AppConfig


class AccountingConfig(AppConfig):
    name = "apps.accounting"
    verbose_name = "Accounting"
