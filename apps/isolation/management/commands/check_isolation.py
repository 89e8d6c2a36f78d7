"""Probe a live deployment's two canary tenants for cross-tenant leaks over real HTTP.

    ISOLATION_A_EMAIL=... ISOLATION_A_PASSWORD=... ISOLATION_B_EMAIL=... ISOLATION_B_PASSWORD=... \\
    manage.py check_isolation --base-url https://canary-a.example.com \\
        --tenant-a canary-a.example.com --tenant-b canary-b.example.com [--requests 2000] [--seed N] [--setup]

Each canary account (an owner or admin of its canary tenant only, password sign-in, no two-factor) signs
in for a session and an API token. `--setup` plants the canary world through the API where it is missing
(once per tenant; later runs find it by its marker). Then the same probes as the CI fuzzer
(apps.isolation.probes) go to the base URL with the chosen Host headers. Prints one line,
`N requests, L leaks (...)`, and exits 1 when a response carried the other canary's data or the server
answered 5xx; bad input or an unreachable server is one `CommandError` line, exit 1.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from apps.isolation.canary import Api, CanaryError, discover, find_marker, new_marker, plant
from apps.isolation.live import HttpTransport, LiveCredentials, SignInError, Unreachable, obtain_token, sign_in
from apps.isolation.probes import Finding, Prober
from backend.clock import platform_today

MAX_REQUESTS = 100_000
_MEMBER_LINK = re.compile(rb'href="/members/(\d+)/"')


class Command(BaseCommand):
    help = "Send N cross-tenant probes to a live deployment's two canary tenants; exit 1 on any leak."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="Where to connect: http(s)://host[:port].")
        parser.add_argument("--tenant-a", required=True, help="Host name of the first canary tenant.")
        parser.add_argument("--tenant-b", required=True, help="Host name of the second canary tenant.")
        parser.add_argument("--requests", type=int, default=2000, help="Number of probes (default 2000).")
        parser.add_argument("--seed", type=int, default=None, help="Repeat a run's probes (printed in the summary).")
        parser.add_argument("--setup", action="store_true", help="Plant the canary data where it is missing.")
        parser.add_argument("--timeout", type=float, default=15.0, help="Seconds per request (default 15).")

    def handle(self, *args, **options):
        count, hosts = options["requests"], {"a": options["tenant_a"].strip(), "b": options["tenant_b"].strip()}
        if not 1 <= count <= MAX_REQUESTS:
            raise CommandError(f"--requests must be between 1 and {MAX_REQUESTS}, not {count}.")
        if not all(hosts.values()) or hosts["a"].lower() == hosts["b"].lower():
            raise CommandError("--tenant-a and --tenant-b must be two different host names.")
        if options["timeout"] <= 0:
            raise CommandError(f"--timeout must be a positive number of seconds, not {options['timeout']}.")
        accounts = _accounts()
        try:
            transport = HttpTransport(options["base_url"], timeout=options["timeout"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(10**9)
        secure = options["base_url"].startswith("https:")
        try:
            prober = self._prober(transport, hosts, accounts, setup=options["setup"], secure=secure)
            tally = prober.run(count=count, seed=seed, on_finding=self._report_finding(options["verbosity"]))
        except (Unreachable, SignInError, CanaryError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"check_isolation {hosts['a']} / {hosts['b']} (seed {seed}): {tally.summary()}")
        if tally.leaks or tally.server_errors:
            sys.exit(1)

    def _prober(
        self,
        transport: HttpTransport,
        hosts: dict[str, str],
        accounts: dict[str, tuple[str, str]],
        *,
        setup: bool,
        secure: bool,
    ) -> Prober:
        tokens, sessions, canaries = {}, {}, []
        for label, host in hosts.items():
            email, password = accounts[label]
            tokens[label] = obtain_token(transport, host=host, email=email, password=password)
            api = Api(transport, host=host, token=tokens[label])
            if setup and find_marker(api) is None:
                plant(api, marker=new_marker(), today=platform_today())
            sessions[label] = sign_in(transport, host=host, email=email, password=password, secure=secure)
            members = transport.send("GET", "/members/", host=host, headers=_cookie(sessions[label]))
            member_ids = sorted({int(pk) for pk in _MEMBER_LINK.findall(members.body)})
            canaries.append(discover(api, label=label, extra_markers=(email,), extra_ids={"membership": member_ids}))
        if canaries[0].markers[0] == canaries[1].markers[0]:
            raise CommandError("Both hosts show the same canary data: are they the same tenant?")
        return Prober(
            transport=transport, credentials=LiveCredentials(sessions=sessions, tokens=tokens), canaries=canaries
        )

    def _report_finding(self, verbosity: int) -> Callable[[Finding], None]:
        def report(finding: Finding) -> None:
            if verbosity >= 2:
                kind = "LEAK" if finding.markers else "SERVER ERROR"
                self.stderr.write(f"{kind}: {finding.describe()}")

        return report


def _accounts() -> dict[str, tuple[str, str]]:
    names = [f"ISOLATION_{label}_{part}" for label in "AB" for part in ("EMAIL", "PASSWORD")]
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise CommandError("Set the canary accounts in the environment: " + ", ".join(missing) + ".")
    accounts = {
        label.lower(): (os.environ[f"ISOLATION_{label}_EMAIL"], os.environ[f"ISOLATION_{label}_PASSWORD"])
        for label in "AB"
    }
    if accounts["a"][0].lower() == accounts["b"][0].lower():
        raise CommandError("The two canaries need two different accounts (each a member of its own tenant only).")
    return accounts


def _cookie(session: str) -> dict[str, str]:
    from django.conf import settings

    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
