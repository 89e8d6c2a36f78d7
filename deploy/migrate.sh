#!/usr/bin/env bash
# The one script every deployment (and `make run`) runs before serving: shared schema, the super
# tenant, then every tenant schema. Any failure stops the script with a non-zero exit.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
if [[ -x .venv/bin/python && "${PYTHON}" == "python" ]]; then
  PYTHON=.venv/bin/python
fi

echo "==> migrate_schemas --shared"
"${PYTHON}" manage.py migrate_schemas --shared --noinput
echo "==> create_super_tenant"
"${PYTHON}" manage.py create_super_tenant --no-input
echo "==> migrate_schemas --tenant"
"${PYTHON}" manage.py migrate_schemas --tenant --noinput
echo "==> migrations complete"
# New migrations make every pooled schema stale: drop those and refill the warm pool. Best effort — a
# failure here never stops a deploy (signups clone the template until the refill job catches up).
echo "==> refill_tenant_pool"
"${PYTHON}" manage.py refill_tenant_pool || echo "refill_tenant_pool failed; the refill job will retry" >&2
