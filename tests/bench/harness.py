"""Processes of a benchmark: servers pinned to one core, the swarm (and this driver) to the other.

Every process started here has a bounded life: the driver stops it (SIGTERM, then SIGKILL), the
swarm also stops by itself after `max_seconds`.
"""
import json
import math
import os
import queue
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent

_cpus = sorted(os.sched_getaffinity(0))
# Two cores: the servers on the first, the swarm and the driver on the second. PostgreSQL and
# Redis are system services and stay unpinned.
SERVER_CPU, SWARM_CPU = (_cpus[0], _cpus[1]) if len(_cpus) >= 2 else (None, None)


def pinned(command: list[str], cpu: int | None) -> list[str]:
    if cpu is None or not shutil.which("taskset"):
        return command
    return ["taskset", "-c", str(cpu), *command]


def _raise_fd_limit() -> None:
    """In the child, before exec: enough file descriptors for thousands of sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc (10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int, int]:
    """(busy, steal, total) jiffies of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return total - idle - steal, steal, total


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Server:
    """`python <script>` serving on its own port, pinned to the servers' core (or to `cpu`)."""

    def __init__(self, name: str, script: str, env: dict, workdir: Path, cpu: int | None = SERVER_CPU):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        full_env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            pinned([sys.executable, script], cpu), cwd=PROJECT_ROOT, env=full_env,
            stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_raise_fd_limit, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid  # taskset execs the server: same pid

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout} s:\n{self.log_tail()}")

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class Swarm:
    """tests/bench/swarm.py in its own process, pinned to the swarm's core."""

    def __init__(self, config: dict, workdir: Path, name: str = "swarm", script: str = "swarm.py"):
        self.config = config
        self.lines: queue.Queue[str] = queue.Queue()
        self.got: dict[int, dict] = {}
        self.log_path = workdir / f"{name}.log"
        self._stderr = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            pinned([sys.executable, str(BENCH_DIR / script), json.dumps(config)], SWARM_CPU),
            cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, bufsize=1, preexec_fn=_raise_fd_limit, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("EOF")

    def _next(self, prefix: str, timeout: float) -> str | None:
        """The next line starting with `prefix`, keeping GOT lines seen on the way."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                return None
            if line.startswith("GOT "):
                _, k, payload = line.split(" ", 2)
                self.got[int(k)] = json.loads(payload)
            if line.startswith(prefix):
                return line
            if line == "EOF":
                raise RuntimeError(f"swarm exited ({self.process.poll()}):\n{self.stderr_tail()}")

    def stderr_tail(self, chars: int = 3000) -> str:
        self._stderr.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_ready(self, timeout: float) -> dict:
        line = self._next("READY ", timeout)
        if line is None:
            raise RuntimeError(f"swarm not ready after {timeout} s:\n{self.stderr_tail()}")
        return json.loads(line.split(" ", 1)[1])

    def wait_got(self, k: int, timeout: float) -> dict | None:
        """Receipt times of marker k once every client has it, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while k not in self.got:
            if self._next(f"GOT {k} ", max(0.0, deadline - time.monotonic())) is None:
                break
        return self.got.get(k)

    def status(self, k: int) -> int:
        self._send(f"STATUS {k}")
        line = self._next(f"STATUS {k} ", 10)
        return int(line.split()[2]) if line else -1

    def ask(self, line: str, answer: str, timeout: float) -> dict | None:
        """Send a command line, wait for the line starting with `answer` (+ a space) and return
        its JSON payload, or None after `timeout` (the vote storm's STORM and CHECK)."""
        self._send(line)
        found = self._next(answer + " ", timeout)
        return json.loads(found.split(" ", 1)[1]) if found else None

    def _send(self, line: str) -> None:
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def stop(self) -> dict:
        """QUIT, wait for the swarm to close its sockets; kill it if it does not."""
        summary = {}
        if self.process.poll() is None:
            self._send("QUIT")
            try:
                line = self._next("BYE ", 60)
                if line:
                    summary = json.loads(line.split(" ", 1)[1])
            except RuntimeError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._stderr.close()
        return summary


class Profile:
    """Investigation only (BENCH_PYSPY=<folder>): py-spy samples each server while the changes
    are posted and writes collapsed stacks (flamegraph.pl input) to <folder>/<name>.txt."""

    def __init__(self, servers: list[Server], name: str):
        self.processes = []
        folder = os.environ.get("BENCH_PYSPY")
        py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        if not folder or not py_spy:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        for server in servers:
            out = Path(folder) / f"{name}-{server.name}.txt"
            self.processes.append(subprocess.Popen(
                [py_spy, "record", "--pid", str(server.pid), "--rate", "250", "--format", "raw",
                 "--output", str(out), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        time.sleep(1)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def summarise(samples: list[float]) -> dict:
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 95),
        "max": max(samples),
        "n": len(samples),
    }
