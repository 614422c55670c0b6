"""Start and stop the three processes: Rasa server, action server, sidecar.

Used by `make run`, by the test session (started once per run) and by the
benchmarks, so all three start the product the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from scripts.model import ROOT, model_path, rasa_bin, rasa_env

LOGS = ROOT / "var" / "log"


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    ready_after: Optional[float] = None

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**rasa_env(), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
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
    model = model or model_path()
    return [
        Service(
            "actions",
            [rasa_bin(), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
            env={**env, "SANIC_HOST": "127.0.0.1"},
        ),
        Service(
            "rasa",
            [
                rasa_bin(),
                "run",
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(rasa_port),
                "--model",
                str(model),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
                "--cors",
                "*",
            ],
            f"http://127.0.0.1:{rasa_port}/status",
            env=env,
        ),
        Service(
            "sidecar",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
                "--workers",
                os.environ.get("SIDECAR_WORKERS", "2"),
            ],  # fmt: skip
            f"http://127.0.0.1:{api_port}/health",
            env=env,
        ),
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
