"""A real Celery worker in a subprocess, on the broker the settings name (Redis in CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crashed machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker never said {text!r}; it said:\n{''.join(self.lines[-40:])}")


@contextmanager
def celery_worker(env: dict[str, str] | None = None, *, beat: bool = False) -> Iterator[Worker]:
    """Start `celery -A portal worker` (with an embedded beat), wait until it is ready, stop it.

    The worker runs in its own process group, so `Worker.kill` takes its pool down with it.
    """
    extra = ["-B"] if beat else []
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-l", "info", *extra,
         "--concurrency", "1", "--without-mingle", "--without-gossip", "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    worker = Worker(process)
    try:
        worker.wait_for("ready.", timeout=60)
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
