"""Check DATABASE_URL and describe it without its secrets: `python deploy/database_url.py`.

Prints "database NAME on HOST:PORT as USER" (never the password or the full URL, which CI logs must
not show) and exits 2 with one line when the URL is missing or not a PostgreSQL URL. Parsing is
dj-database-url's, the same the settings use, so what is checked here is what Django will connect to.
"""

from __future__ import annotations

import os
import sys

POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def describe(url: str) -> str:
    import dj_database_url

    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # the message may quote the URL, so only its kind is shown
        raise ValueError(f"DATABASE_URL is not a database URL ({exc.__class__.__name__}).") from None
    if config["ENGINE"] not in POSTGRES_ENGINES:
        raise ValueError("DATABASE_URL must be a postgres:// (or postgresql://) URL.")
    if not config.get("NAME"):
        raise ValueError("DATABASE_URL names no database (postgres://USER:PASSWORD@HOST:PORT/NAME).")
    if not config.get("HOST"):
        raise ValueError("DATABASE_URL names no host (postgres://USER:PASSWORD@HOST:PORT/NAME).")
    user = config["USER"] or "(default user)"
    return f"database {config['NAME']} on {config['HOST']}:{config['PORT'] or 5432} as {user}"


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        if "--required" in sys.argv[1:]:
            print("DATABASE_URL is not set.", file=sys.stderr)
            return 2
        print("DATABASE_URL is not set: the settings module chooses the database (embedded PostgreSQL in development).")
        return 0
    try:
        print(describe(url))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
