from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    verbose_name = "Partners"
