from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    label = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from backend import crypto

        from .keys import load_keyset

        # backend.crypto asks us for a schema's data keys (backend never imports apps).
        crypto.register_key_provider(load_keyset)

        from .totp import install as encrypt_totp_secrets

        encrypt_totp_secrets()
