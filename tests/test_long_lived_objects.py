"""Both servers move what they load at start out of the garbage collector's walks.

A full collection over the Rasa server's loaded model paused a reply by
250-320 ms; over the action server's imports by 50-75 ms (measured in a
100-turn conversation). These check the freeze happens where the servers load.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _frozen_after(code: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", f"import gc\n{code}\nprint(gc.get_freeze_count())"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.strip().splitlines()[-1])


def test_the_action_server_freezes_what_it_imports():
    assert _frozen_after("") == 0
    assert _frozen_after("import actions") > 10_000


def test_the_rasa_server_freezes_once_the_model_is_up_and_only_once():
    frozen = _frozen_after(
        "from connectors.channels import settle_long_lived_objects\n"
        "settle_long_lived_objects()\n"
        "first = gc.get_freeze_count()\n"
        "junk = [[i] for i in range(50_000)]\n"
        "settle_long_lived_objects()\n"
        "assert gc.get_freeze_count() == first, 'froze twice'"
    )
    assert frozen > 10_000
