"""API base for order-like documents: list/retrieve/create/update with nested `lines` (sent on an update,
they replace all of the draft's lines), CSV export, and a helper for transition actions. No DELETE:
orders are cancelled."""

from __future__ import annotations

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import HasCapability

from .csv_io import csv_response
from .resources import RecordResource


class OrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    resource: RecordResource
    csv_columns: list[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "resource" in cls.__dict__:
            cls.filterset_class = cls.resource.filterset_class

    def get_queryset(self) -> models.QuerySet:
        return self.resource.queryset()

    def get_object(self) -> models.Model:
        order = self.resource.get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, order)
        return order

    @staticmethod
    def _split(validated: dict) -> tuple[dict, list[dict] | None]:
        data = dict(validated)
        lines = data.pop("lines", None)
        return data, [dict(line) for line in lines] if lines is not None else None

    def perform_create(self, serializer) -> None:
        data, lines = self._split(serializer.validated_data)
        serializer.instance = self.resource.create(user=self.request.user, data=data, lines=lines)

    def perform_update(self, serializer) -> None:
        data, lines = self._split(serializer.validated_data)
        self.resource.update(user=self.request.user, record=serializer.instance, data=data, lines=lines)
        serializer.instance = self.get_object()

    def respond(self, order: models.Model) -> Response:
        """The order as stored after a transition (fresh lines and totals)."""
        return Response(self.get_serializer(self.resource.get_for_user(user=self.request.user, pk=order.pk)).data)

    @extend_schema(responses={(200, "text/csv"): inline_serializer("OrderCsv", {"csv": serializers.CharField()})})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered list as CSV."""
        queryset = self.filter_queryset(self.get_queryset())
        return csv_response(queryset=queryset, columns=self.csv_columns, filename=f"{self.resource.path}.csv")
