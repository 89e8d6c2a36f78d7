"""The isolation walker: every route a tenant host serves, read from Django's URL resolver and the OpenAPI schema.

Pages come from the tenant URLconf (settings.ROOT_URLCONF, what django-tenants serves on tenant hosts); API
operations (path + method) from drf-spectacular's schema of the same URLconf — the document /api/v1/schema/
serves. For each route the walker says which generic checks apply and how to fill its path parameters: a
parameter that names a record (`pk`, `id`, `<model>_id`) gets a model, so the checks can build a row that
exists only in the other tenant. A route the walker cannot fill, or a check a route cannot take, must be in
the registry (tests/isolation/registry.py) with the tests that cover it instead; `coverage_gaps` lists
everything else, and tests/isolation/test_walker.py fails on any gap.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

REPO_ROOT = Path(__file__).resolve().parents[2]

# The generic checks (test_routes.py has one test function per check).
ANONYMOUS = "anonymous"  # no credentials → login redirect (page) / 401 + Bearer challenge (API)
FOREIGN_SESSION = "foreign_session"  # the other tenant's member, session from the other host → same as anonymous
FOREIGN_TOKEN = "foreign_token"  # the other tenant's API token → 401 (API only)
OUTSIDER = "outsider"  # signed in on this host without a membership (outsider, other tenant's member) → 403
FOREIGN_ID = "foreign_id"  # an id that exists only in the other tenant → 404, identical to a missing id
CSRF = "csrf"  # a member's session, state-changing request without the CSRF token → 403
PAGE_CHECKS = (ANONYMOUS, FOREIGN_SESSION, OUTSIDER, FOREIGN_ID, CSRF)
API_CHECKS = (ANONYMOUS, FOREIGN_SESSION, FOREIGN_TOKEN, OUTSIDER, FOREIGN_ID, CSRF)
ALL_CHECKS = frozenset(API_CHECKS)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "api/"

# Parameters that are not records, per route name: the value that reaches the record lookup behind them.
SAMPLE_ARGUMENTS: dict[str, dict[str, str]] = {
    "claim-transition": {"verb": "approve"},
    "invoice-transition": {"verb": "issue"},
    "purchaseorder-transition": {"verb": "confirm"},
    "salesorder-transition": {"verb": "confirm"},
    "report": {"name": "open-orders"},
    "api-report": {"name": "open-orders"},
    "branding_file": {"kind": "logo"},
}

# Record parameters whose route name does not name the model the view looks up.
RECORD_MODELS: dict[str, str] = {
    "compliance-evidence-download": "compliance.EvidenceVersion",
}

RECORD_PARAM = re.compile(r"^(pk|id|(?P<model>\w+)_id)$")
PAGE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
API_PARAM = re.compile(r"\{(?P<name>\w+)\}")


@dataclass(frozen=True)
class Route:
    """One page route (any method) or one API operation (path + method) on tenant hosts."""

    kind: str  # "page" or "api"
    template: str  # "/suppliers/<int:pk>/" or "/api/v1/suppliers/{id}/"
    method: str  # the API operation's method; "" for pages (GET and POST are tried)
    name: str  # the URL name ("" when the pattern has none)
    params: tuple[str, ...]
    buildable: bool  # False for regex page patterns the walker cannot fill
    callback: Any = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        """The test id and registry key: "/suppliers/<int:pk>/" or "POST /api/v1/suppliers/{id}/archive/"."""
        return f"{self.method} {self.template}" if self.method else self.template

    @property
    def checks(self) -> tuple[str, ...]:
        if self.kind == "page":
            return PAGE_CHECKS if self.record_param else tuple(c for c in PAGE_CHECKS if c != FOREIGN_ID)
        wanted = [c for c in API_CHECKS if c != FOREIGN_ID or self.record_param]
        return tuple(c for c in wanted if c != CSRF or self.method in UNSAFE_METHODS)

    @property
    def record_param(self) -> str | None:
        return next((p for p in self.params if RECORD_PARAM.match(p)), None)

    def url(self, values: Mapping[str, object]) -> str:
        pattern = PAGE_PARAM if self.kind == "page" else API_PARAM
        return pattern.sub(lambda m: str(values[m.group("name")]), self.template)


@dataclass(frozen=True)
class Registered:
    """A route (or some of its checks) covered by named tests instead of the generic checks."""

    tests: tuple[str, ...]  # "apps/accounts/tests/test_signin_login.py::test_name" (or ::Class::test_name)
    reason: str
    checks: frozenset[str] = ALL_CHECKS  # the generic checks this route does not get


# --- discovery ----------------------------------------------------------------------------------------


def _join(prefix: str, part: str) -> str:
    """Join routes the way Django's resolver does (so the result equals `ResolverMatch.route`)."""
    return prefix + part.removeprefix("^") if prefix else part


