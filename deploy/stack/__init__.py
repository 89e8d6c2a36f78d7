"""The production topology on one machine (`make stack`, the stack tests): see topology.py.

Stable interface (other tools and tests build on it):
    start_postgres(pgdata=..., port=None) -> (Service, PgAddress)
    start_pgbouncer(upstream=PgAddress | url, workdir=..., pool_size=N, port=None, pool_mode="transaction")
        -> (Service, PgAddress)
    start_redis(workdir=...) -> (Service, url);  start_nginx(workdir=..., listen=..., upstream=...) -> Service
    Stack(StackConfig(root=...)).start() / .stop(), .env, .direct, .pooled, .services[name]
"""

from .services import (
    PgAddress,
    Service,
    StackError,
    free_port,
    missing_packages,
    start_nginx,
    start_pgbouncer,
    start_postgres,
    start_redis,
)
from .topology import Stack, StackConfig

__all__ = [
    "PgAddress",
    "Service",
    "Stack",
    "StackConfig",
    "StackError",
    "free_port",
    "missing_packages",
    "start_nginx",
    "start_pgbouncer",
    "start_postgres",
    "start_redis",
]
