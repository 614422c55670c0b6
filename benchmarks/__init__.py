"""Benchmark scripts (`make bench...`): figures for this machine, never pass/fail."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """What the figures were measured on, e.g. "x86_64, 2 cores (AMD EPYC), Linux": the
    same code measured 2x apart on two CPUs of the same size here."""
    name = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                name = line.split(":", 1)[1].strip()
                break
    cores = f"{os.cpu_count()} cores" + (f" ({name})" if name else "")
    return f"{platform.machine()}, {cores}, {platform.system()}"
