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
