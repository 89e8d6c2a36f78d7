"""gunicorn settings for the production image and `make stack`; values come from the environment where it matters.

Threads: each keeps one persistent database connection (CONN_MAX_AGE) to PgBouncer, so workers × threads
is the number of client connections PgBouncer must accept (its max_client_conn); its server pool can be
much smaller (deploy/pgbouncer/pgbouncer.ini).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# The worker's pid (as <pid>) ends each line: which worker answered (the stack tests check the spread).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss %(p)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# Prometheus multiprocess mode (backend/metrics.py): every worker writes its samples to files in
# PROMETHEUS_MULTIPROC_DIR and /metrics adds them up. The folder starts empty with each master (stale
# files from a previous run would be added in), and a worker that exits leaves its gauges behind.
def on_starting(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
