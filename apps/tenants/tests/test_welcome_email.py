"""The welcome e-mail is branded: an HTML alternative with the tenant's name, colours and logo URL."""

from __future__ import annotations

from django.core import mail
from django_tenants.utils import schema_context

from apps.tenants.models import Client, Domain
from apps.tenants.tasks import send_welcome_email


def _brand(tenant, **fields) -> Client:
    current = Client.objects.get(pk=tenant.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=[*fields, "updated_at"])
    return current


def _send(tenant_world) -> mail.EmailMessage:
    with schema_context(tenant_world.tenant.schema_name):
        send_welcome_email(user_id=tenant_world.owner.pk)
    (message,) = mail.outbox
    return message


def test_html_alternative_carries_name_colours_and_logo_on_the_tenants_own_domain(tenant_a):
    tenant = _brand(
        tenant_a.tenant, primary_color="#123456", secondary_color="#abcdef", logo="alpha/branding/logo-1.png"
    )
    Domain.objects.create(domain="alpha-meats.example.com", tenant=tenant, is_verified=True)
    Domain.objects.filter(tenant=tenant).update(is_primary=False)
    Domain.objects.filter(domain="alpha-meats.example.com").update(is_primary=True)
    message = _send(tenant_a)
    assert "https://alpha-meats.example.com/login/" in message.body, "plain text stays"
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "Welcome, Alpha Meats" in html
    assert "#123456" in html and "#abcdef" in html
    assert 'src="https://alpha-meats.example.com/branding/logo/?v=' in html
    assert 'href="https://alpha-meats.example.com/login/"' in html


def test_without_a_logo_there_is_no_image_and_names_are_escaped(tenant_a):
    _brand(tenant_a.tenant, name='<Alpha & "Sons">')
    message = _send(tenant_a)
    ((html, _),) = message.alternatives
    assert "<img" not in html
    assert "&lt;Alpha &amp; &quot;Sons&quot;&gt;" in html and '<Alpha & "Sons">' not in html
