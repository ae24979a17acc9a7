#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that sign nothing (no sessions, tokens or links): they may run without a
# SECRET_KEY, so `manage.py makemigrations --check` or `migrate` work on a bare checkout.
KEYLESS_COMMANDS = frozenset(
    {
        "check",
        "compilemessages",
        "makemessages",
        "makemigrations",
        "migrate",
        "showmigrations",
        "sqlmigrate",
    }
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("PORTAL_KEYLESS_COMMAND", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
