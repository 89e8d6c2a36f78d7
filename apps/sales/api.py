"""REST API for sales orders: /api/v1/sales-orders/ with nested lines and one action per transition."""

from __future__ import annotations

from django.db import connection
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import Capability, HasCapability, require_capability
from apps.partners.models import Customer, Location
from apps.products.models import Product
from apps.purchasing.models import PurchaseOrderLine
from apps.records.forms import active_only
from apps.records.order_api import OrderViewSet

from . import services
from .models import SalesOrder, SalesOrderLine
from .resources import CSV_COLUMNS, SALES_ORDERS
from .selectors import SourceLineFilter, sourceable_purchase_lines


class SalesOrderLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=active_only(Product.objects.all()))
    source = serializers.PrimaryKeyRelatedField(
        queryset=PurchaseOrderLine.objects.all(),
        required=False,
        allow_null=True,
        help_text="The purchase-order line this is sold from.",
    )
    margin = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = SalesOrderLine
        fields = ["id", "product", "source", "cases", "weight", "unit_price", "amount", "cost", "margin"]
        read_only_fields = ["id", "amount", "cost", "margin"]
        # The services run the model rules; the serializer only parses.
        extra_kwargs = {"cases": {"validators": []}, "weight": {"validators": []}, "unit_price": {"validators": []}}


class SalesOrderSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=active_only(Customer.objects.all()))
    ship_to = serializers.PrimaryKeyRelatedField(queryset=active_only(Location.objects.all()))
    lines = SalesOrderLineSerializer(many=True, required=False)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "ship_to",
            "delivery_date",
            "notes",
            "lines",
            "total",
            "margin",
            "currency",
            "credit_override_reason",
            "created_at",
            "updated_at",
            "created_by_id",
            "updated_by_id",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "total",
            "margin",
            "credit_override_reason",
            "created_at",
            "updated_at",
            "created_by_id",
            "updated_by_id",
        ]

    def get_currency(self, order: SalesOrder) -> str:
        """The tenant's currency (ISO 4217); all amounts are in it."""
        return connection.tenant.currency


class ConfirmSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Needed when the order takes the customer over its credit limit."
    )


TRANSITION_SCHEMA = extend_schema(request=None, responses=SalesOrderSerializer)


class SalesOrderViewSet(OrderViewSet):
    """Sales orders. Drafts are created and edited with EDIT; transitions need APPROVE. There is no DELETE:
    orders are cancelled. Invoicing happens through /api/v1/invoices/."""

    resource = SALES_ORDERS
    csv_columns = CSV_COLUMNS
    serializer_class = SalesOrderSerializer
    capability_by_action = dict.fromkeys(("confirm", "ship", "deliver", "cancel"), Capability.APPROVE)

    @extend_schema(request=ConfirmSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None) -> Response:
        """draft → confirmed; over the customer's credit limit only with an `override_reason`."""
        order = self.get_object()
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("override_reason", "")
        return self.respond(services.sales_order_confirm(order=order, user=request.user, override_reason=reason))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None) -> Response:
        """confirmed → shipped."""
        return self.respond(services.sales_order_ship(order=self.get_object(), user=request.user))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None) -> Response:
        """shipped → delivered."""
        return self.respond(services.sales_order_deliver(order=self.get_object(), user=request.user))

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        """draft or confirmed → cancelled."""
        return self.respond(services.sales_order_cancel(order=self.get_object(), user=request.user))


class SourceLineSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    supplier = serializers.IntegerField(source="order.supplier_id", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True)
    billed_weight = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    cases_left = serializers.IntegerField(read_only=True, help_text="Cases not yet sold on a live sales line.")

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "order", "order_number", "supplier", "product", "product_code", "cases", "cases_left",
                  "weight", "billed_weight", "unit_cost"]  # fmt: skip
        read_only_fields = fields


class PurchaseOrderLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Purchase-order lines with the cases left on each (not yet sold on a live sales line).
    `?available=true` keeps the lines a sales line can be sold from now (a confirmed, received or closed order
    with cases left) — what the sales order form's "Sold from" list offers; filter by `product`, `supplier`,
    `purchase_order`."""

    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    filterset_class = SourceLineFilter
    serializer_class = SourceLineSerializer
    queryset = PurchaseOrderLine.objects.none()  # for the schema; get_queryset reads the tenant's rows

    def get_queryset(self):
        require_capability(user=self.request.user, capability=Capability.READ)
        return sourceable_purchase_lines(any_status=True)
