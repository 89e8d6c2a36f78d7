#!/usr/bin/env python
"""Django's command-line utility; development settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.development")
    from django.core.management import execute_from_command_line

    from backend.logging import bind_command

    # Every log line of this run names the command and a run id (backend/logging.py).
    bind_command(sys.argv)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
