"""`make stack`: the production topology on this machine until Ctrl-C / SIGTERM (`python -m deploy.stack`).

Everything it writes lives under `.stack/` (git-ignored): PostgreSQL's data (kept between runs), the
generated configs, each server's log and `env`, the environment to reach this stack from a shell.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .services import ROOT, StackError, missing_packages
from .topology import Stack, StackConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make stack", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT / ".stack")
    parser.add_argument("--port", type=int, default=int(os.environ.get("STACK_HTTP_PORT", "8080")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("STACK_WORKERS", "3")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("STACK_THREADS", "4")))
    parser.add_argument("--pool-size", type=int, default=int(os.environ.get("STACK_POOL_SIZE", "4")))
    args = parser.parse_args(argv)

    missing = missing_packages()
    if missing:
        print(f"make stack needs Debian packages: sudo apt-get install -y {' '.join(missing)}", file=sys.stderr)
        return 1

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    config = StackConfig(
        root=args.root,
        http_port=args.port,
        database_url=os.environ.get("DATABASE_URL", ""),
        workers=args.workers,
        threads=args.threads,
        pool_size=args.pool_size,
    )
    stack = Stack(config)
    print(f"==> starting the stack under {args.root} (logs there)", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"make stack: {exc}", file=sys.stderr)
        return 1
    try:
        print(_banner(stack), flush=True)
        while not stopping.wait(1):
            pass
    finally:
        print("==> stopping", flush=True)
        stack.stop()
    return 0


def _banner(stack: Stack) -> str:
    c = stack.config
    pg = stack.services.get("postgres")
    database = "embedded PostgreSQL" if pg else "DATABASE_URL's PostgreSQL"
    return "\n".join(
        [
            f"==> nginx :{c.http_port} → gunicorn {c.workers} workers × {c.threads} threads → "
            f"PgBouncer (transaction pooling, {c.pool_size} server connections) → {database}; Redis; job worker",
            f"    open http://acme.localhost:{c.http_port}/ or http://globex.localhost:{c.http_port}/ "
            "(demo password: projectmeats-demo)",
            f"    shell: set -a; . {_shown(stack.root)}/env; .venv/bin/python manage.py …",
            f'    metrics: curl -H "Authorization: Bearer $(cat {_shown(stack.root)}/metrics_token)" '
            f"http://localhost:{c.http_port}/metrics",
            "    Ctrl-C stops everything.",
        ]
    )


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
