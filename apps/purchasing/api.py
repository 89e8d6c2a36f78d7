"""REST API for purchase orders: /api/v1/purchase-orders/ with nested lines and one action per transition."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.permissions import Capability
from apps.partners.models import Carrier, Plant, Supplier
from apps.products.models import Product
from apps.records.forms import active_only
from apps.records.order_api import OrderViewSet

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


class PurchaseOrderViewSet(OrderViewSet):
    """Purchase orders. Drafts are created and edited with EDIT; transitions need APPROVE. `lines`, when
    sent on an update, replaces all of the draft's lines. There is no DELETE: orders are cancelled."""

    resource = PURCHASE_ORDERS
    csv_columns = CSV_COLUMNS
    serializer_class = PurchaseOrderSerializer
    capability_by_action = dict.fromkeys(("confirm", "cancel", "receive", "close"), Capability.APPROVE)

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None) -> Response:
        """draft → confirmed."""
        return self.respond(services.purchase_order_confirm(order=self.get_object(), user=request.user))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        """draft or confirmed → cancelled."""
        return self.respond(services.purchase_order_cancel(order=self.get_object(), user=request.user))

    @extend_schema(request=ReceiveSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None) -> Response:
        """confirmed → received, with each line's received (catch) weight."""
        order = self.get_object()
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        weights = body.validated_data.get("received_weights", {})
        return self.respond(services.purchase_order_receive(order=order, user=request.user, received_weights=weights))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None) -> Response:
        """received → closed."""
        return self.respond(services.purchase_order_close(order=self.get_object(), user=request.user))
