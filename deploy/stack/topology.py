"""The whole production topology on one machine, in dependency order, and its environment.

    nginx :8080 → gunicorn (workers × threads) → PgBouncer (transaction pooling) → PostgreSQL
                                              ↘ Redis (cache, rate limits, routing)
    procrastinate worker → PostgreSQL (directly: it LISTENs, which a transaction pooler cannot carry)

`Stack(StackConfig(...)).start()` brings it up (migrating, collecting static files and seeding the demo
tenants first), `stack.env` is the environment every app process gets (written to `<root>/env`),
`stack.stop()` takes it down in reverse order. A supervisor restarts PostgreSQL, PgBouncer, gunicorn,
nginx and the worker if they die without being stopped, as an init system or compose would.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .services import (
    ROOT,
    PgAddress,
    Service,
    StackError,
    Supervisor,
    free_port,
    python,
    start_gunicorn,
    start_nginx,
    start_pgbouncer,
    start_postgres,
    start_redis,
    start_worker,
)

PRODUCTION = "projectmeats.settings.production"


@dataclass
class StackConfig:
    root: Path  # everything the stack writes: pgdata (unless database_url), configs, logs, env
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    database_url: str = ""  # an external PostgreSQL; empty → the embedded one under root/postgres
    workers: int = 3
    threads: int = 4
    pool_size: int = 4  # PgBouncer server connections; < workers × threads on purpose
    seed_demo: bool = True
    warm_pool: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = True  # setup commands' output goes to root/setup.log unless False


class Stack:
    def __init__(self, config: StackConfig):
        self.config = config
        self.root = Path(config.root).resolve()
        self.services: dict[str, Service] = {}
        self.env: dict[str, str] = {}
        self.direct: PgAddress | None = None
        self.pooled: PgAddress | None = None
        self.redis_url = ""
        self._supervisor = Supervisor(lambda: list(self.services.values()))

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Stack:
        config = self.config
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.services["redis"], self.redis_url = start_redis(workdir=self.root / "redis")
            if config.database_url:
                self.direct = PgAddress.from_url(config.database_url)
            else:
                self.services["postgres"], self.direct = start_postgres(pgdata=self.root / "postgres" / "data")
            self.services["pgbouncer"], self.pooled = start_pgbouncer(
                upstream=self.direct,
                workdir=self.root / "pgbouncer",
                pool_size=config.pool_size,
                max_client_conn=max(100, config.workers * config.threads * 4),
            )
            self.env = self._app_env()
            (self.root / "prometheus").mkdir(exist_ok=True)
            self.write_env()
            self._prepare()
            bind = f"127.0.0.1:{free_port()}"
            self.services["gunicorn"] = start_gunicorn(
                env=self.env,
                bind=bind,
                workers=config.workers,
                threads=config.threads,
                log=self.root / "gunicorn.log",
            )
            # The worker LISTENs for new jobs and holds advisory locks: session state, so it goes
            # to PostgreSQL directly, like migrations (docs/deploy.md).
            self.services["worker"] = start_worker(env=self.direct_env(), log=self.root / "worker.log")
            self.services["nginx"] = start_nginx(
                workdir=self.root / "nginx", listen=f"{config.http_host}:{config.http_port}", upstream=bind
            )
            self._supervisor.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything this stack started, front to back, so no request finds its backend gone."""
        self._supervisor.stop()
        for name in ("nginx", "gunicorn", "worker", "pgbouncer", "redis", "postgres"):
            service = self.services.get(name)
            if service is not None:
                service.stop()

    # --- environment ----------------------------------------------------------------------

    def _app_env(self) -> dict[str, str]:
        assert self.pooled is not None and self.direct is not None
        port = str(self.config.http_port)
        env = {
            "DJANGO_SETTINGS_MODULE": PRODUCTION,
            "SECRET_KEY": self._secret("secret_key"),
            "ENCRYPTION_MASTER_KEYS": "stack1:" + self._secret("encryption_master_key", urlsafe_bytes=32),
            "BACKUP_SIGNING_KEY": self._secret("backup_signing_key"),
            "DATABASE_URL": self.pooled.url,
            "DIRECT_DATABASE_URL": self.direct.url,
            "REDIS_URL": self.redis_url,
            "BASE_DOMAIN": "localhost",
            # nginx on this machine is the one proxy in front of gunicorn.
            "TRUSTED_PROXY_IPS": "127.0.0.1",
            "TRUSTED_PROXY_COUNT": "1",
            # Plain HTTP on localhost: no redirect to https, cookies without the Secure flag, no HSTS.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "TENANT_URL_SCHEME": "http",
            "TENANT_URL_PORT": port,
            "LINK_SCHEME": "http",
            "LINK_PORT": port,
            "EMAIL_URL": "consolemail://",
            "TENANT_WARM_POOL_SIZE": str(self.config.warm_pool),
            "CONN_MAX_AGE": "60",
            "PYTHONUNBUFFERED": "1",
            # /metrics (backend/metrics.py): every gunicorn worker's and the job worker's samples, added
            # up from this folder; scraped with `Authorization: Bearer $METRICS_TOKEN`.
            "PROMETHEUS_MULTIPROC_DIR": str(self.root / "prometheus"),
            "METRICS_TOKEN": self._secret("metrics_token"),
            **self.config.extra_env,
        }
        return env

    def direct_env(self) -> dict[str, str]:
        """The app environment pointed at PostgreSQL itself (migrations, the worker, session state)."""
        return {**os.environ, **self.env, "DATABASE_URL": self.env["DIRECT_DATABASE_URL"]}

    def process_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def write_env(self) -> Path:
        """`<root>/env`: `set -a; . .stack/env; .venv/bin/python manage.py …` acts on this stack."""
        path = self.root / "env"
        lines = ["# Written by `make stack` (deploy/stack); sourced with `set -a; . .stack/env`."]
        lines += [f"{key}={value}" for key, value in sorted(self.env.items())]
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
        return path

    def _secret(self, name: str, *, urlsafe_bytes: int = 0) -> str:
        """A random value kept in `<root>/<name>` (the same across restarts, so the stack still reads its data)."""
        path = self.root / name
        if not path.exists():
            value = (
                base64.urlsafe_b64encode(secrets.token_bytes(urlsafe_bytes)).decode()
                if urlsafe_bytes
                else secrets.token_urlsafe(48)
            )
            path.write_text(value)
            path.chmod(0o600)
        return path.read_text().strip()

    # --- setup commands -------------------------------------------------------------------

    def _prepare(self) -> None:
        """Migrate (directly, not through the pooler) and seed the demo tenants; collect static files
        meanwhile (they need no database)."""
        with ThreadPoolExecutor(1) as background:
            static = background.submit(self.manage, "collectstatic", "--noinput", "--verbosity", "0")
            self.run(["bash", "deploy/migrate.sh"], env=self.direct_env())
            if self.config.seed_demo:
                # seed_demo refuses production settings on purpose; run it with development's.
                seed_env = {**self.direct_env(), "DJANGO_SETTINGS_MODULE": "projectmeats.settings.development"}
                self.run([python(), "manage.py", "seed_demo"], env=seed_env)
            static.result()

    def manage(self, *args: str, direct: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        """`manage.py ARGS` with this stack's environment (through PgBouncer unless `direct`)."""
        env = self.direct_env() if direct else self.process_env()
        return self.run([python(), "manage.py", *args], env=env, check=check)

    def run(self, argv: list[str], *, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
        env = {**env, "PYTHON": python()}
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        seconds = time.perf_counter() - started
        with (self.root / "setup.log").open("a") as log:
            log.write(f"$ {' '.join(argv)}  # {seconds:.1f}s, exit {result.returncode}\n{result.stdout}{result.stderr}")
        if not self.config.quiet:
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
        if check and result.returncode != 0:
            output = result.stdout[-2000:] + result.stderr[-3000:]
            raise StackError(f"{' '.join(argv)} failed ({result.returncode}):\n{output}")
        return result

    # --- conveniences for tests and the CLI ------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.config.http_host}:{self.config.http_port}"

    def url(self, host: str, path: str = "/") -> str:
        """`http://<host>:<port><path>`: a URL naming a tenant host (`*.localhost` resolves to 127.0.0.1)."""
        return f"http://{host}:{self.config.http_port}{path}"
