"""Model fields for personal data: encrypted at rest (`backend.crypto`), with a blind index for exact lookups.

    email = EncryptedEmailField(blank=True, db_column="email_enc")
    email_index = BlindIndexField(source="email")

The attribute holds the clear value in Python; the column holds `pm1:<version>:<ciphertext>` under the
schema's current data key. Filtering on an encrypted field cannot match (every encryption differs): look
rows up by the blind index instead, `Model.objects.filter(**index_lookup(Model, "email", value))`, which
matches case-insensitively and ignoring repeated spaces. A column may still hold clear text (rows written
before the field was encrypted, or by the previous release): it is read as it is and encrypted on the
next save.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.db import models

from backend import crypto


class EncryptedTextField(models.TextField):
    """A text value encrypted with the schema's data key; `label` (default app.model.field) is its AAD."""

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        self.label = label
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not self.label:
            self.label = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        default_label = (
            f"{self.model._meta.app_label}.{self.model._meta.model_name}.{self.name}" if hasattr(self, "model") else ""
        )
        if self.label and self.label != default_label:
            kwargs["label"] = self.label
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or not crypto.is_ciphertext(value):
            return value
        return crypto.decrypt(value, label=self.label)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, "") or crypto.is_ciphertext(value):
            return value
        return crypto.encrypt(value, label=self.label)

    def formfield(self, **kwargs):
        # A one-line input, not the Textarea a TextField gets.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class EncryptedEmailField(EncryptedTextField):
    default_validators = [validators.validate_email]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.EmailField, "widget": forms.EmailInput, **kwargs})


class BlindIndexField(models.CharField):
    """HMAC of another field's value under the schema's index key, refreshed on every save."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_default", "")
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key in ("max_length", "blank", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def _source_label(self, model) -> str:
        source = model._meta.get_field(self.source)
        return getattr(source, "label", "") or f"{model._meta.app_label}.{model._meta.model_name}.{self.source}"

    def index_value(self, model, value) -> str:
        # Not a str: empty, or a DatabaseDefault not yet saved (the column default is '').
        return crypto.blind_index(value if isinstance(value, str) else "", label=self._source_label(model))

    def pre_save(self, model_instance, add):
        value = self.index_value(type(model_instance), getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def index_lookup(model, source: str, value: str) -> dict[str, str]:
    """Filter kwargs matching rows whose `source` equals `value` (through its blind index)."""
    for candidate in model._meta.get_fields():
        if isinstance(candidate, BlindIndexField) and candidate.source == source:
            return {candidate.name: candidate.index_value(model, value)}
    raise LookupError(f"{model.__name__}.{source} has no blind index")


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
