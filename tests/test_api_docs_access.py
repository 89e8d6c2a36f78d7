"""API-09: the OpenAPI schema and Swagger UI are open when API_DOCS_PUBLIC (development, test, UAT) and
staff-only when it is False (the production default): members with ADMINISTER, or platform superusers."""

import subprocess
import sys

import pytest
from django.test import Client as DjangoClient

from apps.accounts.services import membership_ensure

from .test_settings import PROD_ENV, ROOT, _clean_environ

PATHS = ["/api/v1/schema/?format=json", "/api/v1/docs/"]


@pytest.fixture
def docs_private(settings):
    settings.API_DOCS_PUBLIC = False


def _get(client, path):
    return client.get(path)


@pytest.mark.parametrize("path", PATHS)
def test_public_setting_serves_docs_to_anonymous_and_any_member(tenant_a, client_for, path):
    assert _get(DjangoClient(HTTP_HOST="alpha.localhost"), path).status_code == 200
    assert _get(client_for(tenant_a, tenant_a.viewer), path).status_code == 200


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ["viewer", "staff", "manager"])
def test_private_setting_refuses_members_without_administer(tenant_a, client_for, docs_private, path, role):
    response = _get(client_for(tenant_a, tenant_a.user(role)), path)
    assert response.status_code == 403
    assert b"swagger-ui" not in response.content and b"openapi" not in response.content


@pytest.mark.parametrize("path", PATHS)
def test_private_setting_refuses_anonymous(tenant_a, docs_private, path):
    response = _get(DjangoClient(HTTP_HOST="alpha.localhost"), path)
    assert response.status_code in (401, 403)
    assert b"openapi" not in response.content


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_private_setting_serves_administrators(tenant_a, client_for, docs_private, path, role):
    response = _get(client_for(tenant_a, tenant_a.user(role)), path)
    assert response.status_code == 200
    if "schema" in path:
        assert "/api/v1/suppliers/" in response.json()["paths"]
    else:
        assert "swagger-ui" in response.content.decode()


def test_private_setting_serves_platform_superusers(tenant_a, client_for, docs_private, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")
    membership_ensure(user=root, tenant=tenant_a.tenant, role="viewer")  # tenant hosts serve members only
    assert _get(client_for(tenant_a, root), PATHS[0]).status_code == 200


def test_administrator_of_another_tenant_is_refused(tenant_a, tenant_b, client_for, docs_private):
    # Beta's admin on alpha's host: not a member there (403 from the tenant gate), never the schema.
    response = _get(client_for("alpha.localhost", tenant_b.admin), PATHS[0])
    assert response.status_code == 403


def test_private_setting_accepts_an_administrator_bearer_token(tenant_a, docs_private):
    client = DjangoClient(HTTP_HOST="alpha.localhost")
    from conftest import TEST_PASSWORD

    key = client.post(
        "/api/v1/auth/token/",
        {"email": tenant_a.admin.email, "password": TEST_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    assert (
        DjangoClient(HTTP_HOST="alpha.localhost").get(PATHS[0], HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    )


def _settings_value(module: str, extra: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import projectmeats.settings.{module} as s; print(s.API_DOCS_PUBLIC)"],
        cwd=ROOT,
        env={**_clean_environ(), **PROD_ENV, **extra},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_keeps_docs_private_by_default_and_env_can_open_them():
    assert _settings_value("production", {}) == "False"
    assert _settings_value("production", {"API_DOCS_PUBLIC": "true"}) == "True"


def test_development_and_test_settings_open_the_docs(settings):
    # DATABASE_URL given so that importing development settings starts no embedded database.
    assert _settings_value("development", {}) == "True"
    assert _settings_value("development", {"API_DOCS_PUBLIC": "false"}) == "False"
    assert settings.API_DOCS_PUBLIC is True
