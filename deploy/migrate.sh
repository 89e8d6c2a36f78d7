#!/usr/bin/env bash
# The one script every deployment (and `make run`) runs: shared schema, the super tenant, then every
# tenant schema behind. Any failure stops the script with a non-zero exit and the failing step's
# one-line error; nothing is faked or skipped here (a schema whose table lock was not granted is retried
# by migrate_schemas itself, then fails the run). Safe to run again: a second run finds every schema
# current and changes nothing.
#
# Deployments run it twice (docs/operations.md, expand/contract): MIGRATE_STAGE=pre before the new
# release is rolled out (expand migrations only: the running release keeps working), MIGRATE_STAGE=post
# once the new release is deployed and validated (contract migrations). `make run` runs both at once.
#
# Environment: DATABASE_URL and SECRET_KEY (production), DJANGO_SETTINGS_MODULE,
#   MIGRATE_STAGE        pre | post | all (default all)
#   MIGRATE_PARALLEL     tenant schemas migrated at once (default 1)
#   MIGRATE_LOCK_TIMEOUT seconds to wait for another run's migration lock (default 300)
#   MIGRATE_REPORT_DIR   if set, per-run JSON reports are written there (shared.json, tenant.json;
#                        shared-pre.json, tenant-post.json, ... for a stage)
#   MIGRATION_DDL_LOCK_TIMEOUT, MIGRATION_STATEMENT_TIMEOUT, MIGRATION_DDL_RETRIES,
#   MIGRATION_DDL_RETRY_BACKOFF  safe-DDL settings (seconds; projectmeats/settings/base.py)
# No --fake-initial: every table is created by its migration, so "the table already exists" is a
# fault to see, not to paper over (docs/operations.md).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
if [[ -x .venv/bin/python && "${PYTHON}" == "python" ]]; then
  PYTHON=.venv/bin/python
fi

stage="${MIGRATE_STAGE:-all}"
case "${stage}" in
  pre | post | all) ;;
  *)
    echo "MIGRATE_STAGE must be pre, post or all (got '${stage}')" >&2
    exit 2
    ;;
esac
parallel="${MIGRATE_PARALLEL:-1}"
lock_timeout="${MIGRATE_LOCK_TIMEOUT:-300}"
report_dir="${MIGRATE_REPORT_DIR:-}"
suffix=""
if [[ "${stage}" != "all" ]]; then
  suffix="-${stage}"
fi
report_shared=()
report_tenant=()
if [[ -n "${report_dir}" ]]; then
  mkdir -p "${report_dir}"
  report_shared=(--report "${report_dir}/shared${suffix}.json")
  report_tenant=(--report "${report_dir}/tenant${suffix}.json")
fi

echo "==> settings ${DJANGO_SETTINGS_MODULE:-projectmeats.settings.development (manage.py default)}"
database="$("${PYTHON}" deploy/database_url.py)"  # exits 2 on a malformed DATABASE_URL
echo "==> ${database}"

echo "==> stage ${stage}"
echo "==> migrate_schemas --shared --stage ${stage}"
"${PYTHON}" manage.py migrate_schemas --shared --stage "${stage}" --noinput --lock-timeout "${lock_timeout}" \
  "${report_shared[@]}"
echo "==> create_super_tenant"
"${PYTHON}" manage.py create_super_tenant --no-input --verbosity=1
echo "==> migrate_schemas --tenant --stage ${stage}"
"${PYTHON}" manage.py migrate_schemas --tenant --stage "${stage}" --noinput --parallel "${parallel}" \
  --lock-timeout "${lock_timeout}" "${report_tenant[@]}"
echo "==> migrations complete"
# The warm pool of pre-provisioned schemas is refilled by the worker's periodic job (every 10 minutes,
# and after each tenant creation); stale entries are never used. Nothing here may hide a failure.
