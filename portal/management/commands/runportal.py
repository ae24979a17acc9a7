"""Run the whole portal in one terminal: web, a Celery worker and Celery beat.

For development and demos on the embedded defaults. Production runs each process on its
own (see docker-compose.yml). Ctrl-C stops all three; if one dies, the others are stopped.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run web, Celery worker and Celery beat together until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port for the web")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", options["addr"], "--noreload"],
            "worker": [python, "-m", "celery", "-A", "portal", "worker", "-l", "info",
                       "--concurrency", "2"],
            "beat": [python, "-m", "celery", "-A", "portal", "beat", "-l", "info"],
        }  # fmt: skip
        # A SIGTERM (a terminal closed, `kill`, a supervisor) stops the three like Ctrl-C does.
        signal.signal(signal.SIGTERM, self._interrupt)
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Portal running at http://{options['addr']}/ (Ctrl-C stops it)")
        )
        try:
            exited = self._wait_for_first_exit(processes)
            self.stderr.write(f"{exited} stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping web, worker and beat…")
        finally:
            self._stop(processes)

    @staticmethod
    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    @staticmethod
    def _wait_for_first_exit(processes: dict[str, subprocess.Popen[bytes]]) -> str:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    return name
            time.sleep(0.5)

    @staticmethod
    def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