def _walk(patterns, prefix: str = "", regex: bool = False) -> Iterator[tuple[str, str, Any, bool]]:
    for entry in patterns:
        is_regex = regex or not isinstance(entry.pattern, RoutePattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, _join(prefix, str(entry.pattern)), is_regex)
        elif isinstance(entry, URLPattern):
            yield _join(prefix, str(entry.pattern)), entry.name or "", entry.callback, is_regex


def resolver_entries(urlconf: str) -> list[tuple[str, str, Any, bool]]:
    """(route, name, view, is_regex) for every pattern of `urlconf`, includes flattened."""
    return list(_walk(get_resolver(urlconf).url_patterns))


def page_routes(urlconf: str) -> list[Route]:
    routes = []
    for route, name, callback, is_regex in resolver_entries(urlconf):
        if route.startswith(API_PREFIX):
            continue
        params = () if is_regex else tuple(m.group("name") for m in PAGE_PARAM.finditer(route))
        routes.append(Route("page", "/" + route, "", name, params, not is_regex, callback))
    return routes


@functools.cache
def openapi_schema(urlconf: str) -> dict:
    """The OpenAPI document of `urlconf`, built by the generator behind /api/v1/schema/."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


def api_routes(urlconf: str) -> list[Route]:
    routes = []
    for template, operations in openapi_schema(urlconf)["paths"].items():
        params = tuple(m.group("name") for m in API_PARAM.finditer(template))
        match = resolve(API_PARAM.sub("1", template), urlconf)
        for method in operations:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                routes.append(Route("api", template, method.upper(), match.url_name or "", params, True, match.func))
    return routes


def api_entries_missing_from_schema(urlconf: str) -> list[str]:
    """Resolver routes under /api/ that no schema operation reaches (views the schema does not describe)."""
    reached = {resolve(API_PARAM.sub("1", t), urlconf).route for t in openapi_schema(urlconf)["paths"]}
    return sorted(
        "/" + route
        for route, _name, _callback, _regex in resolver_entries(urlconf)
        if route.startswith(API_PREFIX) and route not in reached
    )


def tenant_routes(urlconf: str | None = None) -> list[Route]:
    urlconf = urlconf or settings.ROOT_URLCONF
    return page_routes(urlconf) + api_routes(urlconf)


def public_routes() -> list[str]:
    """The public host's top-level routes (landing, signup, admin): not tenant routes, named in the summary."""
    return ["/" + str(entry.pattern) for entry in get_resolver(settings.PUBLIC_SCHEMA_URLCONF).url_patterns]


# --- parameters ---------------------------------------------------------------------------------------


def _view_model(callback) -> type[models.Model] | None:
    """The model behind a view: a DRF view's `resource`/`queryset`, or a page set's (bound method) resource."""
    for owner in (getattr(callback, "cls", None), getattr(callback, "__self__", None)):
        resource = getattr(owner, "resource", None)
        if resource is not None:
            return resource.model
        queryset = getattr(owner, "queryset", None)
        if queryset is not None:
            return queryset.model
    return None


@functools.cache
def _models_by_name() -> dict[str, list[type[models.Model]]]:
    found: dict[str, list[type[models.Model]]] = {}
    for model in django_apps.get_models():
        found.setdefault(model._meta.model_name, []).append(model)
    return found


