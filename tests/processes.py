"""Real processes for tests: a subprocess with its output in a file, a free port, a polled wait."""
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(condition, timeout: float, what: str, log=lambda: ""):
    """Poll `condition` until it returns something truthy; fail with `what` and a log after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s\n{log()}", pytrace=False)
        time.sleep(0.1)


class Process:
    """A subprocess with its output in a file; stopped with `stop_signal`, then killed."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict | None = None,
                 stop_signal=signal.SIGTERM):
        self.name = name
        self.log_path = log_path
        self.stop_signal = stop_signal
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, chars: int = 4000) -> str:
        self._log.flush()
        return f"--- {self.name} ---\n" + self.log_path.read_text(errors="replace")[-chars:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}\n{self.log()}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
