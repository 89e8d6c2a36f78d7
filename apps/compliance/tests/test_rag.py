"""Red/Amber/Green: red after the due date, amber within the lead time (due date included), else green;
the model and the database filters agree at every boundary."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.compliance.models import ComplianceTask
from apps.compliance.selectors import rag_counts
from apps.compliance.tests.factories import ComplianceTaskFactory

TODAY = datetime.date(2027, 5, 10)


@pytest.mark.parametrize(
    ("offset", "lead", "expected"),
    [
        (-1, 7, "red"),
        (0, 7, "amber"),
        (0, 0, "amber"),
        (7, 7, "amber"),
        (8, 7, "green"),
        (1, 0, "green"),
    ],
)
def test_rag_boundaries(tenant_a, offset, lead, expected):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(due_date=TODAY + datetime.timedelta(days=offset), lead_time_days=lead)
        assert task.rag(TODAY) == expected
        counts = rag_counts(today=TODAY)
        assert counts[expected] == 1
        assert sum(counts.values()) == 1


def test_done_tasks_are_done_whatever_their_date(tenant_a):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(due_date=TODAY - datetime.timedelta(days=30), status=ComplianceTask.Status.DONE)
        assert task.rag(TODAY) == "done"
        assert rag_counts(today=TODAY) == {"red": 0, "amber": 0, "green": 0, "done": 1}


def test_in_review_tasks_still_turn_red(tenant_a):
    with tenant_context(tenant_a.tenant):
        ComplianceTaskFactory(due_date=TODAY - datetime.timedelta(days=1), status=ComplianceTask.Status.IN_REVIEW)
        assert rag_counts(today=TODAY)["red"] == 1
