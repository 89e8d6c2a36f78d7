"""Prints what the isolation walker covered at the end of any pytest run that included it."""

from .summary import RESULTS


def pytest_terminal_summary(terminalreporter):
    if not RESULTS.routes:
        return
    from django.conf import settings

    from .registry import REGISTRY
    from .walker import api_entries_missing_from_schema, public_routes, tenant_routes

    routes = tenant_routes()
    pages = [r for r in routes if r.kind == "page"]
    operations = [r for r in routes if r.kind == "api"]
    outside = api_entries_missing_from_schema(settings.ROOT_URLCONF)
    passed, failed = sum(RESULTS.passed.values()), sum(RESULTS.failed.values())
    per_check = ", ".join(
        f"{check} {RESULTS.passed[check] + RESULTS.failed[check]}"
        for check in sorted(set(RESULTS.passed) | set(RESULTS.failed))
    )
    tests = {test for entry in REGISTRY.values() for test in entry.tests}
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "isolation walker")
    write(
        f"tenant routes: {len(pages)} pages, {len(operations)} API operations on "
        f"{len({r.template for r in operations})} paths, {len(outside)} API views outside the schema; "
        f"public host (not tenant routes): {' '.join(public_routes())}"
    )
    checks = f"generic checks: {passed + failed} on {len(RESULTS.routes)} routes ({per_check})"
    write(f"{checks}: {passed} passed, {failed} failed")
    write(f"registry: {len(REGISTRY)} routes covered (wholly or partly) by {len(tests)} named tests instead")
