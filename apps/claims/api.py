"""REST API for claims: /api/v1/claims/ (open with EDIT; approve / reject / settle with APPROVE)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.permissions import Capability, HasCapability
from apps.purchasing.models import PurchaseOrderLine
from apps.sales.models import SalesOrderLine

from . import selectors, services
from .models import Claim


class ClaimSerializer(serializers.ModelSerializer):
    sales_line = serializers.PrimaryKeyRelatedField(
        queryset=SalesOrderLine.objects.all(), required=False, allow_null=True
    )
    purchase_line = serializers.PrimaryKeyRelatedField(
        queryset=PurchaseOrderLine.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "sales_line",
            "purchase_line",
            "reason",
            "amount",
            "description",
            "status",
            "credit",
            "supplier_credit",
            "settled_on",
            "created_at",
            "updated_at",
            "created_by_id",
            "updated_by_id",
        ]
        read_only_fields = [
            "id",
            "status",
            "credit",
            "supplier_credit",
            "settled_on",
            "created_at",
            "updated_at",
            "created_by_id",
            "updated_by_id",
        ]
        extra_kwargs = {"amount": {"validators": []}}


TRANSITION_SCHEMA = extend_schema(request=None, responses=ClaimSerializer)


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Claims against a sales-order line or a purchase-order line (exactly one): open → approved / rejected;
    approved → settled (credits the customer, or records a supplier credit against the purchase order)."""

    permission_classes = [IsAuthenticated, HasCapability]
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.ClaimFilter
    serializer_class = ClaimSerializer
    capability_by_action = dict.fromkeys(("approve", "reject", "settle"), Capability.APPROVE)

    def get_queryset(self):
        return selectors.claim_queryset()

    def get_object(self) -> Claim:
        return selectors.get_claim_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def perform_create(self, serializer) -> None:
        serializer.instance = services.claim_create(user=self.request.user, data=dict(serializer.validated_data))

    def _step(self, service) -> Response:
        claim = service(claim=self.get_object(), user=self.request.user)
        return Response(ClaimSerializer(claim).data)

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None) -> Response:
        return self._step(services.claim_approve)

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None) -> Response:
        return self._step(services.claim_reject)

    @TRANSITION_SCHEMA
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None) -> Response:
        """approved → settled; the claim amount is credited to the customer's account (sales line) or
        recorded as a supplier credit against the purchase order (purchase line)."""
        return self._step(services.claim_settle)
