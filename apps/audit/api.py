"""Read-only API over the tenant's audit log: `GET /api/v1/audit-events/` for admins and owners."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from apps.accounts.permissions import Capability, HasCapability

from .chain import RECORD_FIELDS
from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import audit_event_list


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = list(RECORD_FIELDS)
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Newest first; filters `action`, `actor_email`, `object_type`, `date_from`, `date_to` (YYYY-MM-DD)."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticated, HasCapability]
    capability_by_action = {"list": Capability.ADMINISTER}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request tenant
            return AuditEvent.objects.none()
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
                    for field, messages in form.errors.items()
                }
            )
        return audit_event_list(filters=form.filters(), time_zone=self.request.tenant.time_zone)
