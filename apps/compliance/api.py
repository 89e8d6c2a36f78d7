"""REST API for compliance under /api/v1/: items, tasks, task transitions and evidence.

Items take their recurrence as an RRULE string in the shapes the page builder writes (`FREQ=YEARLY`,
`FREQ=MONTHLY;INTERVAL=6`, `FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1`, `FREQ=WEEKLY;INTERVAL=2`);
owners, assignees and rotations are user ids of the tenant's members.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.records.api import RECORD_READ_ONLY_FIELDS, RecordSerializer, RecordViewSet
from backend.exceptions import ApplicationError

from . import selectors, services
from .imports import complianceitem_import
from .models import ComplianceItem, ComplianceTask, Evidence, EvidenceVersion
from .resources import ITEMS, TASKS


class ComplianceItemSerializer(RecordSerializer):
    rotation = serializers.ListField(child=serializers.IntegerField(), required=False)
    rag = serializers.SerializerMethodField()
    next_due = serializers.DateField(read_only=True, allow_null=True)

    class Meta(RecordSerializer.Meta):
        model = ComplianceItem
        fields = [
            *RECORD_READ_ONLY_FIELDS,
            "name",
            "category",
            "supplier",
            "plant",
            "carrier",
            "owner_id",
            "starts_on",
            "recurrence",
            "lead_time_days",
            "rotation",
            "notes",
            "rag",
            "next_due",
        ]

    def get_rag(self, item: ComplianceItem) -> str:
        """`red`, `amber` or `green` from the earliest open task (green when none)."""
        return item.rag()


class ComplianceTaskSerializer(RecordSerializer):
    rag = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        model = ComplianceTask
        fields = [
            *RECORD_READ_ONLY_FIELDS,
            "item",
            "name",
            "assignee_id",
            "due_date",
            "lead_time_days",
            "status",
            "completed_at",
            "rag",
        ]
        read_only_fields = [*RECORD_READ_ONLY_FIELDS, "status", "completed_at"]

    def get_rag(self, task: ComplianceTask) -> str:
        """`red`, `amber`, `green`, or `done`."""
        return task.rag()


class EvidenceVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceVersion
        fields = ["id", "number", "filename", "content_type", "size", "sha256", "uploaded_at", "uploaded_by_id"]


class EvidenceSerializer(serializers.ModelSerializer):
    versions = EvidenceVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "task", "title", "created_at", "versions"]


TransitionRequest = inline_serializer(
    "ComplianceTaskTransition",
    {
        "status": serializers.ChoiceField(choices=ComplianceTask.Status.choices),
        "note": serializers.CharField(required=False),
    },
)
EvidenceUpload = inline_serializer(
    "EvidenceUpload", {"file": serializers.FileField(), "title": serializers.CharField(required=False)}
)


class ComplianceItemViewSet(RecordViewSet):
    resource = ITEMS
    serializer_class = ComplianceItemSerializer

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ComplianceCsvUpload", {"file": serializers.FileField()})},
        responses={
            200: inline_serializer(
                "ComplianceImportResult",
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
    def import_csv(self, request) -> Response:
        """Create items from CSV (header: see the import page); one rejected row writes nothing."""
        result = complianceitem_import(upload=request.FILES.get("file"), user=request.user)
        return Response(result.as_api_body(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)


class ComplianceTaskViewSet(RecordViewSet):
    resource = TASKS
    serializer_class = ComplianceTaskSerializer

    @extend_schema(request=TransitionRequest, responses=ComplianceTaskSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None) -> Response:
        """Move the task: open → in_review (edit), in_review → done or → open (approve)."""
        task = self.get_object()
        to_status = request.data.get("status")
        if to_status not in ComplianceTask.Status.values:
            raise ApplicationError("Choose open, in_review or done.", field="status")
        task = services.compliancetask_transition(
            user=request.user, task=task, to_status=to_status, note=str(request.data.get("note") or "")
        )
        return Response(self.get_serializer(selectors.compliancetask_queryset().get(pk=task.pk)).data)

    # A paginated list like every other list (the task's own filters do not apply here).
    @extend_schema(methods=["GET"], request=None, responses=EvidenceSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request={"multipart/form-data": EvidenceUpload}, responses={201: EvidenceSerializer}
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], url_path="evidence")
    def evidence(self, request, pk=None) -> Response:
        """The task's evidence with all versions (GET) or a new document (POST, multipart)."""
        task = self.get_object()
        if request.method == "POST":
            evidence = services.evidence_upload(
                user=request.user, task=task, upload=request.FILES.get("file"), title=request.data.get("title", "")
            )
            return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.task_evidence_queryset(task=task))
        return self.get_paginated_response(EvidenceSerializer(page, many=True).data)