def record_model(route: Route) -> type[models.Model] | None:
    """The model whose primary key the route's record parameter carries, or None if the walker cannot tell."""
    param = route.record_param
    if param is None:
        return None
    if route.name in RECORD_MODELS:
        return django_apps.get_model(RECORD_MODELS[route.name])
    match = RECORD_PARAM.match(param)
    named = match.group("model") if match else None
    if named:
        candidates = _models_by_name().get(named.replace("_", ""), [])
        return candidates[0] if len(candidates) == 1 else None
    if model := _view_model(route.callback):
        return model
    # Function views: the URL name says what they fetch ("compliancetask-transition", "domain_verify").
    # The first token that names exactly one model wins.
    for token in re.split(r"[-_:]", route.name):
        candidates = _models_by_name().get(token, [])
        if candidates:
            return candidates[0] if len(candidates) == 1 else None
    return None


def unfilled_params(route: Route) -> list[str]:
    """Path parameters the walker has no value for (neither a known record nor a sample argument)."""
    samples = SAMPLE_ARGUMENTS.get(route.name, {})
    missing = []
    for param in route.params:
        if param in samples:
            continue
        if RECORD_PARAM.match(param) and param == route.record_param and record_model(route) is not None:
            continue
        missing.append(param)
    return missing


def arguments(route: Route, record_id: int) -> dict[str, object]:
    values: dict[str, object] = dict(SAMPLE_ARGUMENTS.get(route.name, {}))
    if route.record_param:
        values[route.record_param] = record_id
    return values


# --- coverage -----------------------------------------------------------------------------------------


def generic_checks(route: Route, registry: Mapping[str, Registered]) -> tuple[str, ...]:
    """The checks test_routes.py runs on `route` (those the registry does not take over)."""
    exempt = registry[route.key].checks if route.key in registry else frozenset()
    return tuple(check for check in route.checks if check not in exempt)


def coverage_gaps(urlconf: str, registry: Mapping[str, Registered], record_factories: Mapping) -> list[str]:
    """One line per route the generic checks cannot exercise and no registry entry covers."""
    gaps = []
    for route in tenant_routes(urlconf):
        checks = generic_checks(route, registry)
        if not checks:
            continue
        if not route.buildable:
            gaps.append(f"{route.key}: a regex pattern the walker cannot fill ({', '.join(checks)})")
            continue
        if missing := unfilled_params(route):
            gaps.append(f"{route.key}: no value for parameter(s) {', '.join(missing)} ({', '.join(checks)})")
            continue
        model = record_model(route)
        if FOREIGN_ID in checks and model not in record_factories:
            gaps.append(f"{route.key}: no factory for {model._meta.label} (foreign_id)")
    for path in api_entries_missing_from_schema(urlconf):
        if path not in registry:
            gaps.append(f"{path}: under /api/ but in no OpenAPI operation")
    return gaps


def registry_problems(urlconf: str, registry: Mapping[str, Registered]) -> list[str]:
    """Registry entries for routes that no longer exist, and named tests that do not exist."""
    keys = {route.key for route in tenant_routes(urlconf)} | set(api_entries_missing_from_schema(urlconf))
    problems = [f"{key}: registered but no such tenant route" for key in registry if key not in keys]
    for key, entry in registry.items():
        if not entry.tests:
            problems.append(f"{key}: registered without a covering test")
        problems += [f"{key}: {test} does not exist" for test in entry.tests if not covering_test_exists(test)]
    return problems


def covering_test_exists(node_id: str) -> bool:
    """Whether "path/to/test_file.py::[Class::]test_name" names a test function in that file."""
    path, _, name = node_id.partition("::")
    file = REPO_ROOT / path
    if not name or not file.is_file() or not file.name.startswith("test_"):
        return False
    scope: list[ast.stmt] = ast.parse(file.read_text()).body
    *classes, function = name.split("::")
    for class_name in classes:
        found = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name), None)
        if found is None:
            return False
        scope = found.body
    return function.startswith("test") and any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function for n in scope
    )
