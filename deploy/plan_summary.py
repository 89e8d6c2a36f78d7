"""Markdown for the pipeline's run summary from a `migrate_schemas --plan --report FILE` report.

    python deploy/plan_summary.py migration-plan.json >> "$GITHUB_STEP_SUMMARY"

Schemas pending the same migrations are grouped (a fleet of 1,000 tenants gives a few lines), and
contract steps, which wait for the post-deploy stage, are marked. Standard library only; a missing or
unreadable report exits 1 with one line.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def summary(report: dict) -> str:
    post = set(report.get("post_stage_migrations", []))
    lines = ["### Migration plan", ""]
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for run in report.get("runs", []):
        for entry in run["schemas"]:
            if entry["status"] == "pending":
                groups[(run["scope"], tuple(entry["migrations"]))].append(entry["schema"])
    if report.get("status") not in ("ok", "pending"):
        lines.append(f"**The plan did not complete: {report.get('status')}: {report.get('error')}**")
        lines.append("")
    if not groups:
        lines.append("Nothing to migrate: every schema is current.")
        return "\n".join(lines) + "\n"
    lines += ["| scope | schemas | pending migrations |", "|---|---|---|"]
    for (scope, keys), schemas in sorted(groups.items(), key=lambda item: (item[0][0] != "shared", -len(item[1]))):
        named = ", ".join(schemas[:5]) + (f" and {len(schemas) - 5} more" if len(schemas) > 5 else "")
        pending = "<br>".join(f"`{key}` (post-deploy)" if key in post else f"`{key}`" for key in keys)
        lines.append(f"| {scope} | {len(schemas)}: {named} | {pending} |")
    lines += ["", "Post-deploy (contract) migrations run only after the new release is deployed and validated."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: plan_summary.py REPORT.json", file=sys.stderr)
        return 2
    try:
        report = json.loads(Path(argv[1]).read_text())
    except (OSError, ValueError) as exc:
        print(f"plan_summary: cannot read {argv[1]}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
