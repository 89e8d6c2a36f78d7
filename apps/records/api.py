"""API base for business records: list/retrieve/create/update + archive, optional CSV export/import.

Subclasses set `resource` (a `RecordResource`) and `serializer_class`. There is no DELETE: records are
archived.
"""

from __future__ import annotations

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import HasCapability

from .forms import active_only
from .resources import RecordResource

RECORD_READ_ONLY_FIELDS = ["id", "is_archived", "created_at", "updated_at", "created_by_id", "updated_by_id"]


class RecordSerializer(serializers.ModelSerializer):
    """Base serializer: tracking fields are read-only, related records must be active (not archived);
    subclasses set Meta.model and Meta.fields."""

    class Meta:
        read_only_fields = RECORD_READ_ONLY_FIELDS

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if "queryset" in kwargs:
            kwargs["queryset"] = active_only(kwargs["queryset"])
        return field_class, kwargs


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    resource: RecordResource

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "resource" in cls.__dict__:
            cls.filterset_class = cls.resource.filterset_class

    def get_queryset(self) -> models.QuerySet:
        return self.resource.queryset()

    def get_object(self) -> models.Model:
        record = self.resource.get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, record)
        return record

    def perform_create(self, serializer) -> None:
        serializer.instance = self.resource.create(user=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = self.resource.update(
            user=self.request.user, record=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None) -> Response:
        """Archive the record (soft delete): hidden from lists unless `archived=true`, kept for history."""
        record = self.resource.archive(user=request.user, record=self.get_object())
        return Response(self.get_serializer(record).data)


class CsvViewSetMixin:
    """Adds `GET <resource>/export/` (the filtered list as CSV) and `POST <resource>/import/` (multipart)."""

    resource: RecordResource

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The current filtered list as CSV (same filters, search and ordering as the list)."""
        queryset = self.filter_queryset(self.get_queryset())
        return self.resource.export_csv(queryset)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("CsvUpload", {"file": serializers.FileField()})},
        responses={
            200: inline_serializer(
                "CsvImportResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "rejected": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: OpenApiResponse(description="Malformed file ({file: [...]}) or rejected rows (nothing written)."),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request):
        """Create or update records from CSV (matched by code); one rejected row writes nothing."""
        result = self.resource.import_csv(upload=request.FILES.get("file"), user=request.user)
        return Response(result.as_api_body(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)
