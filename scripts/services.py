"""Start and stop the three processes: Rasa server, action server, sidecar.

Used by `make run`, by the test session (started once per run) and by the
benchmarks, so all three start the product the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from assistant.keys import HELD_BY, KEYS, all_key_variables, configured, secret
from scripts.model import ROOT, model_path, rasa_env

LOGS = ROOT / "var" / "log"
LOOPBACK = "127.0.0.1"


def bind_host() -> str:
    """Where the Rasa server and the sidecar listen (`ASSISTANT_HOST`, loopback by default)."""
    return os.environ.get("ASSISTANT_HOST", "").strip() or LOOPBACK


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def process_env(kind: Optional[str], extra: Dict[str, str]) -> Dict[str, str]:
    """The environment of one process: the launcher's, with only the keys this kind of
    process needs (assistant/keys.py); a key in `extra` wins over the configured one."""
    keys = set(all_key_variables())
    env = {name: value for name, value in {**rasa_env(), **extra}.items() if name not in keys}
    for name in HELD_BY.get(kind or "", ()):
        key = KEYS[name]
        value = extra.get(key.env) or (configured(name) if key.sets_mode else secret(name))
        if value:
            env[key.env] = value
    return env


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    kind: Optional[str] = None  # rasa | actions | sidecar: which keys it gets
    health_headers: Optional[Callable[[], Dict[str, str]]] = None
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    ready_after: Optional[float] = None
    cwd: Path = ROOT  # where it runs: the project, or another Rasa project (benchmarks/stock_bot.py)

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=process_env(self.kind, self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def is_ready(self) -> bool:
        headers = self.health_headers() if self.health_headers else {}
        try:
            with urllib.request.urlopen(
                urllib.request.Request(self.health_url, headers=headers), timeout=2
            ) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if self.is_ready():
                self.ready_after = time.monotonic() - self.started_at
                return
            time.sleep(0.25)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def actions_service(name: str, port: int, env: Dict[str, str]) -> Service:
    return Service(
        name,
        # rasa_sdk itself rather than `rasa run actions`, which loads all of Rasa
        # (TensorFlow included) first: 148 MB instead of 191 MB idle, and a faster start.
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        env={**env, "SANIC_HOST": "127.0.0.1"},
        kind="actions",
    )


def rasa_service(
    name: str,
    port: int,
    env: Dict[str, str],
    model: Optional[Path] = None,
    route: Optional[str] = None,
    host: Optional[str] = None,
) -> Service:
    """`route` tags the replica's socket.io session ids for a load balancer (see channels.py).

    The API needs a JWT (scripts/rasa_server.py); no `--cors`: the channels answer
    the origins in `CHAT_ALLOWED_ORIGINS` themselves, the API none.
    """
    from api.rasa_client import auth_headers

    command = [
        sys.executable, "-m", "scripts.rasa_server", "--enable-api", "--interface", host or bind_host(),
        "--port", str(port), "--model", str(model or model_path()), "--credentials", "credentials.yml",
        "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    env = {**env, "SOCKETIO_ROUTE": route} if route else env
    return Service(name, command, f"http://127.0.0.1:{port}/status", env=env, kind="rasa", health_headers=auth_headers)


def sidecar_service(name: str, port: int, env: Dict[str, str], host: Optional[str] = None) -> Service:
    workers = os.environ.get("SIDECAR_WORKERS", "2")
    command = [
        sys.executable, "-m", "uvicorn", "api.main:app", "--host", host or bind_host(), "--port", str(port),
        "--workers", workers,
        # The client address (rate limits) from X-Forwarded-For only when a proxy on this machine sent it.
        "--proxy-headers", "--forwarded-allow-ips", LOOPBACK,
    ]  # fmt: skip
    return Service(name, command, f"http://127.0.0.1:{port}/health", env=env, kind="sidecar")


def build_services(
    rasa_port: int = 5005,
    actions_port: int = 5055,
    api_port: int = 8000,
    model: Optional[Path] = None,
    extra_env: Optional[Dict[str, str]] = None,
) -> List[Service]:
    env = dict(extra_env or {})
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
    env["SIDECAR_URL"] = f"http://127.0.0.1:{api_port}"
    env["RASA_URL"] = f"http://127.0.0.1:{rasa_port}"
    return [
        actions_service("actions", actions_port, env),
        rasa_service("rasa", rasa_port, env, model),
        sidecar_service("sidecar", api_port, env),
    ]


def start_all(services: List[Service], timeout: float = 180) -> None:
    """Start every service, wait until each answers; stop them all if one fails."""
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready(timeout)
    except BaseException:
        stop_all(services)
        raise


def stop_all(services: List[Service]) -> None:
    for service in reversed(services):
        service.stop()


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C, for `supervise`."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    return stop


def supervise(services: List[Service], stop: threading.Event, restart: bool) -> None:
    """Watch the services until `stop` is set, then stop them all.

    A service that dies is started again if `restart` (like a pod's restart
    policy: the others carry on meanwhile); otherwise everything stops.
    """
    try:
        while not stop.is_set():
            for service in services:
                if service.process.poll() is None or stop.is_set():
                    continue
                if restart:
                    print(f"{service.name} stopped ({service.process.returncode}); restarting it", file=sys.stderr)
                    service.start()
                else:
                    print(f"{service.name} stopped unexpectedly; see {service.log_path}", file=sys.stderr)
                    stop.set()
            stop.wait(0.5)
    finally:
        print("stopping ...", flush=True)
        stop_all(services)
