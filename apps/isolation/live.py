"""Talking to a live deployment over real HTTP: a transport, and signing a canary account in.

Stdlib `http.client` on purpose: every request goes to the one `--base-url` address with the Host header
the probe chose (tenant routing is by Host), redirects are reported rather than followed, and nothing is
added that the probe did not ask for.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
from collections.abc import Mapping
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from .probes import SESSION, TOKEN, Credential, Reply, Transport


class Unreachable(Exception):
    """The base URL cannot be reached; the message is one readable line."""


class SignInError(Exception):
    """A canary account could not sign in; the message is one readable line."""


class HttpTransport:
    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--base-url must look like http(s)://host[:port], not {base_url!r}")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"--base-url takes no path or query: {base_url!r}")
        self.scheme, self.address, self.port = parts.scheme, parts.hostname, parts.port
        self.timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(self.address, self.port, timeout=self.timeout, context=context)
        return http.client.HTTPConnection(self.address, self.port, timeout=self.timeout)

    def send(
        self, method: str, path: str, *, host: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> Reply:
        connection = self._connection()
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host)
            for name, value in headers.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            content = response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
            reply_headers = {
                name.lower(): value for name, value in response.getheaders() if name.lower() != "set-cookie"
            }
            reply_headers["set-cookie"] = "\n".join(cookies)
            return Reply(status=response.status, headers=reply_headers, body=content)
        except (OSError, http.client.HTTPException) as exc:
            reason = exc.__class__.__name__ if isinstance(exc, socket.timeout) else str(exc) or repr(exc)
            raise Unreachable(f"cannot reach {self.scheme}://{self.address}:{self.port or ''}: {reason}") from exc
        finally:
            connection.close()


def cookies_of(reply: Reply) -> dict[str, str]:
    jar = SimpleCookie()
    for line in reply.headers.get("set-cookie", "").split("\n"):
        if line.strip():
            jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def obtain_token(transport: Transport, *, host: str, email: str, password: str) -> str:
    body = json.dumps({"email": email, "password": password}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    reply = transport.send("POST", "/api/v1/auth/token/", host=host, headers=headers, body=body)
    if reply.status != 201:
        detail = reply.body[:200].decode("utf-8", "replace")
        raise SignInError(f"no API token for {email} on {host}: {reply.status} {detail}")
    return json.loads(reply.body)["token"]


_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(transport: Transport, *, host: str, email: str, password: str, secure: bool) -> str:
    """Sign in through the login page like a browser; returns the session cookie's value."""
    page = transport.send("GET", "/login/", host=host, headers={})
    token = _CSRF_FIELD.search(page.body)
    csrf_cookie = cookies_of(page).get(settings.CSRF_COOKIE_NAME)
    if page.status != 200 or token is None or csrf_cookie is None:
        raise SignInError(f"no sign-in form at {host}/login/ (status {page.status})")
    form = urlencode({"email": email, "password": password, "csrfmiddlewaretoken": token.group(1).decode()})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}",
        "Referer": f"{'https' if secure else 'http'}://{host}/login/",
    }
    reply = transport.send("POST", "/login/", host=host, headers=headers, body=form.encode())
    session = cookies_of(reply).get(settings.SESSION_COOKIE_NAME)
    if reply.status != 302 or not session:
        raise SignInError(
            f"{email} could not sign in at {host} (status {reply.status}; wrong password or not a member?)"
        )
    if "/login/verify/" in reply.headers.get("location", ""):
        raise SignInError(f"{email} has two-factor sign-in; a canary account needs a password-only sign-in")
    return session


class LiveCredentials:
    """Each canary's session cookie and API token, obtained once per run."""

    def __init__(self, *, sessions: Mapping[str, str], tokens: Mapping[str, str]) -> None:
        self.sessions, self.tokens = dict(sessions), dict(tokens)

    def session(self, owner: str) -> str:
        return self.sessions[owner]

    def headers(self, credential: Credential) -> dict[str, str]:
        if credential.kind == SESSION:
            return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session(credential.owner)}"}
        if credential.kind == TOKEN:
            return {"Authorization": f"Bearer {self.tokens[credential.owner]}"}
        return {}
