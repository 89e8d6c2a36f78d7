"""REST API for accounting: /api/v1/invoices/ (create from a sales order, issue, void) and
/api/v1/payments/ (record with allocations). Reads need READ; every write needs APPROVE."""

from __future__ import annotations

from django.db import connection
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import Capability, HasCapability
from apps.partners.models import Customer, Supplier
from apps.purchasing.models import PurchaseOrder
from apps.records.forms import active_only
from apps.sales.models import SalesOrder
from apps.sales.selectors import get_sales_order_for_user

from . import selectors, services
from .models import Invoice, Payment, PaymentAllocation

READ_ONLY_TRACKING = ["created_at", "updated_at", "created_by_id", "updated_by_id"]


class CurrencyMixin(serializers.Serializer):
    currency = serializers.SerializerMethodField()

    def get_currency(self, record) -> str:
        """The tenant's currency (ISO 4217); all amounts are in it."""
        return connection.tenant.currency


class InvoiceSerializer(CurrencyMixin, serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "sales_order",
            "customer",
            "issued_on",
            "due_on",
            "total",
            "paid",
            "balance",
            "currency",
            *READ_ONLY_TRACKING,
        ]
        read_only_fields = fields


class InvoiceCreateSerializer(serializers.Serializer):
    sales_order = serializers.PrimaryKeyRelatedField(queryset=SalesOrder.objects.all())


class AllocationSerializer(serializers.ModelSerializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), required=False, allow_null=True)
    purchase_order = serializers.PrimaryKeyRelatedField(
        queryset=PurchaseOrder.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = PaymentAllocation
        fields = ["id", "invoice", "purchase_order", "amount"]
        read_only_fields = ["id"]
        extra_kwargs = {"amount": {"validators": []}}


class PaymentSerializer(CurrencyMixin, serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=active_only(Customer.objects.all()), required=False, allow_null=True
    )
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=active_only(Supplier.objects.all()), required=False, allow_null=True
    )
    allocations = AllocationSerializer(many=True, required=False)

    class Meta:
        model = Payment
        fields = [
            "id",
            "kind",
            "customer",
            "supplier",
            "received_on",
            "amount",
            "reference",
            "allocations",
            "currency",
            *READ_ONLY_TRACKING,
        ]
        read_only_fields = ["id", *READ_ONLY_TRACKING]
        extra_kwargs = {"amount": {"validators": []}}


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices. Created from a delivered sales order (POST `{sales_order}`), then issued or voided."""

    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.InvoiceFilter
    serializer_class = InvoiceSerializer
    write_capability = Capability.APPROVE

    def get_queryset(self):
        return selectors.invoice_list()

    def get_object(self) -> Invoice:
        invoice = selectors.get_invoice_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, invoice)
        return invoice

    def _respond(self, invoice: Invoice, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.get_invoice_for_user(user=self.request.user, pk=invoice.pk)
        return Response(InvoiceSerializer(fresh).data, status=code)

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer})
    def create(self, request) -> Response:
        """A draft invoice for a delivered sales order (the order becomes invoiced)."""
        body = InvoiceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = get_sales_order_for_user(user=request.user, pk=body.validated_data["sales_order"].pk)
        invoice = services.invoice_create(user=request.user, sales_order=order)
        return self._respond(invoice, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None) -> Response:
        """draft → issued; the due date follows the customer's payment terms."""
        return self._respond(services.invoice_issue(invoice=self.get_object(), user=request.user))

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None) -> Response:
        """draft or issued, unpaid → void; the sales order can be invoiced again."""
        return self._respond(services.invoice_void(invoice=self.get_object(), user=request.user))


class PaymentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Payments: customer receipts allocated to invoices, supplier payments allocated to purchase orders.
    Allocations may not exceed the payment nor any target's open amount."""

    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.PaymentFilter
    serializer_class = PaymentSerializer
    write_capability = Capability.APPROVE

    def get_queryset(self):
        return selectors.payment_queryset()

    def get_object(self) -> Payment:
        return selectors.get_payment_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        allocations = [dict(allocation) for allocation in data.pop("allocations", [])]
        allocations = [{k: v for k, v in allocation.items() if v is not None} for allocation in allocations]
        payment = services.payment_record(user=self.request.user, data=data, allocations=allocations)
        serializer.instance = selectors.get_payment_for_user(user=self.request.user, pk=payment.pk)
