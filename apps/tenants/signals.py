"""Keep cached host routing honest: any change to a tenant or a domain forgets the hosts involved.

Forgotten twice: at once, and again when the transaction commits — between the two, a request in
another process may have read the row as it was before the change and cached it again. The second
delete makes a change (suspension, plan, require_mfa, a domain) reach every worker right after commit.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from backend.clock import forget_zone
from backend.tenancy import forget_hosts

from .models import Client, Domain


def _forget(hosts: set[str]) -> None:
    forget_hosts(hosts)
    transaction.on_commit(lambda: forget_hosts(hosts))


@receiver(post_init, sender=Domain)
def remember_original_domain(sender, instance: Domain, **kwargs) -> None:
    instance._original_domain = instance.domain


@receiver([post_save, post_delete], sender=Domain)
def forget_domain(sender, instance: Domain, **kwargs) -> None:
    _forget({instance.domain, getattr(instance, "_original_domain", "")})
    instance._original_domain = instance.domain


@receiver([post_save, post_delete], sender=Client)
def forget_tenant_domains(sender, instance: Client, **kwargs) -> None:
    _forget(set(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)))
    forget_zone(instance.schema_name)
