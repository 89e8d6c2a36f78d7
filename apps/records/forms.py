"""Base page form for business records."""

from __future__ import annotations

from django import forms


def active_only(queryset):
    """Pickers offer live records only: archived ones stay on old records but are not chosen anew."""
    model = queryset.model
    has_flag = any(field.name == "is_archived" for field in model._meta.concrete_fields)
    return queryset.filter(is_archived=False) if has_flag else queryset


class RecordForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = active_only(field.queryset)
                if field.empty_label is not None:
                    field.empty_label = "Choose…" if field.required else "None"
