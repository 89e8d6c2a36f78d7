"""Production settings read only the environment and refuse to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "SECRET_KEY": "q8Jm2vX-test-only-0fR7pLk3sN9wZc4yT1hB6dE5gA8uK2mV0xQ",
    "DATABASE_URL": "postgres://u:p@db.internal:5432/projectmeats",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "ENCRYPTION_MASTER_KEYS": "t1:dGVzdC1vbmx5LW1hc3Rlci1rZXktb2YtMzItYnl0ZXM=",
    "BACKUP_SIGNING_KEY": "test-only-backup-signing-key-0123456789abcdef",
}


def _clean_environ() -> dict:
    dropped = {*PROD_ENV, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def _import_production(env: dict) -> subprocess.CompletedProcess:
    clean = _clean_environ()
    return subprocess.run(
        [sys.executable, "-c", "import projectmeats.settings.production as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", sorted(PROD_ENV))
def test_production_refuses_to_start_without_required_variable(missing):
    env = {key: value for key, value in PROD_ENV.items() if key != missing}
    result = _import_production(env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-but-secret", "at least 50 characters"),
        ("a" * 60, "at least 5 different characters"),
        ("django-insecure-" + "x1y2z3" * 10, "development key"),
        ("django-insecure-development-only-key-not-for-production", "development key"),
        ("test-only-secret-key-with-enough-length-to-be-plausible", "development key"),
    ],
)
def test_production_refuses_a_weak_or_development_secret_key(key, why):
    result = _import_production({**PROD_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and why in result.stderr
    assert key not in result.stderr  # never echo the secret


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ENCRYPTION_MASTER_KEYS", "t1:not-base64-of-32-bytes", "32 bytes"),
        ("ENCRYPTION_MASTER_KEYS", "dev1:ZGV2ZWxvcG1lbnQtb25seS1tYXN0ZXIta2V5LTMyYiE=", "development"),
        ("BACKUP_SIGNING_KEY", "short", "at least 32"),
    ],
)
def test_production_refuses_malformed_data_protection_keys(variable, value, message):
    result = _import_production({**PROD_ENV, variable: value})
    assert result.returncode != 0
    assert message in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "{'ServerSideEncryption': 'AES256'}"),
        ({"AWS_S3_SSE_KMS_KEY_ID": "alias/pm"}, "{'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'alias/pm'}"),
    ],
)
def test_s3_storage_encrypts_objects_server_side(extra, expected):
    env = {**_clean_environ(), **PROD_ENV, "AWS_STORAGE_BUCKET_NAME": "pm-media", **extra}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import projectmeats.settings.production as s; "
            "print(s.STORAGES['default']['OPTIONS']['object_parameters'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_production_uses_tenant_engine_and_https_settings():
    result = _import_production(PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "backend.postgresql"


def _check_deploy(variables: dict) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in _clean_environ().items() if key not in variables}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_is_clean():
    result = _check_deploy({**PROD_ENV, "DJANGO_SETTINGS_MODULE": "projectmeats.settings.production"})
    assert result.returncode == 0, result.stdout + result.stderr


EXAMPLE_ENVIRONMENTS = ("dev", "uat", "prod")


def _read_env_file(path: Path) -> dict:
    """KEY=value lines as docker --env-file reads them: no quotes, no export, # comments."""
    variables = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and key.isidentifier() and key == key.upper(), f"{path.name}:{number}: not KEY=value: {line!r}"
        variables[key] = value
    return variables


@pytest.mark.parametrize("environment", EXAMPLE_ENVIRONMENTS)
def test_example_environment_passes_check_deploy_without_warnings(environment):
    variables = _read_env_file(ROOT / "deploy" / f"env.{environment}.example")
    assert variables["DJANGO_SETTINGS_MODULE"] == "projectmeats.settings.production"
    result = _check_deploy(variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("environment", EXAMPLE_ENVIRONMENTS)
def test_example_environment_holds_placeholders_not_secrets(environment):
    variables = _read_env_file(ROOT / "deploy" / f"env.{environment}.example")
    assert set(PROD_ENV) <= set(variables)
    assert "REPLACE-ME" in variables["SECRET_KEY"]
    assert ":REPLACE-ME@" in variables["DATABASE_URL"]
    assert ".example" in variables["BASE_DOMAIN"]  # reserved TLD: never a real host
