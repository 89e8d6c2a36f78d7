"""A small HTTP client for the stack tests: any Host header, any loopback source address, no cookie jar.

`*.localhost` names do not resolve everywhere, so requests go to nginx's address with the tenant's
host in the Host header; `source` binds the client socket (Linux routes all of 127.0.0.0/8 to lo), which
is how the tests look like different visitors to nginx.
"""

from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


def request(
    port: int,
    method: str,
    path: str,
    *,
    host: str = "acme.localhost",
    source: str = "127.0.0.1",
    address: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    json=None,
    form: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
) -> Reply:
    sent = {"Host": host, **(headers or {})}
    if json is not None:
        body = jsonlib.dumps(json).encode()
        sent["Content-Type"] = "application/json"
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    conn = http.client.HTTPConnection(address, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        received = {name: morsel.value for name, morsel in jar.items()}
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), received)
    finally:
        conn.close()
