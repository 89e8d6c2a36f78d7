"""Benchmark: the production topology (nginx → gunicorn → PgBouncer, transaction pooling → PostgreSQL),
ours (backend.postgresql + one transaction per request) vs plain django-tenants (its backend, no request
transaction: projectmeats/settings/plain_tenants.py), in the same run against the same stack.

One `make stack`-style stack (deploy/stack) serves ours; a second gunicorn with the plain settings and
a second nginx share its PgBouncer, PostgreSQL and Redis. For each of 1, 8 and 32 concurrent clients,
alternating between the acme and globex hosts: throughput and p50/p95 latency of an API list
(/api/v1/customers/, bearer token) and a page (/customers/, signed-in session), and how many answers
carried the other tenant's data (the body of the other host's answer). Statements per request are
counted by PostgreSQL itself (log_statement = all for the measuring window, lines in its log: one per
query message, whatever it holds) with one client.

    .venv/bin/python bench/stack.py [--requests 600] [--clients 1,8,32] [--smoke]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import parse_args  # noqa: E402 (bench/ is the script's folder)

from deploy.stack import Stack, StackConfig, free_port, missing_packages  # noqa: E402
from deploy.stack.services import start_gunicorn, start_nginx  # noqa: E402
from tests.stack.http import request  # noqa: E402

PASSWORD = "projectmeats-demo"
HOSTS = ("acme.localhost", "globex.localhost")
PLAIN_SETTINGS = "projectmeats.settings.plain_tenants"
API, PAGE = "/api/v1/customers/", "/customers/"
STATEMENT = re.compile(r"LOG:  (statement|execute [^:]*): (.*)$")


def sign_in(port: int, host: str, source: str) -> dict[str, str]:
    page = request(port, "GET", "/login/", host=host, source=source)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "email": f"viewer@{host.split('.')[0]}.example", "password": PASSWORD}
    reply = request(port, "POST", "/login/", host=host, source=source, form=form, cookies=page.cookies)
    assert reply.status == 302, reply.status
    return {**page.cookies, **reply.cookies}


def api_token(port: int, host: str, source: str) -> str:
    credentials = {"email": f"viewer@{host.split('.')[0]}.example", "password": PASSWORD}
    reply = request(port, "POST", "/api/v1/auth/token/", host=host, source=source, json=credentials)
    assert reply.status == 201, reply.text
    return reply.json()["token"]


# Per-response values in a page (CSRF tokens, CSP nonces); the rest of a page is the same every time.
VOLATILE = re.compile(rb'(nonce|value|content)="[A-Za-z0-9+/=_-]{20,}"')


class Client:
    """What one kind of request needs per host (headers or cookies) and its answer there, to tell whose
    answer a response is: compared byte for byte after removing CSRF tokens and CSP nonces."""

    def __init__(self, port: int, path: str, auth: dict[str, dict]):
        self.port, self.path, self.auth = port, path, auth
        self.expected = {host: self.get(host)[1] for host in HOSTS}
        assert self.expected[HOSTS[0]] != self.expected[HOSTS[1]], "the two tenants must answer differently"
        assert all(self.get(host)[1] == self.expected[host] for host in HOSTS), f"{path}: answers vary"

    def whose(self, body: bytes) -> str | None:
        return next((host for host, expected in self.expected.items() if body == expected), None)

    def get(self, host: str) -> tuple[int, bytes]:
        reply = request(self.port, "GET", self.path, host=host, **self.auth[host])
        return reply.status, VOLATILE.sub(b"", reply.body)

    def one(self, number: int) -> tuple[float, str]:
        host = HOSTS[number % 2]
        started = time.perf_counter()
        status, body = self.get(host)
        elapsed = time.perf_counter() - started
        if status != 200:
            return elapsed, f"status {status}"
        whose = self.whose(body)
        if whose == host:
            return elapsed, "own"
        return elapsed, "other" if whose is None else "other tenant"


def load(client: Client, clients: int, requests: int) -> dict:
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client.one, range(clients * 2)))  # warm every thread's path
        started = time.perf_counter()
        results = list(pool.map(client.one, range(requests)))
        seconds = time.perf_counter() - started
    latencies = sorted(elapsed for elapsed, _ in results)
    outcomes = Counter(outcome for _, outcome in results)
    return {
        "rps": requests / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "wrong": outcomes["other tenant"] + outcomes["other"],
        "errors": sum(count for outcome, count in outcomes.items() if outcome.startswith("status")),
        "requests": requests,
    }


def count_statements(stack: Stack, client: Client, requests: int) -> tuple[float, float]:
    """(statements, transaction-control statements) per request as PostgreSQL logged them, one client."""
    log = stack.services["postgres"].log
    with stack.direct.connect(autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("SELECT pg_reload_conf()")
    time.sleep(1.0)
    start = log.stat().st_size
    for number in range(requests):
        client.one(number)
    time.sleep(1.0)
    with stack.direct.connect(autocommit=True) as conn:
        conn.execute("ALTER SYSTEM RESET log_statement")
        conn.execute("SELECT pg_reload_conf()")
    with log.open("rb") as handle:
        handle.seek(start)
        lines = handle.read().decode(errors="replace").splitlines()
    statements = [match.group(2) for line in lines if (match := STATEMENT.search(line))]
    statements = [text for text in statements if "log_statement" not in text and "pg_reload_conf" not in text]
    control = sum(1 for text in statements if text.strip().upper() in ("BEGIN", "COMMIT", "ROLLBACK"))
    return len(statements) / requests, control / requests


def unlimited_api(stack: Stack, limit: str) -> None:
    code = (
        "from apps.tenants.models import Client\n"
        "for tenant in Client.objects.filter(schema_name__in=['acme', 'globex']):\n"
        f"    tenant.quota_overrides = {limit}\n"
        "    tenant.save(update_fields=['quota_overrides'])\n"
    )
    stack.manage("shell", "-c", code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per kind, engine and concurrency")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--count", type=int, default=50, help="requests whose statements PostgreSQL counts")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pool-size", type=int, default=4)
    args = parse_args(parser, smoke={"requests": 16, "clients": "1,4", "count": 3})
    missing = missing_packages()
    if missing:
        raise SystemExit(f"bench/stack.py needs Debian packages: apt-get install -y {' '.join(missing)}")
    levels = [int(level) for level in args.clients.split(",")]

    root = Path(tempfile.mkdtemp(prefix="projectmeats-bench-stack-"))
    # Its own embedded PostgreSQL, like `make stack`, also in a smoke run: the statements are counted in
    # that server's log, and the smoke database tests/test_bench_smoke.py prepares is reached by a
    # socket path, which PgBouncer's generated config does not take.
    config = StackConfig(
        root=root,
        http_port=free_port(),
        workers=args.workers,
        threads=args.threads,
        pool_size=args.pool_size,
    )
    stack = Stack(config).start()
    extra = []
    try:
        bind = f"127.0.0.1:{free_port()}"
        plain_env = {**stack.env, "DJANGO_SETTINGS_MODULE": PLAIN_SETTINGS}
        extra.append(
            start_gunicorn(
                env=plain_env, bind=bind, workers=args.workers, threads=args.threads, log=root / "gunicorn-plain.log"
            )
        )
        plain_port = free_port()
        extra.append(start_nginx(workdir=root / "nginx-plain", listen=f"127.0.0.1:{plain_port}", upstream=bind))
        unlimited_api(stack, "{'api_requests_per_minute': None}")
        ports = {"ours": config.http_port, "plain": plain_port}
        tokens = {host: api_token(ports["ours"], host, f"127.0.0.{61 + i}") for i, host in enumerate(HOSTS)}
        cookies = {host: sign_in(ports["ours"], host, f"127.0.0.{71 + i}") for i, host in enumerate(HOSTS)}
        auth = {
            API: {host: {"headers": {"Authorization": f"Bearer {tokens[host]}"}} for host in HOSTS},
            PAGE: {host: {"cookies": cookies[host]} for host in HOSTS},
        }
        clients = {(engine, path): Client(port, path, auth[path]) for engine, port in ports.items() for path in auth}

        print(
            f"\nstack: nginx → gunicorn {args.workers}×{args.threads} → PgBouncer (transaction, pool "
            f"{args.pool_size}) → PostgreSQL; {args.requests} requests per row, hosts acme/globex alternating"
        )
        print("\n| request | engine | statements/request (PostgreSQL) | of which BEGIN/COMMIT |")
        print("|---|---|---|---|")
        for (engine, path), client in clients.items():
            if "postgres" not in stack.services:
                print(f"| {path} | {engine} | n/a (no server log: external database) | n/a |")
                continue
            per_request, control = count_statements(stack, client, args.count)
            print(f"| {path} | {engine} | {per_request:.1f} | {control:.1f} |")

        print("\n| request | clients | engine | req/s | p50 ms | p95 ms | other tenant's answers | errors |")
        print("|---|---|---|---|---|---|---|---|")
        ratios = []
        for path in auth:
            for level in levels:
                row = {}
                for engine in ports:
                    row[engine] = result = load(clients[(engine, path)], level, args.requests)
                    share = result["wrong"] / result["requests"] * 100
                    print(
                        f"| {path} | {level} | {engine} | {result['rps']:.0f} | {result['p50']:.1f} | "
                        f"{result['p95']:.1f} | {result['wrong']} ({share:.1f} %) | {result['errors']} |"
                    )
                ratios.append(f"{path} ×{level}: {row['ours']['rps'] / row['plain']['rps']:.2f}")
        print("\nthroughput ours / plain: " + ", ".join(ratios))
    finally:
        for service in reversed(extra):
            service.stop()
        stack.stop()


if __name__ == "__main__":
    main()
