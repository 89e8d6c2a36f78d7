"""Keep cached host routing honest: any change to a tenant or a domain forgets the hosts involved."""

from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from backend.clock import forget_zone
from backend.tenancy import forget_hosts

from .models import Client, Domain


@receiver(post_init, sender=Domain)
def remember_original_domain(sender, instance: Domain, **kwargs) -> None:
    instance._original_domain = instance.domain


@receiver([post_save, post_delete], sender=Domain)
def forget_domain(sender, instance: Domain, **kwargs) -> None:
    forget_hosts({instance.domain, getattr(instance, "_original_domain", "")})
    instance._original_domain = instance.domain


@receiver([post_save, post_delete], sender=Client)
def forget_tenant_domains(sender, instance: Client, **kwargs) -> None:
    forget_hosts(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    forget_zone(instance.schema_name)
