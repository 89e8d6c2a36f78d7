"""`make run` (runserver, development settings) holds no database connection after a request ends.

runserver serves each request on a new thread that is never reused; with persistent connections
(CONN_MAX_AGE=60) every finished thread left its connection open until PostgreSQL's 100 were gone
("too many clients already" 500s after ~5,000 requests with 8 clients).
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection

from deploy.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 15


def _open_connections(params) -> int:
    with psycopg.connect(**params, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_runserver_threads_do_not_keep_connections(world, db):
    params = connection.get_connection_params()
    params = {key: params[key] for key in ("dbname", "user", "host", "port") if params.get(key)}
    host = quote(params.get("host") or "localhost", safe="")
    port = f":{params['port']}" if params.get("port") else ""
    url = f"postgres://{params['user']}@{host}{port}/{params['dbname']}"
    env = {key: value for key, value in os.environ.items() if key not in ("CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="projectmeats.settings.development")
    http_port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{http_port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        readyz = urllib.request.Request(f"http://127.0.0.1:{http_port}/readyz", headers={"Host": "localhost"})
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(readyz, timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "runserver did not start"
                time.sleep(0.3)
        before = _open_connections(params)
        for _ in range(REQUESTS):  # each on a new runserver thread, each queries the database
            assert urllib.request.urlopen(readyz, timeout=10).status == 200
        assert _open_connections(params) - before <= 0
    finally:
        server.terminate()
        server.wait(10)
