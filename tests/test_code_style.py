"""The code stays ruff-clean (ruff.toml), so style never drifts between commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "assistant",
            "actions",
            "connectors",
            "api",
            "scripts",
            "benchmarks",
            "tests",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
