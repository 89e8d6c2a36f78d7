"""`suspend_tenant` / `reactivate_tenant`: the admin action's services from the shell, audited in public."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.tenants.models import Client


def _events(action: str, schema: str = "public") -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _status(world) -> str:
    return Client.objects.get(pk=world.tenant.pk).status


def test_suspend_tenant_suspends_only_that_tenant_and_is_audited(tenant_a, tenant_b, client_for, capsys):
    call_command("suspend_tenant", "--schema", "alpha", "--reason", "Unpaid invoices")

    assert "Suspended Alpha Meats (alpha): Unpaid invoices" in capsys.readouterr().out
    assert (_status(tenant_a), _status(tenant_b)) == ("suspended", "active")
    [event] = _events("tenant.suspend")
    assert (event.object_type, event.object_id) == ("tenants.client", str(tenant_a.tenant.pk))
    assert event.changes["reason"] == "Unpaid invoices"
    assert event.actor_id is None  # a command, not a person
    assert _events("tenant.suspend", "alpha") == [] and _events("tenant.suspend", "beta") == []
    # The suspended tenant's members are refused; the other tenant serves its own members as before.
    assert client_for(tenant_a, tenant_a.owner).get("/api/v1/suppliers/").status_code == 423
    assert client_for(tenant_b, tenant_b.owner).get("/api/v1/suppliers/").status_code == 200
    # Another tenant's owner or an outsider gains nothing on the suspended host either.
    assert client_for(tenant_a, tenant_b.owner, bound_to=tenant_b).get("/api/v1/suppliers/").status_code == 423
    assert client_for(tenant_a, tenant_a.owner).get("/").status_code == 423


def test_reactivate_tenant_lifts_the_suspension_and_is_audited(tenant_a, tenant_b, client_for, capsys):
    call_command("suspend_tenant", "--schema", "alpha", "--reason", "Audit")
    call_command("reactivate_tenant", "--schema", "alpha")

    assert "Reactivated Alpha Meats (alpha)." in capsys.readouterr().out
    assert (_status(tenant_a), _status(tenant_b)) == ("active", "active")
    [event] = _events("tenant.reactivate")
    assert event.changes["suspended_reason"] == "Audit"
    assert client_for(tenant_a, tenant_a.owner).get("/api/v1/suppliers/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suspend_tenant", "--schema", "nope", "--reason", "x"], "No tenant with schema 'nope'."),
        (["suspend_tenant", "--schema", "public", "--reason", "x"], "The public tenant cannot change status."),
        (["suspend_tenant", "--schema", "alpha", "--reason", "   "], "A reason is required to suspend a tenant."),
        (["reactivate_tenant", "--schema", "alpha"], "Alpha Meats is not suspended."),
        (["reactivate_tenant", "--schema", ""], "No tenant with schema ''."),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(tenant_a, tenant_b, args, message):
    with pytest.raises(CommandError) as caught:
        call_command(*args)
    assert str(caught.value) == message
    assert (_status(tenant_a), _status(tenant_b)) == ("active", "active")
    assert _events("tenant.suspend") == [] and _events("tenant.reactivate") == []


def test_suspending_a_suspended_tenant_is_refused_and_keeps_the_first_reason(tenant_a):
    call_command("suspend_tenant", "--schema", "alpha", "--reason", "First")
    with pytest.raises(CommandError, match="Alpha Meats is suspended, not active."):
        call_command("suspend_tenant", "--schema", "alpha", "--reason", "Second")
    assert Client.objects.get(pk=tenant_a.tenant.pk).suspended_reason == "First"
    assert len(_events("tenant.suspend")) == 1
