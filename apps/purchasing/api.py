"""REST API for purchase orders: /api/v1/purchase-orders/ with nested lines and one action per transition."""

from __future__ import annotations

from django.db import connection
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import Capability, HasCapability
from apps.partners.models import Carrier, Plant, Supplier
from apps.products.models import Product
from apps.records.csv_io import csv_response
from apps.records.forms import active_only

from . import services
from .models import PurchaseOrder, PurchaseOrderLine
from .resources import CSV_COLUMNS, PURCHASE_ORDERS


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=active_only(Product.objects.all()))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "product", "cases", "weight", "unit_cost", "received_weight", "amount"]
        read_only_fields = ["id", "received_weight", "amount"]
        # The services run the model rules; the serializer only parses.
        extra_kwargs = {"cases": {"validators": []}, "weight": {"validators": []}, "unit_cost": {"validators": []}}


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = serializers.PrimaryKeyRelatedField(queryset=active_only(Supplier.objects.all()))
    plant = serializers.PrimaryKeyRelatedField(queryset=active_only(Plant.objects.all()))
    carrier = serializers.PrimaryKeyRelatedField(
        queryset=active_only(Carrier.objects.all()), required=False, allow_null=True
    )
    lines = PurchaseOrderLineSerializer(many=True, required=False)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "status",
            "supplier",
            "plant",
            "carrier",
            "pickup_date",
            "terms",
            "notes",
            "lines",
            "total",
            "currency",
            "created_at",
            "updated_at",
            "created_by_id",
            "updated_by_id",
        ]
        read_only_fields = ["id", "number", "status", "created_at", "updated_at", "created_by_id", "updated_by_id"]
        extra_kwargs = {"terms": {"required": False}}

    def get_currency(self, order: PurchaseOrder) -> str:
        """The tenant's currency (ISO 4217); all amounts are in it."""
        return connection.tenant.currency


class ReceiveSerializer(serializers.Serializer):
    received_weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2),
        required=False,
        help_text="Line id → received weight; lines left out keep their ordered weight.",
    )


TRANSITION_SCHEMA = extend_schema(request=None, responses=PurchaseOrderSerializer)


class PurchaseOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Purchase orders. Drafts are created and edited with EDIT; transitions need APPROVE. `lines`, when
    sent on an update, replaces all of the draft's lines. There is no DELETE: orders are cancelled."""

    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PURCHASE_ORDERS.filterset_class
    serializer_class = PurchaseOrderSerializer
    capability_by_action = dict.fromkeys(("confirm", "cancel", "receive", "close"), Capability.APPROVE)

    def get_queryset(self):
        return PURCHASE_ORDERS.queryset()

    def get_object(self) -> PurchaseOrder:
        order = PURCHASE_ORDERS.get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, order)
        return order

    def _split(self, validated: dict) -> tuple[dict, list[dict] | None]:
        data = dict(validated)
        lines = data.pop("lines", None)
        return data, [dict(line) for line in lines] if lines is not None else None

    def perform_create(self, serializer) -> None:
        data, lines = self._split(serializer.validated_data)
        serializer.instance = services.purchase_order_create(user=self.request.user, data=data, lines=lines)

    def perform_update(self, serializer) -> None:
        data, lines = self._split(serializer.validated_data)
        services.purchase_order_update(user=self.request.user, record=serializer.instance, data=data, lines=lines)
        serializer.instance = self.get_object()

    def _respond(self, order: PurchaseOrder) -> Response:
        return Response(self.get_serializer(PURCHASE_ORDERS.get_for_user(user=self.request.user, pk=order.pk)).data)

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None) -> Response:
        """draft → confirmed."""
        return self._respond(services.purchase_order_confirm(order=self.get_object(), user=request.user))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        """draft or confirmed → cancelled."""
        return self._respond(services.purchase_order_cancel(order=self.get_object(), user=request.user))

    @extend_schema(request=ReceiveSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None) -> Response:
        """confirmed → received, with each line's received (catch) weight."""
        order = self.get_object()
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        weights = body.validated_data.get("received_weights", {})
        return self._respond(services.purchase_order_receive(order=order, user=request.user, received_weights=weights))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None) -> Response:
        """received → closed."""
        return self._respond(services.purchase_order_close(order=self.get_object(), user=request.user))

    @extend_schema(
        responses={(200, "text/csv"): inline_serializer("PurchaseOrderCsv", {"csv": serializers.CharField()})}
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered list as CSV."""
        return csv_response(
            queryset=self.filter_queryset(self.get_queryset()), columns=CSV_COLUMNS, filename="purchase-orders.csv"
        )
